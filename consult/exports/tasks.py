"""Exports made by the worker: large exports, the open-data package and the PDF report,
written to files; expired files deleted."""
import json

from flask import render_template
from flask_babel import force_locale
from huey import crontab
from sqlalchemy import select

from consult.exports import opendata, report, services
from consult.extensions import db
from consult.models import Consultation
from consult.queue import queue, run_job
from consult.voting import services as voting


@queue.app_task(retries=2, retry_delay=5, context=True)
def make_export(job_id: int, task=None) -> None:
    """Write an export; a failure is tried twice more, then shown to whoever asked."""
    run_job(job_id, services.make_export, retries_left=task.retries if task else 0,
            final=(services.ExportError,))


def report_pdf(consultation: Consultation, language: str) -> bytes:
    """The PDF report in `language`."""
    with force_locale(language):
        content = report.build(consultation, report.labels())
        return report.pdf(render_template("exports/report_pdf.html", consultation=consultation,
                                          report=content))


@queue.app_task()
def make_published(job_id: int) -> None:
    """Make the open-data package or the PDF report of the job."""

    def work(job) -> None:
        consultation = db.session.get(Consultation, job.consultation_id)
        if job.kind == "open-data":
            services.make_published(job, lambda target: opendata.write_package(consultation,
                                                                               target))
        else:
            language = json.loads(job.parameters)["language"]
            services.make_published(job, lambda target: target.write(
                report_pdf(consultation, language)))

    run_job(job_id, work)


@queue.app_task(every=crontab(minute="*/10"))
def prepare_published_files() -> None:
    """Make the open-data package and the reports of closed consultations once they close,
    and again when their data change."""
    for consultation in db.session.execute(select(Consultation)).scalars():
        if consultation.is_closed:
            # The results first: computed by the report, they would move the data's version
            # and have every file made again at the next pass.
            voting.refresh_results(consultation.id)
            services.published_file(consultation, "open-data", "")
            for language in queue.flask_app.config["LANGUAGES"]:
                services.published_file(consultation, "report-pdf", language)


@queue.app_task(every=crontab(minute="17"))
def delete_expired_files() -> None:
    services.delete_expired()
