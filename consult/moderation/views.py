"""The moderation queue and its decisions, readers' flags, the audit log and the
moderation figures."""
import csv
import io
from collections import defaultdict
from datetime import date

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from consult import audit
from consult.access import (
    AUDIT_READERS,
    MODERATORS,
    attachment_or_404,
    consultation_or_404,
    may_read_audit_log,
    may_read_confidential,
    public,
    public_testimony_or_404,
    staff_of,
    staff_testimony_or_404,
)
from consult.extensions import db, limit
from consult.labels import placeholder
from consult.parsing import as_id
from consult.models import (
    AuditEntry,
    Channel,
    Consultation,
    Hearing,
    LocalEvent,
    Measure,
    Organisation,
    Orientation,
    Recommendation,
    RejectionReason,
    Testimony,
)
from consult.moderation import bp, pii, services
from consult.moderation.forms import DecisionForm, FlagForm, ReclassifyForm, RedactionForm
from consult.security import mark_private
from consult.testimonies.attachments import send_stored


#: The signed cookie that tells apart anonymous readers who flag from one address.
FLAGGER_COOKIE = "flagger"
FLAGGER_COOKIE_MAX_AGE = 365 * 24 * 3600

PII_LABELS = {
    "email": _l("e-mail address"),
    "phone": _l("phone number"),
    "postal_code": _l("postal code"),
    "address": _l("street address"),
    "sin": _l("social insurance number"),
    "health_number": _l("health insurance number"),
    "social_security": _l("social security number"),
    "url": _l("link"),
    "name": _l("name"),
}


@bp.context_processor
def moderation_context() -> dict:
    return {"may_read_audit_log": may_read_audit_log, "action_words": audit.action_words,
            "object_type_words": audit.object_type_words}


def _int_arg(name: str) -> int | None:
    return as_id(request.args.get(name))


@bp.route("/c/<slug>/moderation")
@staff_of(*MODERATORS)
def queue(consultation):
    """Testimonies waiting for a decision, oldest first, with filters and counts."""
    mark_private()
    channel = request.args.get("channel")
    filters = services.QueueFilters(
        theme_id=_int_arg("theme"), category_id=_int_arg("category"),
        region_id=_int_arg("region"),
        channel=Channel(channel) if channel in {c.value for c in Channel} else None,
        flagged_only=request.args.get("flagged") == "1", older_than_days=_int_arg("older_than"),
    )
    items, counts, following = services.queue(
        consultation, filters, may_read_confidential=may_read_confidential(consultation),
        after=_int_arg("after"))
    next_url = url_for("moderation.queue", slug=consultation.slug,
                       **{**request.args.to_dict(), "after": following}) if following else None
    return render_template("moderation/queue.html", consultation=consultation, items=items,
                           counts=counts, next_url=next_url, filters=filters,
                           channels=list(Channel), decision=DecisionForm(consultation=consultation))


def _segments(text: str) -> list[tuple[str, pii.Finding | None]]:
    """`text` cut into plain pieces and likely personal information, for highlighting."""
    pieces, position = [], 0
    for finding in pii.find_personal_information(text):
        pieces.append((text[position:finding.start], None))
        pieces.append((finding.text, finding))
        position = finding.end
    pieces.append((text[position:], None))
    return [piece for piece in pieces if piece[0]]


