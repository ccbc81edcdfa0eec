"""Configuration classes. Every setting can be overridden from the environment."""
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("CONSULT_INSTANCE_DIR", BASE_DIR / "instance"))
#: The secret of local trials: public, so production refuses it.
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"


def _database_url(default: str) -> str:
    return normalise_database_url(os.environ.get("DATABASE_URL", default))


def normalise_database_url(url: str) -> str:
    """Name the driver SQLAlchemy should use for a PostgreSQL address."""
    # Hosting providers still hand out the old scheme; SQLAlchemy wants the driver named.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'consult.sqlite'}")
    #: Never put query parameters (addresses, texts) into error messages and logs.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True}
    #: The site's public address, for links in messages sent from the command line.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    MAX_ATTACHMENTS = 3
    MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
    #: What one person (account, or network address without one) may upload in 24 hours.
    UPLOAD_QUOTA_BYTES = int(os.environ.get("UPLOAD_QUOTA_BYTES", 60 * 1024 * 1024))
    #: Well above what a valid form needs, so that an oversized file still brings the form
    #: back with its text and a message; only beyond this is the request refused whole.
    MAX_CONTENT_LENGTH = 100 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024
    TESTIMONY_MAX_CHARS = 20_000
    #: The largest spreadsheet of testimonies accepted on the import page (the command
    #: line has no limit), and where it waits, for an hour at most, for its confirmation.
    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 20 * 1024 * 1024))
    IMPORT_DIR = os.environ.get("IMPORT_DIR", str(INSTANCE_DIR / "imports"))
    PAGE_SIZE = 20

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("CONSULT_TIMEZONE", "America/Montreal")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "consult" / "translations")
    LANGUAGES = ("fr", "en")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Consult <no-reply@localhost>")
    #: Where messages go when no MAIL_SERVER is set (one .eml file each).
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))
    #: A message that cannot be sent is tried again after this many seconds, then twice
    #: as long each time, this many times; the outbox is also swept every 5 minutes.
    MAIL_RETRY_SECONDS = int(os.environ.get("MAIL_RETRY_SECONDS", "30"))
    MAIL_RETRIES = int(os.environ.get("MAIL_RETRIES", "8"))

    #: The task queue (Huey) keeps its tasks in REDIS_URL's Redis when it is set, else in
    #: this SQLite file (one machine). `flask consult worker` runs them.
    QUEUE_DATABASE = os.environ.get("QUEUE_DATABASE", str(INSTANCE_DIR / "queue.sqlite"))
    #: Run each task as soon as it is queued, in the process that queued it (tests only).
    QUEUE_IMMEDIATE = False
    #: Vote results and opinion groups are computed by the worker and stored: this many
    #: seconds after a vote changes them (one computation waiting at a time), and every
    #: RESULTS_REFRESH_SECONDS while a vote is under way.
    RESULTS_INTERVAL_SECONDS = int(os.environ.get("RESULTS_INTERVAL_SECONDS", "10"))
    RESULTS_REFRESH_SECONDS = int(os.environ.get("RESULTS_REFRESH_SECONDS", "300"))
    #: Files made by jobs: exports of more rows than EXPORT_JOB_ROWS (kept
    #: EXPORT_KEEP_HOURS for whoever asked), the open-data package and the PDF report.
    EXPORT_DIR = os.environ.get("EXPORT_DIR", str(INSTANCE_DIR / "exports"))
    EXPORT_JOB_ROWS = int(os.environ.get("EXPORT_JOB_ROWS", "50000"))
    EXPORT_KEEP_HOURS = int(os.environ.get("EXPORT_KEEP_HOURS", "24"))
    #: Public pages made for anonymous readers are kept by each worker (consult.http_cache)
    #: until something public changes, and at most this many seconds (0: never kept);
    #: at most PAGE_CACHE_ENTRIES pages per worker (about 30 kB each).
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "60"))
    PAGE_CACHE_ENTRIES = int(os.environ.get("PAGE_CACHE_ENTRIES", "1000"))

    #: argon2id cost: 3 passes over 64 MiB (the library's recommended defaults).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_KIB = 65536
    #: Sessions end after this long without a request, and after this long in any case.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))
    #: Failed log-ins in a row that lock an account, and for how long.
    LOGIN_LOCK_THRESHOLD = 5
    LOGIN_LOCK_MINUTES = 15
    #: Staff (admins, moderators, commissioners) must pass a second factor (TOTP).
    SECOND_FACTOR_FOR_STAFF = True
    CONFIRM_TOKEN_MAX_AGE = int(timedelta(days=3).total_seconds())
    RESET_TOKEN_MAX_AGE = int(timedelta(hours=1).total_seconds())
    #: Accounts whose address is still unconfirmed this many days after they were
    #: created are deleted by `flask consult purge`.
    UNCONFIRMED_ACCOUNT_DAYS = int(os.environ.get("UNCONFIRMED_ACCOUNT_DAYS", "7"))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = None
    #: Over HTTPS Flask-WTF would also demand a Referer from this site, but pages are sent
    #: with "Referrer-Policy: no-referrer" (receipt links must not leak), so browsers send
    #: none and every form would be refused. The session-bound token and SameSite cookies
    #: remain the defence against cross-site requests.
    WTF_CSRF_SSL_STRICT = False

    #: How many reverse proxies stand in front of the app: the client's address, scheme
    #: and host are then read from their X-Forwarded-* headers (never trusted with 0).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    #: What several app processes share (rate-limit counts): e.g. redis://127.0.0.1:6379/0.
    #: Empty: each process keeps its own, which suits one process only.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    #: Addresses allowed to read /metrics (Prometheus); loopback unless told otherwise.
    METRICS_ALLOWED_NETWORKS = os.environ.get("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1")
    #: `json` (one object a line, with the request id) or `text`.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    #: Strict-Transport-Security max-age in seconds (0: no header).
    HSTS_SECONDS = 0

    RATELIMIT_ENABLED = True
    #: Where request counts are kept: memory:// (one process), or Redis when REDIS_URL is set.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", REDIS_URL or "memory://")
    #: A sliding window: a burst across a minute's boundary does not get twice the limit.
    RATELIMIT_STRATEGY = "moving-window"
    #: If Redis cannot be reached, count in the process for a while rather than fail.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATE_LIMIT_LOGIN = os.environ.get("RATE_LIMIT_LOGIN", "10 per minute;60 per hour")
    RATE_LIMIT_REGISTER = os.environ.get("RATE_LIMIT_REGISTER", "5 per hour")
    RATE_LIMIT_PASSWORD_RESET = os.environ.get("RATE_LIMIT_PASSWORD_RESET", "5 per hour")
    RATE_LIMIT_TESTIMONY = os.environ.get("RATE_LIMIT_TESTIMONY", "20 per hour")
    RATE_LIMIT_FLAG = os.environ.get("RATE_LIMIT_FLAG", "10 per hour")
    #: A summit room shares one address: room for a crowd, none for guessing 60-bit codes.
    RATE_LIMIT_DELEGATE_CODE = os.environ.get("RATE_LIMIT_DELEGATE_CODE",
                                              "30 per minute;300 per hour")
    RATE_LIMIT_EXPORT = os.environ.get("RATE_LIMIT_EXPORT", "20 per hour")
    #: Registering for local events (each cancellation may send someone a message).
    RATE_LIMIT_EVENT_REGISTRATION = os.environ.get("RATE_LIMIT_EVENT_REGISTRATION",
                                                   "30 per hour")
    #: Testimonies a facilitator enters for other people (a stack of paper forms).
    RATE_LIMIT_ENTRY = os.environ.get("RATE_LIMIT_ENTRY", "300 per hour")
    #: Each invitation sends an e-mail to an address the owner types.
    RATE_LIMIT_INVITATION = os.environ.get("RATE_LIMIT_INVITATION", "30 per hour")
    #: The licence of a closed consultation's open-data package (Data Package "licenses").
    OPEN_DATA_LICENCE = {"name": os.environ.get("OPEN_DATA_LICENCE", "CC-BY-4.0"),
                         "title": os.environ.get("OPEN_DATA_LICENCE_TITLE",
                                                 "Creative Commons Attribution 4.0"),
                         "path": os.environ.get("OPEN_DATA_LICENCE_URL",
                                                "https://creativecommons.org/licenses/by/4.0/")}


