"""Fixtures: the app on a migrated database (SQLite, or PostgreSQL when DATABASE_URL
is set), a test client, a real SMTP server on loopback, and small factories."""
import contextvars
import logging
import os
import re
import shutil
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pyotp
import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from sqlalchemy import make_url, text
from werkzeug.serving import make_server

from config import Config, TestConfig, normalise_database_url
from consult import create_app
from consult.accounts import services as accounts
from consult.extensions import db, limiter
from consult.models import (
    Channel,
    Consultation,
    MemberRole,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    ParticipantCategory,
    Region,
    Role,
    Status,
    Testimony,
    Theme,
    Visibility,
    utcnow,
)
from consult.models.testimony import hash_receipt_token
from consult.moderation import services as moderation
from consult.testimonies import services as testimonies

PASSWORD = "correct horse battery"
SECOND_FACTOR_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, process: subprocess.Popen, what: str, attempts: int = 900) -> None:
    """Check `condition` every tenth of a second (90 s at most) while `process` runs; fail
    with what was awaited if it ends first or the time runs out."""
    for _ in range(attempts):
        if condition():
            return
        try:
            process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"the process ended with status {process.returncode} before {what}")
    pytest.fail(f"still waiting for {what}")


def wait_for_port(process: subprocess.Popen, port: int, what: str) -> None:
    """Wait until `process` listens on `port`."""

    def listening() -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0

    wait_until(listening, process, f"{what} listens on port {port}")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real Redis: the one REDIS_URL names (CI), else a redis-server started on loopback."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (`make test` installs it)")
    port = free_port()
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path_factory.mktemp("redis"))], stdout=subprocess.DEVNULL)
    wait_for_port(process, port, "redis-server")
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=30)


@dataclass
class Mailbox:
    """Messages received by the loopback SMTP server."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    def last_link(self, address: str) -> str:
        """The last http link sent to `address`, as a path on the site."""
        body = self.to(address)[-1].get_payload(decode=True).decode()
        url = re.findall(r"https?://\S+", body)[-1]
        return "/" + url.split("/", 3)[3]


@pytest.fixture(scope="session")
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    name = make_url(url).database or ""
    if "test" not in name:
        pytest.exit(f"Refusing to run the tests on {name!r}: its name must contain 'test'.", 2)
    return url


class IsolatedClient(FlaskClient):
    """Runs each request in its own application context, as a server does.

    Without this, requests would share the test's context: its `g` (the cached user and
    language) and its database session would leak from one request to the next.
    """

    def open(self, *args, **kwargs):
        # A streamed body is read within the request's own context too, as a server does.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(FlaskClient.open, self, *args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory, smtp_server):
    controller, _mailbox = smtp_server
    uploads = tmp_path_factory.mktemp("uploads")
    database_url = _database_url(tmp_path_factory)
    application = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=normalise_database_url(database_url),
        UPLOAD_DIR=str(uploads),
        EXPORT_DIR=str(tmp_path_factory.mktemp("exports")),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=controller.port,
    )
    application.test_client_class = IsolatedClient
    with application.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    # Alembic's logging set-up replaces the root logger's handlers and level: tap again.
    _tap_root_logger()
    return application


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        # The audit log refuses deletes (append-only): lift its guard for the clean-up only.
        guard = db.session.execute(text(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_log_no_delete'"
        )).scalar_one()
        db.session.execute(text("DROP TRIGGER audit_log_no_delete"))
        for table in tables:
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.execute(text(guard))
    db.session.commit()


@pytest.fixture(autouse=True)
def app_context(app, smtp_server):
    """Each test starts on empty tables, an empty mailbox and an empty upload folder."""
    smtp_server[1].messages.clear()
    with app.app_context():
        yield
        db.session.rollback()
        _empty_tables()
        db.session.remove()
    for path in Path(app.config["UPLOAD_DIR"]).iterdir():
        path.unlink()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    return smtp_server[1]


@pytest.fixture
def client(make_client):
    """A browser asking for English (the tests read English messages; French has its own)."""
    return make_client()


@pytest.fixture
def make_client(app):
    """More browsers asking for English, for tests with several people."""

    def make():
        test_client = app.test_client()
        test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return test_client

    return make


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str | None = None) -> str:
    """The CSRF token of the client's session, read from a page as a browser would: from
    `path` (by default the home page, with its log-out form), else from the log-in form
    (a page without a form holds no token)."""
    for page_path in [path or "/", "/account/login"]:
        found = CSRF.search(client.get(page_path).get_data(as_text=True))
        if found:
            return found.group(1)
    raise AssertionError(f"no form with a CSRF token on {path or '/'} or the log-in page")


def post_form(client, path: str, data: dict | None = None, *, form_page: str | None = None,
              **kwargs):
    """Submit a form with the session's CSRF token, as the browser would."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client, form_page or path))
    return client.post(path, data=data, **kwargs)


