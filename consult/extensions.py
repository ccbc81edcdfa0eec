"""Flask extensions, created here and bound to the app in the factory."""
import sqlite3

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, event
from sqlalchemy.dialects import postgresql, sqlite

from consult.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()


def rate_limit_key() -> str:
    """Count an account's requests together, and otherwise those of one network address."""
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"address:{request.remote_addr}"


limiter = Limiter(key_func=rate_limit_key)


def limit(setting: str, methods: tuple[str, ...] = ("POST",)):
    """Rate-limit a view's requests (POST ones unless told) by the limit named `setting`
    in the configuration."""
    return limiter.limit(lambda: current_app.config[setting], methods=list(methods))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys, let readers work beside a writer, and wait for locks."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 15000")
        cursor.close()


def insert_or_update(model, values: dict, conflict: list[str],
                     update: tuple[str, ...] | dict = (), session=None):
    """One INSERT … ON CONFLICT statement (SQLite and PostgreSQL): concurrent requests
    for the same row end with one row, never an error. `update` names the columns an
    existing row takes from `values`, or maps columns to what they become (an expression
    such as `Model.count + 1`); without it, an existing row is left as it is. Returns the
    result (its rowcount: 0 where a row was left). Runs in `session` (default: the app's)."""
    session = session or db.session
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(model).values(**values)
    if update:
        if not isinstance(update, dict):
            update = {name: statement.excluded[name] for name in update}
        statement = statement.on_conflict_do_update(index_elements=conflict, set_=update)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=conflict)
    return session.execute(statement)
