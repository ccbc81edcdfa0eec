"""Public pages kept for anonymous readers.

A page marked `@for_visitors` is made once per content version, language and address,
then answered from the worker's memory until something public changes; browsers and
reverse proxies get an `ETag` and a `Last-Modified` to ask again with, and a 304 Not
Modified costs one small query. Nothing is kept for a signed-in person, a session that
carries more than its language, a page that holds a form's token or a message, or an
answer other than 200.

A kept page is answered in one of two places, with the same body and headers: for a
request without cookies (most visitors), by the `KeptPages` WSGI middleware before
Flask is reached; for a visitor whose session holds a language or a form token, by a
`before_request` hook placed before the form-token and rate-limit hooks. Either way it
costs the version's read (one primary-key query on a connection of its own) and no
rendering.

The content version (`ContentVersion`) grows in the same transaction as every committed
change to a table the public pages read (all tables but those in `UNSHOWN_TABLES`):
listeners on the ORM session note the changes, and the commit bumps the number. Pages
that depend on the clock (a phase that opens, an event that passes) are made again at
least every PAGE_CACHE_SECONDS.
"""
import hashlib
import math
import os
import threading
import time
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import wraps
from itertools import chain
from pathlib import Path

from flask import Flask, Response, current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import Engine, event, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from werkzeug.http import HTTP_STATUS_CODES, http_date, parse_date, parse_etags, quote_etag

from consult.extensions import db, insert_or_update, limiter
from consult.i18n import browser_locale
from consult.logs import request_id
from consult.models import ContentVersion, utcnow
from consult.operations.metrics import record
from consult.security import security_headers

#: Tables no cached page reads: votes (the results page reads the stored results),
#: staff work, accounts' sessions, the log and the queues. A write to them leaves the
#: public pages as they are.
UNSHOWN_TABLES = frozenset({
    "content_version", "votes", "vote_history", "voters", "delegate_codes", "audit_log",
    "jobs", "outbox_messages", "user_sessions", "readings", "assignments", "coding_samples",
    "codes", "excerpts", "analysis_runs", "near_duplicates", "topic_members",
    "similar_testimonies", "flags", "decision_days", "role_assignments",
    "organisation_invitations",
})

#: What a visitor's session may hold for a page to be shared with other visitors.
SHAREABLE_SESSION_KEYS = frozenset({"locale", "csrf_token"})

#: Kept pages differ by language and by who asks.
VARY = ("Cookie", "Accept-Language")
VARY_HEADER = ("Vary", ", ".join(VARY))

_CHANGED = "content_changed"
_VERSION_ROW = 1
_NEVER = datetime(2000, 1, 1)
_VERSION_QUERY = select(ContentVersion.number, ContentVersion.changed_at).where(
    ContentVersion.id == _VERSION_ROW)


def _notes_a_change(session: Session, table: str | None) -> None:
    if table is not None and table not in UNSHOWN_TABLES:
        session.info[_CHANGED] = True


@event.listens_for(Session, "before_flush")
def _note_flushed_changes(session: Session, _context, _instances) -> None:
    if session.info.get(_CHANGED):
        return
    for instance in chain(session.new, session.deleted):
        _notes_a_change(session, getattr(instance, "__tablename__", None))
    for instance in session.dirty:
        if session.is_modified(instance):
            _notes_a_change(session, getattr(instance, "__tablename__", None))


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _notes_a_change(state.session, getattr(state.statement.table, "name", None))


@event.listens_for(Session, "before_commit")
def _bump_on_commit(session: Session) -> None:
    session.flush()
    if session.info.pop(_CHANGED, False):
        now = utcnow()
        insert_or_update(ContentVersion, {"id": _VERSION_ROW, "number": 1, "changed_at": now},
                         ["id"], {"number": ContentVersion.number + 1, "changed_at": now},
                         session=session)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_CHANGED, None)


@dataclass(frozen=True)
class _Version:
    tag: str
    #: None while it is still the second of the last change: a page sent now could miss
    #: a second change in that second, so only its ETag can be checked.
    last_modified: datetime | None

    @property
    def headers(self) -> list[tuple[str, str]]:
        """The validators and caching rules of a page of this version."""
        headers = [("ETag", quote_etag(self.tag, weak=True)), ("Cache-Control", "public, no-cache")]
        if self.last_modified is not None:
            headers.append(("Last-Modified", http_date(self.last_modified)))
        return headers


@dataclass(frozen=True)
class _Page:
    tag: str
    body: bytes
    headers: list[tuple[str, str]]
    endpoint: str