class DevelopmentConfig(Config):
    DEBUG = False
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class TestConfig(Config):
    TESTING = True
    #: Still argon2id, at a cost that lets the suite log in thousands of times.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 1024
    #: Out of reach, except in the tests of rate limits themselves (they restore the defaults).
    RATE_LIMIT_LOGIN = RATE_LIMIT_REGISTER = RATE_LIMIT_PASSWORD_RESET = "100000 per hour"
    RATE_LIMIT_TESTIMONY = RATE_LIMIT_FLAG = RATE_LIMIT_DELEGATE_CODE = "100000 per hour"
    RATE_LIMIT_EXPORT = RATE_LIMIT_INVITATION = "100000 per hour"
    RATE_LIMIT_EVENT_REGISTRATION = RATE_LIMIT_ENTRY = "100000 per hour"
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = _database_url("sqlite://")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    MAIL_SERVER = ""
    QUEUE_IMMEDIATE = True
    RESULTS_INTERVAL_SECONDS = 0


class ConfigurationError(SystemExit):
    """A setting the site cannot run with: one line on standard error, exit status 1."""

    def __init__(self, message: str):
        super().__init__(f"Consult cannot start: {message}")


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")

    @staticmethod
    def check(settings) -> None:
        """Refuse to start with a missing, short or development secret key."""
        key = settings.get("SECRET_KEY") or ""
        if key == DEVELOPMENT_SECRET_KEY or len(key) < 32:
            raise ConfigurationError(
                "set SECRET_KEY to a random string of at least 32 characters "
                "(for example: python3 -c 'import secrets; print(secrets.token_hex(32))').")


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_environment() -> type[Config]:
    """The configuration CONSULT_ENV names (development unless told)."""
    name = os.environ.get("CONSULT_ENV", "development")
    if name not in CONFIGS:
        raise ConfigurationError(f"CONSULT_ENV is {name!r}; use one of {', '.join(CONFIGS)}.")
    return CONFIGS[name]
