"""The production configuration as operators start it: refused without a real secret,
and two gunicorn servers sharing one database and one Redis behave as one site."""
import json
import re
import subprocess
import sys

import pytest

from consult.extensions import db
from consult.models import Testimony
from tests.conftest import PASSWORD, wait_until
from tests.operations.servers import GUNICORN, ROOT, Gunicorn, ProxiedBrowser, \
    production_environment

BAD_SECRETS = {"missing": None, "short": "too-short-a-secret", "development": "dev-only-not-secret"}


@pytest.mark.parametrize("command", [
    [sys.executable, "-c", "from consult import create_app; create_app()"],
    [GUNICORN, "wsgi:app"],
], ids=["app", "gunicorn"])
@pytest.mark.parametrize("secret", BAD_SECRETS.values(), ids=BAD_SECRETS.keys())
def test_production_refuses_to_start_without_a_real_secret(tmp_path, command, secret):
    environment = production_environment(CONSULT_INSTANCE_DIR=str(tmp_path),
                                         GUNICORN_BIND="127.0.0.1:0")
    environment.pop("SECRET_KEY")
    if secret is not None:
        environment["SECRET_KEY"] = secret
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Consult cannot start: set SECRET_KEY to a random string of at least 32 characters "
        "(for example: python3 -c 'import secrets; print(secrets.token_hex(32))')."]


@pytest.fixture(scope="module")
def two_servers(app, redis_url, smtp_server, tmp_path_factory):
    """Two production servers on different ports, one database, one Redis, one secret."""
    settings = production_environment(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis_url,
        UPLOAD_DIR=app.config["UPLOAD_DIR"], TRUSTED_PROXIES="1",
        MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_server[0].port))
    folder = tmp_path_factory.mktemp("gunicorn")
    servers = [Gunicorn(folder / name, **settings) for name in ("a", "b")]
    yield servers
    for server in servers:
        server.stop()


def test_a_testimony_sent_through_one_server_is_read_through_the_other(
        two_servers, make_consultation):
    first, second = two_servers
    consultation = make_consultation()
    visitor = ProxiedBrowser("203.0.113.10")
    sent = visitor.post_form(first, f"/c/{consultation.slug}/testify", {
        "body": "Le transport adapté arrive toujours en retard le mardi.",
        "themes": str(consultation.themes[0].id), "category": str(consultation.categories[0].id),
        "region": str(consultation.regions[0].id), "visibility": "anonymous", "consent": "y"})
    assert sent.status == 302
    receipt = sent.headers["Location"]
    assert receipt.startswith("/receipt/")
    read = visitor.get(second, receipt)
    assert read.status == 200
    assert "Le transport adapté arrive toujours en retard le mardi." in read.text
    db.session.expire_all()
    assert db.session.query(Testimony).count() == 1


def test_a_session_opened_on_one_server_is_valid_on_the_other(two_servers, make_user):
    first, second = two_servers
    make_user("lecteur@example.org", "Lucie Lecteur")
    person = ProxiedBrowser("203.0.113.20")
    logged_in = person.post_form(first, "/account/login",
                                 {"email": "lecteur@example.org", "password": PASSWORD})
    assert logged_in.status == 302
    assert "Secure" in logged_in.headers["Set-Cookie"]
    own_page = person.get(second, "/account/profile")
    assert own_page.status == 200
    assert "Log out" in own_page.text
    assert ProxiedBrowser("203.0.113.21").get(second, "/account/profile").status == 302


def test_login_attempts_spread_over_both_servers_meet_one_limit(two_servers):
    """60 wrong log-ins from one address, alternating servers: the limit of 10 a minute
    holds exactly as it would in one process."""
    servers = two_servers
    attacker = ProxiedBrowser("198.51.100.7")
    page = attacker.get(servers[0], "/account/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    statuses = [attacker.request(servers[attempt % 2], "POST", "/account/login", {
        "email": f"nobody{attempt}@example.org", "password": "wrong guess",
        "csrf_token": token}).status for attempt in range(60)]
    assert statuses.count(429) == 50
    assert all(status == 200 for status in statuses[:10])
    # Another address still has its own allowance: the proxy's address is not the key.
    other = ProxiedBrowser("198.51.100.8")
    assert other.post_form(servers[1], "/account/login", {
        "email": "nobody@example.org", "password": "wrong guess"}).status == 200


def test_production_answers_carry_hsts_and_are_logged_as_json_with_the_request_id(two_servers):
    server = two_servers[0]
    answer = ProxiedBrowser("203.0.113.30").get(server, "/healthz",
                                                headers={"X-Request-ID": "proxy-id-42"})
    assert answer.status == 200
    assert answer.headers["X-Request-ID"] == "proxy-id-42"
    max_age = int(re.search(r"max-age=(\d+)", answer.headers["Strict-Transport-Security"])[1])
    assert max_age >= 365 * 24 * 3600
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in answer.headers["Content-Security-Policy"]

    def logged() -> list[dict]:
        lines = [json.loads(line) for line in server.log("access.log").splitlines()]
        return [line for line in lines if line.get("request_id") == "proxy-id-42"]

    # gunicorn writes the access line once the answer has left.
    wait_until(logged, server.process, "the access line is written")
    [entry] = logged()
    assert entry["path"] == "/healthz" and entry["status"] == "200"
    assert entry["remote"] == "203.0.113.30"