@bp.route("/c/<slug>/moderation/<int:testimony_id>")
@staff_of(*MODERATORS)
def item(consultation, testimony_id: int):
    """One testimony: its text with likely personal information highlighted, and the
    decisions a moderator can take."""
    mark_private()
    testimony = staff_testimony_or_404(consultation, testimony_id)
    show_original = request.args.get("original") == "1" and may_read_confidential(consultation)
    services.record_reading(testimony, current_user, original=show_original)
    text = testimony.body if show_original else testimony.shown_body
    version = {"version": testimony.version}
    reclassify = ReclassifyForm(consultation=consultation, data={
        "themes": [t.id for t in testimony.themes], "category": testimony.category_id,
        "region": testimony.region_id, **version})
    return render_template(
        "moderation/item.html", consultation=consultation, testimony=testimony,
        segments=_segments(text), title_findings=pii.find_personal_information(
            testimony.shown_title or ""),
        show_original=show_original, may_see_original=may_read_confidential(consultation),
        decision=DecisionForm(consultation=consultation, data=version),
        redaction=RedactionForm(data=version), reclassify=reclassify,
        may_decide=services.may_decide(testimony), pii_labels=PII_LABELS,
        flag_reasons=services.FLAG_REASONS)


@bp.route("/c/<slug>/moderation/<int:testimony_id>/attachments/<int:attachment_id>")
@staff_of(*MODERATORS)
def attachment(consultation, testimony_id: int, attachment_id: int):
    """Download an attachment of a testimony, whatever its status; the audit log records
    who did."""
    mark_private()
    found = attachment_or_404(staff_testimony_or_404(consultation, testimony_id), attachment_id)
    services.record_download(found, current_user)
    return send_stored(found.stored_name, found.original_name, found.media_type)


def _back_to(consultation, testimony: Testimony):
    return redirect(url_for("moderation.item", slug=consultation.slug, testimony_id=testimony.id))


def _version(form) -> int:
    version = as_id(form.version.data)
    return -1 if version is None else version


@bp.route("/c/<slug>/moderation/<int:testimony_id>/decide", methods=["POST"])
@staff_of(*MODERATORS)
def decide(consultation, testimony_id: int):
    """Publish, refuse with a reason, or ask the author for changes."""
    testimony = staff_testimony_or_404(consultation, testimony_id)
    form = DecisionForm(consultation=consultation)
    if not form.validate_on_submit():
        abort(400)
    reason = db.session.get(RejectionReason, form.reason.data) if form.reason.data else None
    note = form.note.data or ""
    try:
        if form.action.data == "publish":
            services.publish(testimony, current_user, _version(form))
        elif form.action.data == "reject":
            services.reject(testimony, current_user, _version(form), reason, note)
        elif form.action.data == "changes":
            services.request_changes(testimony, current_user, _version(form), note)
        else:
            abort(400)
    except services.ModerationError as error:
        flash(str(error), "error")
        return _back_to(consultation, testimony)
    flash(_("Decision recorded."), "success")
    return redirect(url_for("moderation.queue", slug=consultation.slug))


@bp.route("/c/<slug>/moderation/<int:testimony_id>/redact", methods=["POST"])
@staff_of(*MODERATORS)
def redact(consultation, testimony_id: int):
    """Mask the chosen findings, or a quoted passage, in what the public will read."""
    testimony = staff_testimony_or_404(consultation, testimony_id)
    form = RedactionForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return _back_to(consultation, testimony)
    body, title = [], []
    for value in request.form.getlist("finding"):
        where, start, end, kind = (value.split(":") + ["", "", "", ""])[:4]
        if as_id(start) is None or as_id(end) is None:
            abort(400)
        span = (as_id(start), as_id(end), placeholder(kind))
        (title if where == "title" else body).append(span)
    try:
        if form.passage.data:
            start, end = services.passage_span(testimony.shown_body, form.passage.data)
            body.append((start, end, form.replacement.data))
        services.redact(testimony, current_user, _version(form), body_spans=body,
                        title_spans=title)
    except services.ModerationError as error:
        flash(str(error), "error")
    else:
        flash(_("Masked. The public will read the text as it is shown now."), "success")
    return _back_to(consultation, testimony)