@pytest.fixture
def make_user():
    def make(email="person@example.org", name="Person", *, admin=False,
             roles: tuple[tuple[Consultation, Role], ...] = (), confirmed=True, password=PASSWORD):
        user = accounts.create_confirmed_user(email, name, password)
        if not confirmed:
            user.email_confirmed_at = None
        user.is_admin = admin
        db.session.commit()
        for consultation, role in roles:
            accounts.grant_role(user, consultation, role)
        if user.needs_second_factor:
            user.totp_secret = SECOND_FACTOR_SECRET
            db.session.commit()
        return user

    return make


def log_in(client, email: str, password: str = PASSWORD):
    """Log in as a person would; staff also type their authenticator app's code."""
    response = post_form(client, "/account/login", {"email": email, "password": password})
    user = accounts.find_user(email)
    if response.status_code == 302 and user is not None and user.needs_second_factor:
        if user.totp_secret:
            pass_second_factor(client, user)
        else:
            set_up_second_factor(client)
    return response


def set_up_second_factor(client):
    """Read the key off the set-up page, as a person's authenticator app would."""
    page = client.get("/account/second-factor/setup").get_data(as_text=True)
    secret = re.search(r'class="secret">([A-Z2-7]+)<', page).group(1)
    return post_form(client, "/account/second-factor/setup", {"code": pyotp.TOTP(secret).now()})


def pass_second_factor(client, user, path: str = "/account/second-factor"):
    # A code is accepted once; tests log the same person in many times a minute.
    user.totp_last_step = None
    db.session.commit()
    return post_form(client, path, {"code": pyotp.TOTP(user.totp_secret).now()})


@pytest.fixture
def make_consultation():
    def make(slug="eg", phase="open", *, themes=("Gouvernance", "Pratiques", "Accès"),
             categories=("Usager", "Intervenante"), regions=("Montréal", "Estrie")):
        now = utcnow()
        day = timedelta(days=1)
        dates = {
            "draft": (now + day, now + 2 * day, now + 3 * day, now + 4 * day),
            "open": (now - day, now + day, now + 2 * day, now + 3 * day),
            "synthesis": (now - 2 * day, now - day, now + day, now + 2 * day),
            "vote": (now - 3 * day, now - 2 * day, now - day, now + day),
            "closed": (now - 4 * day, now - 3 * day, now - 2 * day, now - day),
        }[phase]
        consultation = Consultation(
            slug=slug, title=f"Consultation {slug}", description="Une consultation d'essai.",
            opens_at=dates[0], synthesis_at=dates[1], vote_at=dates[2], closes_at=dates[3],
            themes=[Theme(name=n, position=i) for i, n in enumerate(themes)],
            categories=[ParticipantCategory(name=n, position=i) for i, n in enumerate(categories)],
            regions=[Region(name=n, position=i) for i, n in enumerate(regions)],
        )
        db.session.add(consultation)
        db.session.commit()
        return consultation

    return make


@pytest.fixture
def make_organisation():
    """An organisation of `consultation` (approved unless told) with its owner and
    facilitators (accounts)."""

    def make(consultation, name="Carrefour communautaire", *, owner=None, facilitators=(),
             status=OrganisationStatus.APPROVED, region=None):
        members = [Membership(user=owner, role=MemberRole.OWNER)] if owner else []
        members += [Membership(user=user, role=MemberRole.FACILITATOR) for user in facilitators]
        organisation = Organisation(consultation=consultation, name=name, region=region,
                                    kind=OrganisationKind.COMMUNITY, status=status,
                                    members=members)
        db.session.add(organisation)
        db.session.commit()
        return organisation

    return make


