"""The nightly purge, run by the worker's scheduler (`flask consult purge` does the same
by hand)."""
import logging

from huey import crontab

from consult.privacy import services
from consult.queue import queue

log = logging.getLogger("consult.privacy")


@queue.app_task(every=crontab(hour="3", minute="30"))
def nightly_purge() -> None:
    """Erase what is past its retention period; log the counts, never an address."""
    report = services.purge()
    log.info("purge: %s", report)