@bp.route("/c/<slug>/moderation/<int:testimony_id>/restore", methods=["POST"])
@staff_of(*MODERATORS)
def restore(consultation, testimony_id: int):
    """Undo every mask: the public copy goes back to the text as written."""
    testimony = staff_testimony_or_404(consultation, testimony_id)
    try:
        services.restore_original(testimony, current_user, _version(RedactionForm()))
    except services.ModerationError as error:
        flash(str(error), "error")
    return _back_to(consultation, testimony)


@bp.route("/c/<slug>/moderation/<int:testimony_id>/reclassify", methods=["POST"])
@staff_of(*MODERATORS)
def reclassify(consultation, testimony_id: int):
    """Correct the themes, participant category or region."""
    testimony = staff_testimony_or_404(consultation, testimony_id)
    form = ReclassifyForm(consultation=consultation)
    try:
        if not form.validate_on_submit():
            raise services.ModerationError(
                " ".join(str(e) for errors in form.errors.values() for e in errors))
        services.reclassify(testimony, current_user, _version(form), form.themes.data,
                            form.category.data, form.region.data)
    except services.ModerationError as error:
        flash(str(error), "error")
    else:
        flash(_("Reclassified."), "success")
    return _back_to(consultation, testimony)


@bp.route("/c/<slug>/moderation/bulk", methods=["POST"])
@staff_of(*MODERATORS)
def bulk(consultation):
    """Publish or refuse the selected testimonies, each checked as if it were alone."""
    form = DecisionForm(consultation=consultation)
    if not form.validate_on_submit() or form.action.data not in ("publish", "reject"):
        abort(400)
    chosen = [as_id(v) for v in request.form.getlist("testimony") if as_id(v) is not None]
    versions = {}
    for value in request.form.getlist("versions"):
        testimony_id, _sep, version = value.partition(":")
        if as_id(testimony_id) is not None and as_id(version) is not None:
            versions[as_id(testimony_id)] = as_id(version)
    reason = db.session.get(RejectionReason, form.reason.data) if form.reason.data else None
    result = services.bulk(consultation, current_user, chosen, form.action.data, versions,
                           may_read_confidential(consultation), reason, form.note.data or "")
    if result.done:
        flash(ngettext("%(num)d decision recorded.", "%(num)d decisions recorded.",
                       len(result.done)), "success")
    for testimony_id, message in result.refused:
        flash(_("Testimony no. %(number)d: %(reason)s", number=testimony_id, reason=message),
              "error")
    if not chosen:
        flash(_("Select at least one testimony."), "error")
    return redirect(url_for("moderation.queue", slug=consultation.slug))


@bp.route("/c/<slug>/testimonies/<int:testimony_id>/flag", methods=["GET", "POST"])
@public
@limit("RATE_LIMIT_FLAG")
def flag(slug: str, testimony_id: int):
    """Ask a moderator to look at a published testimony again."""
    consultation = consultation_or_404(slug)
    testimony = public_testimony_or_404(consultation, testimony_id)
    form = FlagForm()
    if form.validate_on_submit():
        author = current_user if current_user.is_authenticated else None
        browser, cookie = services.browser_id(request.cookies.get(FLAGGER_COOKIE)), None
        if browser is None:
            browser, cookie = services.new_browser()
        if services.flag(testimony, services.reporter_key(author, browser), form.reason.data,
                         form.comment.data or ""):
            flash(_("Thank you: a moderator will look at this testimony again."), "success")
        else:
            flash(_("You already flagged this testimony: your flag counts once, and a "
                    "moderator will look at it."), "info")
        response = redirect(url_for("testimonies.index", slug=consultation.slug))
        if cookie is not None:
            response.set_cookie(FLAGGER_COOKIE, cookie, max_age=FLAGGER_COOKIE_MAX_AGE,
                                httponly=True, samesite="Lax",
                                secure=current_app.config["SESSION_COOKIE_SECURE"])
        return response
    return render_template("moderation/flag.html", consultation=consultation,
                           testimony=testimony, form=form)


