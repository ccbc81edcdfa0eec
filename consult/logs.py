"""Logging: security events without personal content, and a scrubber that keeps
secrets and addresses out of every log line, the web server's access log included."""
import logging
import re
import traceback

from flask import has_request_context, request

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