class _Pages:
    """The pages one worker keeps, least recently used first out."""

    def __init__(self) -> None:
        self._pages: OrderedDict[tuple, _Page] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, tag: str) -> _Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None or page.tag != tag:
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: _Page, limit: int) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > limit:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def _pages() -> _Pages:
    return current_app.extensions.setdefault("visitor_pages", _Pages())


def _code_digest() -> str:
    """What the pages are made with (templates, catalogs, code), so that a new release
    never answers 304 for a page of the old one. Computed once per process."""
    digest = current_app.extensions.get("page_code_digest")
    if digest is None:
        root = Path(current_app.root_path)
        files = chain(Path(current_app.template_folder).rglob("*.html"), root.rglob("*.py"),
                      root.rglob("*.mo"))
        hashed = hashlib.blake2b(digest_size=6)
        for path in sorted(files):
            hashed.update(path.read_bytes())
        digest = current_app.extensions["page_code_digest"] = hashed.hexdigest()
    return digest


class _VersionReader:
    """Reads the content version on a database connection of its own (one per process,
    outside the pool, in autocommit): one round trip, with no pool check-out, no ping and
    no rollback at check-in, which cost several round trips on PostgreSQL. A connection
    the server dropped is replaced once; a second failure is the request's error, the
    same as the engine's own."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._statement = str(_VERSION_QUERY.compile(
            dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
        self._lock = threading.Lock()
        self._connection = None
        self._pid = None

    def read(self) -> tuple[int, datetime] | None:
        with self._lock:
            if self._pid != os.getpid():  # a copy inherited from the parent is not ours to use
                self._connection, self._pid = None, os.getpid()
            failure = self._engine.dialect.loaded_dbapi.Error
            try:
                return self._read()
            except failure:
                self._discard()
            try:
                return self._read()
            except failure as error:
                self._discard()
                # Raised as the engine raises it: the site answers a database outage.
                raise DBAPIError.instance(self._statement, None, error, failure) from error

    def _read(self) -> tuple[int, datetime] | None:
        if self._connection is None:
            pooled = self._engine.raw_connection()
            pooled.detach()
            self._engine.dialect.set_isolation_level(pooled.dbapi_connection, "AUTOCOMMIT")
            self._connection = pooled.dbapi_connection
        cursor = self._connection.cursor()
        try:
            cursor.execute(self._statement)
            row = cursor.fetchone()
        finally:
            cursor.close()
        if row is None:
            return None
        number, changed_at = row
        # SQLite's driver gives the stored text of a date, PostgreSQL's a datetime.
        return number, (changed_at if isinstance(changed_at, datetime)
                        else datetime.fromisoformat(changed_at))

    def _discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with suppress(self._engine.dialect.loaded_dbapi.Error):
                connection.close()


def _version_reader() -> "_VersionReader | None":
    """None where the database lives in the process's memory: its one connection is the
    pool's, and reading through the pool is the only way."""
    reader = current_app.extensions.get("content_version_reader")
    if reader is None:
        engine = db.engine
        if engine.url.get_backend_name() == "sqlite" and engine.url.database in (None, "", ":memory:"):
            return None
        reader = current_app.extensions["content_version_reader"] = _VersionReader(engine)
    return reader


def _current_version() -> _Version:
    reader = _version_reader()
    if reader is not None:
        row = reader.read()
    else:
        with db.engine.connect() as connection:
            row = connection.execute(_VERSION_QUERY).first()
    return _version(row, current_app.config["PAGE_CACHE_SECONDS"], str(get_locale()), _code_digest())


