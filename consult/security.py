"""Response headers every page gets, requests refused before any view, and where a
redirect may lead."""
from flask import Flask, Response, abort, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from itsdangerous import URLSafeTimedSerializer

from consult.extensions import login_manager

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def mark_private() -> None:
    """Ask browsers and proxies not to keep a copy of this response."""
    g.private_response = True


def security_headers(config) -> list[tuple[str, str]]:
    """The headers every answer carries."""
    headers = [("Content-Security-Policy", CONTENT_SECURITY_POLICY),
               ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
               ("Referrer-Policy", "no-referrer")]
    if config["HSTS_SECONDS"]:
        headers.append(("Strict-Transport-Security",
                        f"max-age={config['HSTS_SECONDS']}; includeSubDomains"))
    return headers


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed session cookie, its signing serializer made once per secret key
    rather than at every request (a request without a cookie paid for it too)."""

    def __init__(self) -> None:
        self._serializer: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._serializer is None or self._serializer[0] != keys:
            self._serializer = (keys, super().get_signing_serializer(app))
        return self._serializer[1]


def init_app(app: Flask) -> None:
    app.session_interface = SignedCookieSessions()
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    @app.before_request
    def refuse_nul_characters() -> None:
        """No address and no search holds a NUL character (PostgreSQL refuses one in text):
        such a request is answered before it reaches the database, the same on every database."""
        if "\x00" in request.path:
            abort(404)
        # In a query string a NUL is written %00 (or sent raw by a client that breaks the rules).
        if b"%00" in request.query_string or b"\x00" in request.query_string:
            abort(400)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        for name, value in security_headers(app.config):
            # A page may set a policy of its own.
            if name != "Content-Security-Policy" or name not in response.headers:
                response.headers[name] = value
        if g.get("private_response") or (
            current_user.is_authenticated and request.endpoint != "static"
        ):
            response.headers["Cache-Control"] = "no-store"
        return response


def local_path_or_none(target: str | None) -> str | None:
    """`target` if it is a path on this site (for `next=`), else None.

    Browsers drop tabs and newlines from an address ("/<tab>/evil.example" becomes
    "//evil.example"), and a newline cannot go in a header: such a target is refused.
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    return target
