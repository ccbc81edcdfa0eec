"""Submitting a testimony, following it by receipt link or account, and reading
the published ones."""
import secrets

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.access import (
    attachment_or_404,
    authenticated,
    consultation_or_404,
    own_testimony_or_404,
    public,
    public_testimony_or_404,
)
from consult.http_cache import for_visitors
from consult.extensions import limit
from consult.parsing import as_id
from consult.models import Channel, Status, Testimony
from consult.security import mark_private
from consult.testimonies import bp, services
from consult.testimonies.attachments import send_stored
from consult.testimonies.forms import SubmitTestimonyForm, TestimonyContentForm, WithdrawForm

#: Receipt tokens of this browser's recent submissions, to answer a double click.
RECENT_RECEIPTS_KEY = "recent_receipts"


def _remember_receipt(submission_key: str | None, token: str) -> None:
    if not submission_key:
        return
    recent = dict(list(session.get(RECENT_RECEIPTS_KEY, {}).items())[-4:])
    recent[submission_key] = token
    session[RECENT_RECEIPTS_KEY] = recent


@bp.route("/c/<slug>/testify", methods=["GET", "POST"])
@public
@limit("RATE_LIMIT_TESTIMONY")
def submit(slug: str):
    """The testimony form, open to everyone while the consultation collects testimonies."""
    consultation = consultation_or_404(slug)
    if not consultation.accepts_testimonies:
        return render_template("testimonies/closed.html", consultation=consultation), 403
    form = SubmitTestimonyForm(consultation=consultation)
    if request.method == "GET":
        form.submission_key.data = secrets.token_urlsafe(24)
        if current_user.is_authenticated:
            form.display_name.data = current_user.display_name
    if form.validate_on_submit():
        author = current_user if current_user.is_authenticated else None
        try:
            testimony, token = services.submit_testimony(
                consultation,
                form.content(),
                author=author,
                contact_email=form.contact_email.data,
                uploads=form.uploads,
                uploader=services.uploader_key(author, request.remote_addr),
                submission_key=form.submission_key.data,
            )
        except services.AlreadyReceived as duplicate:
            flash(str(duplicate), "info")
            if author is not None and duplicate.testimony.author_id == author.id:
                return redirect(url_for("testimonies.follow", testimony_id=duplicate.testimony.id))
            token = session.get(RECENT_RECEIPTS_KEY, {}).get(form.submission_key.data)
            if token:
                return redirect(url_for("testimonies.follow", token=token))
            return redirect(url_for("consultations.show", slug=slug))
        except services.TestimonyError as error:
            flash(str(error), "error")
        else:
            if author is not None:
                flash(_("Thank you: your testimony has been received. You find it under My "
                        "testimonies whenever you are logged in."), "success")
                return redirect(url_for("testimonies.follow", testimony_id=testimony.id))
            _remember_receipt(form.submission_key.data, token)
            flash(_("Thank you: your testimony has been received. Keep this page's address: "
                    "it is your private receipt link."), "success")
            return redirect(url_for("testimonies.follow", token=token))
    files_lost = request.method == "POST" and form.had_files()
    return render_template("testimonies/submit.html", consultation=consultation, form=form,
                           files_lost=files_lost)


@bp.route("/receipt/<token>", defaults={"testimony_id": None})
@bp.route("/my-testimonies/<int:testimony_id>", defaults={"token": None})
@public
def follow(token: str | None, testimony_id: int | None):
    """The author's view of a testimony: its status, its text, and what they may do."""
    mark_private()
    testimony = own_testimony_or_404(token, testimony_id)
    return render_template("testimonies/follow.html", testimony=testimony,
                           ref=_ref(token, testimony_id))


def _ref(token: str | None, testimony_id: int | None) -> dict:
    """The URL arguments that lead back to the same testimony by the same path."""
    return {"token": token} if token is not None else {"testimony_id": testimony_id}


@bp.route("/receipt/<token>/edit", defaults={"testimony_id": None}, methods=["GET", "POST"])
@bp.route("/my-testimonies/<int:testimony_id>/edit", defaults={"token": None},
          methods=["GET", "POST"])