def _version(row: tuple[int, datetime] | None, period: int, locale: str, code: str) -> _Version:
    number, changed_at = row if row else (0, _NEVER)
    now = time.time()
    window = int(now // period)
    # HTTP dates count whole seconds: the change's second is rounded up.
    changed = math.ceil(changed_at.replace(tzinfo=timezone.utc).timestamp())
    last_modified = max(changed, window * period)
    # The time of the change is in the tag too: a number never names two versions, even
    # where the row was deleted and made again.
    return _Version(
        tag=f"{number}.{changed_at.isoformat()}.{window}.{locale}.{code}",
        last_modified=(datetime.fromtimestamp(last_modified, timezone.utc)
                       if last_modified <= now else None))


def _shared_with_visitors() -> bool:
    return (request.method in ("GET", "HEAD") and not current_user.is_authenticated
            and set(session.keys()) <= SHAREABLE_SESSION_KEYS)


def _with_validators(response: Response, version: _Version) -> Response:
    response.headers.update(version.headers)
    response.vary.update(VARY)
    return response


def _not_modified(version: _Version, environ: dict) -> bool:
    """Whether the browser's copy (its If-None-Match, else its If-Modified-Since) is this version's."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match:
        return parse_etags(if_none_match).contains_weak(version.tag)
    since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    return None not in (since, version.last_modified) and version.last_modified <= since


def _keepable(response: Response) -> bool:
    return (response.status_code == 200 and not response.direct_passthrough
            and "csrf_token" not in g and not session.modified
            and "Set-Cookie" not in response.headers)


def for_visitors(view):
    """Share the page among anonymous readers until the content changes (see above).

    A kept page, or a 304, is answered by `_answer_from_kept_pages` before the view is
    reached; the view makes the page when none is kept for this version."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        version = g.pop("page_version", None)
        if version is None:
            return view(*args, **kwargs)
        response = make_response(view(*args, **kwargs))
        if not _keepable(response):
            return response
        headers = [(name, value) for name, value in response.headers.items()
                   if name in ("Content-Type", "Content-Language")]
        _pages().put(_page_key(request.environ, str(get_locale())),
                     _Page(version.tag, response.get_data(), headers, request.endpoint),
                     current_app.config["PAGE_CACHE_ENTRIES"])
        return _with_validators(response, version)

    wrapper.kept_for_visitors = True
    return wrapper


def _page_key(environ: dict, locale: str) -> tuple[str, str, str, str]:
    return (environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""), locale)


def _is_kept_view() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "kept_for_visitors", False)


def _answer_from_kept_pages() -> Response | None:
    """A 304 or the kept page, before the other hooks (rate limits, form tokens) and the
    view, for a visitor whose cookies `KeptPages` leaves to Flask (a session holding
    only a language or a form token)."""
    if (not current_app.config["PAGE_CACHE_SECONDS"] or not _is_kept_view()
            or not _shared_with_visitors()):
        return None
    version = _current_version()
    if _not_modified(version, request.environ):
        return Response(status=304, headers=[*version.headers, VARY_HEADER])
    kept = _pages().get(_page_key(request.environ, str(get_locale())), version.tag)
    if kept is not None:
        return Response(kept.body, headers=[*kept.headers, *version.headers, VARY_HEADER])
    g.page_version = version
    return None


class KeptPages:
    """WSGI middleware: a kept page, or a 304, for a request that carries no cookie and
    no credentials, answered before Flask is reached.

    Such a request comes from a visitor who is not signed in and has no session: the
    page is the one Flask would answer from memory (same key, same version, same
    headers), without a request context, a session, hooks or routing. Anything else, and
    a page not kept yet, goes to Flask.
    """

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response):
        answer = self._kept_answer(environ) if _cookieless_reading(environ) else None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _kept_answer(self, environ: dict) -> tuple[str, list[tuple[str, str]], bytes] | None:
        started = time.perf_counter()
        config = self.app.config
        reader = self.app.extensions.get("content_version_reader")
        code = self.app.extensions.get("page_code_digest")
        pages = self.app.extensions.get("visitor_pages")
        if not config["PAGE_CACHE_SECONDS"] or None in (reader, code, pages):
            return None  # the first requests go through Flask, which sets these up
        locale = browser_locale(environ.get("HTTP_ACCEPT_LANGUAGE"), config)
        try:
            version = _version(reader.read(), config["PAGE_CACHE_SECONDS"], locale, code)
        except DBAPIError:
            return None  # Flask answers the outage
        key = _page_key(environ, locale)
        kept = pages.get(key, version.tag)
        if kept is None:
            return None
        shared = [*security_headers(config), *version.headers, VARY_HEADER,
                  ("X-Request-ID", request_id(environ))]
        if _not_modified(version, environ):
            status, headers, body = 304, shared, b""
        else:
            status, body = 200, kept.body
            headers = [*kept.headers, ("Content-Length", str(len(body))), *shared]
        record(kept.endpoint, environ["REQUEST_METHOD"], status, started)
        return f"{status} {HTTP_STATUS_CODES[status].upper()}", headers, body


def _cookieless_reading(environ: dict) -> bool:
    return (environ["REQUEST_METHOD"] in ("GET", "HEAD") and "HTTP_COOKIE" not in environ
            and "HTTP_AUTHORIZATION" not in environ)


def init_app(app: Flask) -> None:
    """Answer kept pages; call it before the extensions whose hooks a kept page skips."""
    app.before_request(_answer_from_kept_pages)
    app.wsgi_app = KeptPages(app, app.wsgi_app)


@limiter.request_filter
def _kept_pages_have_no_limits() -> bool:
    """Reading a page kept for visitors is rate-limited nowhere (a form it leads to is
    another view, with its own limit): the limiter need not look its limits up."""
    return request.method in ("GET", "HEAD") and _is_kept_view()
