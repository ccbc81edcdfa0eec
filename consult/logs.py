"""Logging: security events without personal content, and a scrubber that keeps
secrets and addresses out of every log line, the web server's access log included."""
import json
import logging
import re
import sys
import traceback
import uuid
from datetime import datetime, timezone

from flask import Flask, Response, g, has_request_context, request

security_log = logging.getLogger("consult.security")

#: A secret token in a path, also inside a `next=` parameter where "/" reads "%2F".
_SECRET_IN_PATH = re.compile(
    r"((?:/|%2F)(?:receipt|account(?:/|%2F)confirm|account(?:/|%2F)reset-password"
    r"|invitations)(?:/|%2F))[^/\s?&%\"]+", re.IGNORECASE
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SECRET_PARAM = re.compile(r"((?:token|password|email|code)=)[^&\s\"]+", re.IGNORECASE)


def scrub(text: str) -> str:
    """`text` with receipt and account tokens, e-mail addresses and secret parameters masked."""
    text = _SECRET_IN_PATH.sub(r"\1[hidden]", text)
    text = _SECRET_PARAM.sub(r"\1[hidden]", text)
    return _EMAIL.sub("[e-mail]", text)


def _scrubbed_record_factory(base_factory):
    def make_record(*args, **kwargs) -> logging.LogRecord:
        record = base_factory(*args, **kwargs)
        if isinstance(record.args, dict):
            # Named fields (the web server's access log) stay fields, each scrubbed.
            record.args = {key: scrub(value) if isinstance(value, str) else value
                           for key, value in record.args.items()}
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub("".join(traceback.format_exception(*record.exc_info)))
        return record

    make_record.scrubs = True
    return make_record


def install_scrubber() -> None:
    """Every log record, from any library, is scrubbed when it is made (once per process)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "scrubs", False):
        logging.setLogRecordFactory(_scrubbed_record_factory(factory))


def security_event(event: str, **fields) -> None:
    """Log a security event: its name and identifiers only, never what people wrote."""
    if has_request_context():
        fields.setdefault("ip", request.remote_addr)
        fields.setdefault("path", request.path)
    details = " ".join(f"{key}={value}" for key, value in sorted(fields.items()))
    security_log.info("%s %s", event, details)


#: A request id a proxy may hand us (nginx's $request_id is 32 hex digits); others are replaced.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id(environ: dict) -> str:
    """The proxy's request id when it sent a sound one, else a new one."""
    given = environ.get("HTTP_X_REQUEST_ID", "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request id, and for the
    web server's access log the request's fields (scrubbed when the record was made)."""

    #: gunicorn's access-log fields (its "atoms") and the names they take here.
    ACCESS_FIELDS = {"h": "remote", "m": "method", "U": "path", "s": "status", "B": "bytes",
                     "M": "duration_ms", "{x-request-id}o": "request_id"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id:
            entry["request_id"] = request_id
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            for atom, name in self.ACCESS_FIELDS.items():
                value = record.args.get(atom)
                if value not in (None, "-"):
                    entry[name] = value
        if record.exc_info:
            entry["exception"] = record.exc_text or scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def init_app(app: Flask) -> None:
    """A request id for every request (the proxy's X-Request-ID when it sends a sound one),
    echoed in the answer; JSON log lines where LOG_FORMAT is json."""
    if app.config["LOG_FORMAT"] == "json":
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(logging.INFO)

    @app.before_request
    def assign_request_id() -> None:
        g.request_id = request_id(request.environ)

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response