@public
def edit(token: str | None, testimony_id: int | None):
    """Change a testimony that has not been moderated yet."""
    mark_private()
    testimony = own_testimony_or_404(token, testimony_id)
    ref = _ref(token, testimony_id)
    if not testimony.is_editable_by_author:
        flash(_("This testimony can no longer be changed."), "error")
        return redirect(url_for("testimonies.follow", **ref))
    form = TestimonyContentForm(obj=testimony, consultation=testimony.consultation)
    if request.method == "GET":
        form.themes.data = [t.id for t in testimony.themes]
        form.category.data = testimony.category_id
        form.region.data = testimony.region_id
        form.visibility.data = testimony.visibility.value
    if form.validate_on_submit():
        try:
            services.update_testimony(testimony, form.content())
        except services.TestimonyError as error:
            flash(str(error), "error")
        else:
            flash(_("Your changes have been saved."), "success")
            return redirect(url_for("testimonies.follow", **ref))
    return render_template("testimonies/edit.html", testimony=testimony, form=form, ref=ref)


@bp.route("/receipt/<token>/withdraw", defaults={"testimony_id": None},
          methods=["GET", "POST"])
@bp.route("/my-testimonies/<int:testimony_id>/withdraw", defaults={"token": None},
          methods=["GET", "POST"])
@public
def withdraw(token: str | None, testimony_id: int | None):
    """Ask before withdrawing a testimony, saying what it does; once confirmed, withdraw
    it: it leaves every public page."""
    mark_private()
    testimony = own_testimony_or_404(token, testimony_id)
    ref = _ref(token, testimony_id)
    if testimony.status is Status.WITHDRAWN:
        return redirect(url_for("testimonies.follow", **ref))
    form = WithdrawForm()
    if form.validate_on_submit() and form.confirm.data:
        try:
            services.withdraw_testimony(testimony)
        except services.TestimonyError as error:
            flash(str(error), "error")
        else:
            flash(_("Your testimony has been withdrawn."), "success")
        return redirect(url_for("testimonies.follow", **ref))
    return render_template("testimonies/withdraw.html", testimony=testimony, form=form, ref=ref)


@bp.route("/receipt/<token>/attachments/<int:attachment_id>", defaults={"testimony_id": None})
@bp.route("/my-testimonies/<int:testimony_id>/attachments/<int:attachment_id>",
          defaults={"token": None})
@public
def attachment(token: str | None, testimony_id: int | None, attachment_id: int):
    """Download one of the author's own attachments."""
    found = attachment_or_404(own_testimony_or_404(token, testimony_id), attachment_id)
    mark_private()
    return send_stored(found.stored_name, found.original_name, found.media_type)


@bp.route("/my-testimonies")
@authenticated
def mine():
    """The logged-in person's testimonies, whatever their status."""
    return render_template("testimonies/mine.html",
                           testimonies=services.own_testimonies(current_user))


def _optional_int(name: str) -> int | None:
    return as_id(request.args.get(name))


def _filters() -> services.Filters:
    channel = request.args.get("channel")
    return services.Filters(
        theme_id=_optional_int("theme"),
        category_id=_optional_int("category"),
        region_id=_optional_int("region"),
        channel=Channel(channel) if channel in {c.value for c in Channel} else None,
        words=request.args.get("q", "").strip()[:200],
    )


@bp.route("/c/<slug>/testimonies")
@public
@for_visitors
def index(slug: str):
    """Published testimonies, filtered and searched, newest first."""
    consultation = consultation_or_404(slug)
    filters = _filters()
    page = services.public_page(consultation, filters, before=_optional_int("before"),
                                after=_optional_int("after"))
    return render_template("testimonies/index.html", consultation=consultation, page=page,
                           filters=filters, channels=list(Channel))


@bp.route("/c/<slug>/testimonies/<int:testimony_id>")
@public
@for_visitors
def show(slug: str, testimony_id: int):
    """One published testimony, with its attachments."""
    consultation = consultation_or_404(slug)
    return render_template("testimonies/show.html", consultation=consultation,
                           testimony=public_testimony_or_404(consultation, testimony_id))


@bp.route("/c/<slug>/testimonies/<int:testimony_id>/attachments/<int:attachment_id>")
@public
def public_attachment(slug: str, testimony_id: int, attachment_id: int):
    """Download an attachment of a published testimony (never of a confidential one)."""
    consultation = consultation_or_404(slug)
    found = attachment_or_404(public_testimony_or_404(consultation, testimony_id), attachment_id)
    return send_stored(found.stored_name, found.original_name, found.media_type)
