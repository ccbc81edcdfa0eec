"""Configuration classes. Every setting can be overridden from the environment."""
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("CONSULT_INSTANCE_DIR", BASE_DIR / "instance"))


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
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
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

    RATELIMIT_ENABLED = True
    #: Where request counts are kept: memory:// (one process) or e.g. redis://host:6379.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
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


class ProductionConfig(Config):
    @classmethod
    def check(cls) -> None:
        """Refuse to start with the development secret."""
        if cls.SECRET_KEY == Config.SECRET_KEY or len(cls.SECRET_KEY) < 32:
            raise RuntimeError("Set SECRET_KEY to a random string of at least 32 characters.")


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
