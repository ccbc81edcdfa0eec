"""The production server as operators run it (gunicorn with gunicorn.conf.py, the
production configuration), and a client that stands where the reverse proxy does."""
import http.client
import os
import re
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from tests.conftest import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def production_environment(**settings) -> dict[str, str]:
    """The environment of a production process: a fresh random secret unless told."""
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("CONSULT_", "GUNICORN_", "PROMETHEUS_"))}
    environment.update(CONSULT_ENV="production", SECRET_KEY=secrets.token_hex(32))
    environment.update(settings)
    return environment


class Gunicorn:
    """`gunicorn wsgi:app` started from the repository, as the systemd unit does."""

    def __init__(self, folder: Path, **settings):
        self.port = free_port()
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        environment = production_environment(
            GUNICORN_BIND=f"127.0.0.1:{self.port}", WEB_CONCURRENCY="1",
            CONSULT_INSTANCE_DIR=str(folder), **settings)
        self.process = subprocess.Popen(
            [GUNICORN, "wsgi:app"], cwd=ROOT, env=environment,
            stdout=(folder / "access.log").open("wb"), stderr=(folder / "error.log").open("wb"))
        wait_for_port(self.process, self.port, "gunicorn")

    def log(self, name: str) -> str:
        return (self.folder / name).read_text()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str


@dataclass
class ProxiedBrowser:
    """A browser behind the reverse proxy: every request carries the proxy's
    X-Forwarded-* headers (HTTPS, the browser's own address), and cookies are kept
    as the browser keeps them, Secure ones included (the proxy spoke TLS to it)."""

    address: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, server: Gunicorn, method: str, path: str, form: dict | None = None,
                headers: dict | None = None) -> Response:
        sent = {"X-Forwarded-For": self.address, "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": "consult.example.org", "Accept-Language": "en",
                **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            text = answer.read().decode()
        finally:
            connection.close()
        for value in answer.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return Response(answer.status, answer.headers, text)

    def get(self, server: Gunicorn, path: str, **kwargs) -> Response:
        return self.request(server, "GET", path, **kwargs)

    def post_form(self, server: Gunicorn, path: str, form: dict, *,
                  form_page: str | None = None) -> Response:
        """Submit a form with the CSRF token read from its page, as a browser would."""
        page = self.get(server, form_page or path).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        return self.request(server, "POST", path, {**form, "csrf_token": token})