@pytest.fixture
def make_testimony(app):
    """A testimony in any status, returned with its receipt token."""

    def make(consultation, body="Un témoignage.", *, title=None, status=Status.PUBLISHED,
             visibility=Visibility.ANONYMOUS, display_name=None, themes=None, category=None,
             region=None, channel=Channel.ONLINE, author=None, contact_email=None,
             **provenance):
        """`provenance`: entered_by, organisation, event, hearing, consent_method, is_brief."""
        token = testimonies.new_receipt_token()
        testimony = Testimony(
            consultation=consultation, title=title, body=body, channel=channel,
            visibility=visibility, display_name=display_name, author=author,
            contact_email=contact_email, consented_at=utcnow(),
            receipt_token_hash=hash_receipt_token(token),
            themes=list(themes if themes is not None else consultation.themes[:1]),
            category=category, region=region, **provenance,
        )
        db.session.add(testimony)
        db.session.commit()
        if status is Status.PUBLISHED:
            # Publishing tells the author by e-mail, with a link: a request context builds it.
            with app.test_request_context():
                moderation.publish(testimony, None, testimony.version)
        elif status is Status.WITHDRAWN:
            testimonies.withdraw_testimony(testimony)
        elif status is not Status.PENDING:
            testimony.status = status
            db.session.commit()
        return testimony, token

    return make


@pytest.fixture
def rate_limits(app, monkeypatch):
    """The limits a real site has (the test configuration raises them out of reach)."""
    for name in ("RATE_LIMIT_LOGIN", "RATE_LIMIT_REGISTER", "RATE_LIMIT_PASSWORD_RESET",
                 "RATE_LIMIT_TESTIMONY", "RATE_LIMIT_FLAG", "RATE_LIMIT_DELEGATE_CODE",
                 "RATE_LIMIT_EXPORT", "RATE_LIMIT_ENTRY", "RATE_LIMIT_EVENT_REGISTRATION",
                 "RATE_LIMIT_INVITATION"):
        monkeypatch.setitem(app.config, name, getattr(Config, name))
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over HTTP on loopback, for the browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-CA", java_script_enabled=True)
    yield context.new_page()
    context.close()


#: Strings that must never reach a log line; tests send them through every path they can.
CANARIES = (PASSWORD, "canari-témoignage-7f3a", "canari-courriel@example.org")
_EMAIL_IN_LOG = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TOKEN_IN_LOG = re.compile(
    r"(?:/|%2F)(?:receipt|confirm|reset-password|invitations)(?:/|%2F)[\w-]{20,}", re.IGNORECASE)


class LogTap(logging.Handler):
    """Keeps every log line of the run, as an operator's log file would."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


LOG_TAP = LogTap()
#: Figures the security tests measure, printed at the end of the run (docs/security.md).
FIGURES: list[str] = []


@pytest.fixture
def figure():
    return FIGURES.append


def _tap_root_logger() -> None:
    root = logging.getLogger()
    if LOG_TAP not in root.handlers:
        root.addHandler(LOG_TAP)
    root.setLevel(logging.INFO)


def pytest_sessionstart(session):
    _tap_root_logger()


def pytest_sessionfinish(session, exitstatus):
    leaks = [line for line in LOG_TAP.lines
             if any(canary in line for canary in CANARIES) or _EMAIL_IN_LOG.search(line)
             or _TOKEN_IN_LOG.search(line)]
    session.config.log_leaks = leaks
    if leaks and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    leaks = getattr(config, "log_leaks", [])
    terminalreporter.write_line(
        f"log check: {len(LOG_TAP.lines)} log lines, {len(leaks)} with a canary string, "
        "an e-mail address or a token"
    )
    for line in leaks[:20]:
        terminalreporter.write_line(f"  LEAK: {line[:300]}")
    for line in FIGURES:
        terminalreporter.write_line(line)
