"""What operators ask of a running site: is each part it depends on reachable."""
import logging

import redis
from flask import current_app
from sqlalchemy import text

from consult.extensions import db

log = logging.getLogger("consult.operations")


def _database_reachable() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception as error:  # whatever the failure, the site is not ready; its kind is logged
        log.warning("readiness: database unreachable (%s)", type(error).__name__)
        return False
    finally:
        db.session.rollback()


def _redis_reachable() -> bool:
    client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=2,
                                  socket_connect_timeout=2)
    try:
        with client:
            return bool(client.ping())
    except redis.RedisError as error:
        log.warning("readiness: Redis unreachable (%s)", type(error).__name__)
        return False


def readiness() -> dict[str, str]:
    """Each part the site needs, "ok" or "down" (names only, never an address or secret)."""
    parts = {"database": _database_reachable()}
    if current_app.config["REDIS_URL"]:
        parts["redis"] = _redis_reachable()
    return {name: "ok" if up else "down" for name, up in parts.items()}