@bp.route("/c/<slug>/audit")
@staff_of(*AUDIT_READERS)
def audit_log(consultation):
    """Who did what, when and why, in this consultation (newest first), page by page and
    filtered by person, action, kind of object and days; CSV on request."""
    mark_private()
    filters = audit.LogFilters(
        actor_id=_int_arg("actor"), action=request.args.get("action", ""),
        object_type=request.args.get("object_type", ""),
        since=_date_arg("since"), until=_date_arg("until"))
    if request.args.get("format") == "csv":
        return _audit_csv(consultation, audit.entries(consultation.id, filters))
    found = audit.page(consultation.id, filters, _int_arg("page") or 1)
    return render_template(
        "moderation/audit.html", consultation=consultation, log=found, filters=filters,
        people=audit.people(consultation.id),
        actions=audit.recorded(consultation.id, AuditEntry.action),
        object_types=audit.recorded(consultation.id, AuditEntry.object_type),
        links=_object_links(consultation, found.entries),
        roles={user.id: audit.roles_in(user, consultation.id) for user in found.actors.values()},
        page_url=lambda number: url_for("moderation.audit_log", slug=consultation.slug,
                                        **{**request.args.to_dict(), "page": number}))


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


#: The page that shows each kind of object of the log, and the model it is read from.
#: The log's readers (commissioners and admins) may open all of them; an organisation
#: not approved is only shown to admins and its members (checked below).
AUDIT_OBJECT_PAGES = {
    "testimony": (Testimony, "moderation.item", "testimony_id"),
    "organisation": (Organisation, "organisations.show", "organisation_id"),
    "local_event": (LocalEvent, "events.show", "event_id"),
    "hearing": (Hearing, "hearings.show", "hearing_id"),
    "orientation": (Orientation, "synthesis.editor", None),
    "recommendation": (Recommendation, "synthesis.editor", None),
    "measure": (Measure, "synthesis.editor", None),
    "consultation": (Consultation, "consultations.show", None),
}


def _object_links(consultation, entries: list[AuditEntry]) -> dict[int, str | None]:
    """The page of each entry's object, by entry, if the object still exists and the
    reader may open it; the objects read with one query per kind."""
    wanted = defaultdict(set)
    for entry in entries:
        if entry.object_type in AUDIT_OBJECT_PAGES and entry.object_id is not None:
            wanted[entry.object_type].add(entry.object_id)
    existing = {}
    for object_type, ids in wanted.items():
        model = AUDIT_OBJECT_PAGES[object_type][0]
        existing[object_type] = {found.id: found for found in db.session.execute(
            select(model).where(model.id.in_(ids))).scalars()}
    links = {}
    for entry in entries:
        found = existing.get(entry.object_type, {}).get(entry.object_id)
        if found is None or (isinstance(found, Organisation) and not found.is_approved
                             and not current_user.is_admin):
            links[entry.id] = None
            continue
        _model, endpoint, parameter = AUDIT_OBJECT_PAGES[entry.object_type]
        links[entry.id] = url_for(endpoint, slug=consultation.slug,
                                  **({parameter: entry.object_id} if parameter else {}))
    return links


def _audit_csv(consultation, entries) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "at_utc", "actor_id", "action", "object_type", "object_id",
                     "reason", "details"])
    for entry in entries:
        writer.writerow([entry.id, entry.at.isoformat(), entry.actor_id or "", entry.action,
                         entry.object_type, entry.object_id or "",
                         _spreadsheet_safe(entry.reason), entry.details])
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=audit-{consultation.slug}.csv",
        "Cache-Control": "no-store"})


def _spreadsheet_safe(value: str) -> str:
    """A cell that a spreadsheet will show as text, never run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@bp.route("/c/<slug>/moderation/figures")
@staff_of(*MODERATORS)
def figures(consultation):
    """Queue size, decisions per day, time from submission to decision."""
    return render_template("moderation/figures.html", consultation=consultation,
                           figures=services.figures(consultation))
