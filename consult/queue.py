"""The task queue (Huey): Redis in production, a SQLite file beside the database for a
trial on one machine; in the tests that start no worker, tasks run as they are queued.

A task takes ids, loads what it needs inside the app, calls a service and records what
happened. Work that staff follow is a `Job` row: `job_task` keeps its state (queued,
running, done, failed with a message), so every web process and server sees the same."""
import logging
from collections.abc import Callable
from functools import wraps

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from consult.extensions import db
from consult.logs import scrub
from consult.models import Job, JobState, utcnow

log = logging.getLogger("consult.queue")


class Queue(Huey):
    """Huey, bound to the app like the other extensions: its store comes from the
    configuration given to `init_app`."""

    def __init__(self):
        super().__init__("consult", results=False, storage_class=MemoryStorage)
        self.flask_app: Flask | None = None

    def init_app(self, app: Flask) -> None:
        self.flask_app = app
        if app.config["REDIS_URL"]:
            self.storage_class = RedisStorage
            self.storage_kwargs = {"url": app.config["REDIS_URL"]}
        else:
            self.storage_class = SqliteStorage
            self.storage_kwargs = {"filename": app.config["QUEUE_DATABASE"]}
        self._immediate = app.config["QUEUE_IMMEDIATE"]
        self.storage = self.create_storage()

    def app_task(self, every=None, **options):
        """A task that runs inside the app (its own application context and database
        session), in the worker or, where tasks run at once, in the process that queued
        it; with `every` (a huey.crontab), also run by the worker on that schedule."""

        def decorate(function):
            @wraps(function)
            def in_app(*args, **kwargs):
                app = current_app._get_current_object() if has_app_context() else self.flask_app
                with app.app_context():
                    return function(*args, **kwargs)

            if every is not None:
                return self.periodic_task(every, **options)(in_app)
            return self.task(**options)(in_app)

        return decorate


queue = Queue()

#: Session.info keys: tasks to queue once the session's current transaction commits, and
#: those committed, queued once the transaction has given its connection back.
_PENDING, _COMMITTED = "consult.queue.pending", "consult.queue.committed"


def on_commit(task, *args, delay: int = 0, session: Session | None = None) -> None:
    """Queue `task(*args)` (`delay` seconds later) when the current transaction commits;
    nothing if it rolls back. The same call asked twice in one transaction runs once."""
    pending = (session or db.session).info.setdefault(_PENDING, {})
    pending[(task.name, args)] = (task, args, delay)


@event.listens_for(Session, "after_commit")
def _note_committed(session: Session) -> None:
    committed = session.info.pop(_PENDING, None)
    if committed:
        session.info.setdefault(_COMMITTED, {}).update(committed)


@event.listens_for(Session, "after_transaction_end")
def _queue_committed(session: Session, transaction) -> None:
    """Queue once the connection is back in the pool (a task run at once, in the tests,
    takes a connection of its own). A queue that is down loses no data: what was saved
    stays saved, and each area's periodic sweep takes up what was not queued."""
    if transaction.parent is not None:
        return
    for task, args, delay in session.info.pop(_COMMITTED, {}).values():
        try:
            if delay:
                task.schedule(args, delay=delay)
            else:
                task(*args)
        except Exception as error:
            log.warning("%s%s not queued (%s): its sweep will take it up", task.name,
                        args, type(error).__name__)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def new_job(kind: str, *, consultation_id: int | None = None,
            requested_by_id: int | None = None) -> Job:
    """A job row in the queued state (added to the session; the caller commits, then
    queues the task with its id)."""
    job = Job(kind=kind, consultation_id=consultation_id, requested_by_id=requested_by_id)
    db.session.add(job)
    db.session.flush()
    return job


def set_progress(job: Job, percent: int) -> None:
    job.progress = max(0, min(100, percent))
    db.session.commit()


def run_job(job_id: int, work: Callable[[Job], None], *, retries_left: int = 0,
            final: tuple[type[Exception], ...] = ()) -> None:
    """Run `work` for the job once: taken by one worker only (a conditional UPDATE), its
    state recorded. A failure with retries left goes back to the queue (the task is
    retried later); the last one, or one of the `final` kinds that trying again cannot
    mend, is recorded as failed, with a message for staff."""
    taken = db.session.execute(
        update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED)
        .values(state=JobState.RUNNING, started_at=utcnow(), attempts=Job.attempts + 1)
    ).rowcount
    db.session.commit()
    if taken != 1:
        log.info("job %s skipped: not waiting in the queue", job_id)
        return
    job = db.session.get(Job, job_id)
    try:
        work(job)
    except Exception as error:
        db.session.rollback()
        again = bool(retries_left) and not isinstance(error, final)
        job = db.session.get(Job, job_id)
        job.message = scrub(str(error) if isinstance(error, final)
                            else f"{type(error).__name__}: {error}")[:1000]
        job.state = JobState.QUEUED if again else JobState.FAILED
        job.finished_at = None if again else utcnow()
        db.session.commit()
        log.warning("job %s (%s) failed, %s: %s", job_id, job.kind,
                    "to be retried" if again else "given up", type(error).__name__)
        if isinstance(error, final):
            return
        raise
    job.state, job.progress, job.finished_at, job.message = JobState.DONE, 100, utcnow(), None
    db.session.commit()


def latest_job(kind: str, consultation_id: int) -> Job | None:
    return db.session.execute(
        db.select(Job).filter_by(kind=kind, consultation_id=consultation_id)
        .order_by(Job.id.desc()).limit(1)).scalar_one_or_none()
