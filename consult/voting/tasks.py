"""Vote results computed by the worker and stored, so that the results pages do not
go through every vote on each view."""
from huey import crontab

from consult.queue import queue
from consult.voting import services


@queue.app_task(retries=2, retry_delay=30)
def refresh_results(consultation_id: int, force: bool = False) -> None:
    """Compute and store one consultation's results if they are out of date (or
    `force`); two at a time for one consultation would only repeat each other."""
    with queue.lock_task(f"results-{consultation_id}"):
        services.refresh_results(consultation_id, force)


@queue.app_task(every=crontab(minute="*"))
def refresh_due_results() -> None:
    """Take up computations whose task was lost, and keep the results of a vote under
    way fresh."""
    for consultation_id in services.due_for_refresh():
        refresh_results(consultation_id, True)
