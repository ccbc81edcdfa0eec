"""The text analysis as a background job: queued from its page, run by the worker."""
from consult.extensions import db
from consult.models import Consultation
from consult.queue import queue, run_job, set_progress
from consult.synthesis import services


@queue.app_task()
def analyse(job_id: int) -> None:
    """Analyse the job's consultation and store the result (the page shows it)."""

    def work(job) -> None:
        run, _started = services.start_analysis(db.session.get(Consultation, job.consultation_id))
        set_progress(job, 10)
        services.complete_analysis(run.id)

    run_job(job_id, work)
