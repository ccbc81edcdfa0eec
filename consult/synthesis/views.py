"""The reading room of the commissioners and analysts, the reading shared among them,
the codebook and coding; the public page of the published orientations,
recommendations and measures."""
import json

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from consult.access import (
    READERS,
    READING_LEADS,
    belonging_or_404,
    consultation_or_404,
    may_lead_reading,
    public,
    staff_of,
    staff_testimony_or_404,
)
from consult.http_cache import for_visitors
from consult.extensions import db
from consult.parsing import as_id
from consult.models import (
    Channel,
    Code,
    CodingSample,
    Excerpt,
    Measure,
    Orientation,
    Reading,
    Recommendation,
    Role,
    Status,
    Testimony,
    Visibility,
)
from consult.moderation import services as moderation
from consult.security import mark_private
from consult.queue import latest_job
from consult.synthesis import bp, services, tasks, team
from consult.synthesis.forms import (
    AssignForm,
    CodeForm,
    CodingForm,
    ItemForm,
    ItemTextForm,
    OutlineConfirmForm,
    OutlineUploadForm,
)
from consult.synthesis.outline import OutlineError, read_outline


#: The synthesis itself (recommendations, evidence, analysis) is the commissioners' work.
COMMISSIONERS = (Role.COMMISSIONER,)


@bp.app_context_processor
def synthesis_context() -> dict:
    """The synthesis tabs, also shown on the exports page, depend on the reader's role."""
    return {"may_lead_reading": may_lead_reading}


@bp.route("/c/<slug>/recommendations")
@public
@for_visitors
def recommendations(slug: str):
    """Published orientations, recommendations and measures, with supporting quotes."""
    consultation = consultation_or_404(slug)
    return render_template("synthesis/recommendations.html", consultation=consultation,
                           orientations=services.orientations(consultation, published_only=True))


#: The reading room's filters, carried in the address from page to page.
FILTERS = ("theme", "category", "region", "channel", "status", "visibility", "code", "q",
           "copies", "view", "topic", "group")
PAGE = 50


def _reading_filters() -> dict:
    return {name: request.args.get(name, "") for name in FILTERS}


def _active(filters: dict) -> dict:
    """The filters that were set, to carry from page to page in the address."""
    return {name: value for name, value in filters.items() if value}


def _page(query, key, after: int | None, before: int | None) -> tuple[list, bool, bool]:
    """One page of the list, by id (in the order of `key`), after or before a testimony:
    the rows, and whether there are more before and after them."""
    if before is not None:
        rows = db.session.execute(query.where(key < before)
                                  .order_by(key.desc()).limit(PAGE + 1)).scalars().all()
        return list(reversed(rows[:PAGE])), len(rows) > PAGE, True
    if after is not None:
        query = query.where(key > after)
    rows = db.session.execute(query.order_by(key).limit(PAGE + 1)).scalars().all()
    return rows[:PAGE], after is not None, len(rows) > PAGE


@bp.route("/c/<slug>/reading")
@staff_of(*READERS)
def reading_room(consultation):
    """Every testimony, confidential ones included, for the commissioners and analysts to
    read: counted, filtered, by pages both ways."""
    mark_private()
    filters = _reading_filters()
    query, key = services.reading_query(consultation, filters, current_user)
    items, has_previous, has_next = _page(query, key, as_id(request.args.get("after", "")),
                                          as_id(request.args.get("before", "")))
    ids = [t.id for t in items]
    read = set(db.session.execute(db.select(Reading.testimony_id).where(
        Reading.user_id == current_user.id, Reading.testimony_id.in_(ids))).scalars())
    active_filters = _active(filters)
    pages = {
        "previous": url_for("synthesis.reading_room", slug=consultation.slug,
                            before=ids[0], **active_filters) if has_previous and ids else None,
        "next": url_for("synthesis.reading_room", slug=consultation.slug,
                        after=ids[-1], **active_filters) if has_next and ids else None,
    }
    may_lead = may_lead_reading(consultation)
    return render_template("synthesis/reading_room.html", consultation=consultation,
                           items=items, read=read, filters=filters, pages=pages,
                           counts=services.list_counts(query, key, current_user),
                           copies=services.copies_of(consultation, ids),
                           can_fold=services.latest_finished_analysis(consultation) is not None,
                           topics=services.analysis_topics(consultation),
                           active_filters=active_filters, may_lead=may_lead,
                           assign_form=AssignForm(readers=team.readers(consultation))
                           if may_lead else None,
                           views=services.VIEWS, channels=list(Channel), statuses=list(Status),
                           visibilities=list(Visibility), codes=services.codebook(consultation))


@bp.route("/c/<slug>/reading/<int:testimony_id>")
@staff_of(*READERS)
def read(consultation, testimony_id: int):
    """One testimony as written, its excerpts, and the ones before and after it in the
    reading room's list."""
    mark_private()
    testimony = staff_testimony_or_404(consultation, testimony_id)
    moderation.record_reading(testimony, current_user, original=True)
    filters = _reading_filters()
    previous, following = services.neighbours(
        *services.reading_query(consultation, filters, current_user), testimony.id)
    excerpts = services.testimony_excerpts(testimony, current_user)
    may_lead = may_lead_reading(consultation)
    return render_template(
        "synthesis/read.html", consultation=consultation, testimony=testimony,
        excerpts=excerpts, previous=previous, following=following,
        pieces=services.highlighted(testimony.body, excerpts),
        copies=services.copies_of(consultation, [testimony.id]).get(testimony.id, []),
        active_filters=_active(filters), may_lead=may_lead,
        form=CodingForm(codes=services.codebook(consultation)),
        recommendations=services.orientations(consultation, published_only=False)
        if may_lead else [],
        similar=services.similar_testimonies(consultation, testimony.id),
        is_read=db.session.execute(db.select(Reading.id).filter_by(
            user_id=current_user.id, testimony_id=testimony.id)).first() is not None)


@bp.route("/c/<slug>/reading/<int:testimony_id>/code", methods=["POST"])
@staff_of(*READERS)
def code(consultation, testimony_id: int):
    """Tag the testimony, or a passage of it, with a code."""
    testimony = staff_testimony_or_404(consultation, testimony_id)
    form = CodingForm(codes=services.codebook(consultation))
    chosen = db.session.get(Code, form.code.data) if form.validate_on_submit() else None
    try:
        if chosen is None:
            raise services.SynthesisError(_("Choose a code."))
        services.apply_code(chosen, testimony, current_user, form.passage.data or "",
                            start=form.start.data)
    except services.SynthesisError as error:
        flash(str(error), "error")
    else:
        flash(_("Coded."), "success")
    return redirect(url_for("synthesis.read", slug=consultation.slug, testimony_id=testimony.id,
                            **_active(_reading_filters())))


@bp.route("/c/<slug>/reading/<int:testimony_id>/read", methods=["POST"])
@staff_of(*READERS)
def mark_read(consultation, testimony_id: int):
    """Mark as read (for the current reader), and go to the next one with the
    reading room's filters, carried in the address."""
    testimony = staff_testimony_or_404(consultation, testimony_id)
    services.mark_read(current_user, testimony)
    active_filters = _active(_reading_filters())
    target = request.form.get("next")
    if as_id(target) is not None:
        return redirect(url_for("synthesis.read", slug=consultation.slug,
                                testimony_id=as_id(target), **active_filters))
    return redirect(url_for("synthesis.reading_room", slug=consultation.slug, **active_filters))


@bp.route("/c/<slug>/reading/assign", methods=["POST"])
@staff_of(*READING_LEADS)
def assign(consultation):
    """Give the testimonies of the reading room's list (all, or a random sample) to a
    reader, or to two readers as a double-coded sample."""
    filters = _reading_filters()
    people = team.readers(consultation)
    form = AssignForm(readers=people)
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("synthesis.reading_room", slug=consultation.slug,
                                **_active(filters)))
    by_id = {person.id: person for person in people}
    try:
        given = team.assign(consultation,
                            services.reading_query(consultation, filters, current_user)[0],
                            by_id[form.reader.data], current_user, count=form.count.data,
                            second_reader=by_id.get(form.second_reader.data))
    except services.SynthesisError as error:
        flash(str(error), "error")
        return redirect(url_for("synthesis.reading_room", slug=consultation.slug,
                                **_active(filters)))
    flash(ngettext("%(num)d testimony given.", "%(num)d testimonies given.", given), "success")
    return redirect(url_for("synthesis.team_page", slug=consultation.slug))


@bp.route("/c/<slug>/reading/team")
@staff_of(*READING_LEADS)
def team_page(consultation):
    """Each reader's progress, and the agreement of the double-coded samples."""
    mark_private()
    return render_template("synthesis/team.html", consultation=consultation,
                           progress=team.progress(consultation),
                           agreements=[team.agreement(sample)
                                       for sample in team.samples(consultation)])


@bp.route("/c/<slug>/reading/samples/<int:sample_id>")
@staff_of(*READING_LEADS)
def sample_page(consultation, sample_id: int):
    """A double-coded sample: the agreement per code and the disagreements side by side,
    to settle."""
    mark_private()
    sample = belonging_or_404(CodingSample, sample_id, consultation_id=consultation.id)
    return render_template("synthesis/sample.html", consultation=consultation,
                           agreement=team.agreement(sample))


@bp.route("/c/<slug>/codes", methods=["GET", "POST"])
@staff_of(*READERS)
def codebook(consultation):
    """The codebook: codes with a description, nested one level."""
    codes = services.codebook(consultation)
    form = CodeForm(parents=codes)
    if form.validate_on_submit():
        parent = db.session.get(Code, form.parent.data) if form.parent.data else None
        try:
            services.add_code(consultation, form.name.data, form.description.data or "", parent)
        except services.SynthesisError as error:
            form.name.errors.append(str(error))
        else:
            flash(_("Code added."), "success")
            return redirect(url_for("synthesis.codebook", slug=consultation.slug))
    return render_template("synthesis/codebook.html", consultation=consultation, codes=codes,
                           form=form)


@bp.route("/c/<slug>/codes/<int:code_id>")
@staff_of(*READERS)
def code_page(consultation, code_id: int):
    """A code's excerpts, and how many testimonies carry it by category, region, channel
    (a parent code with its children's)."""
    mark_private()
    found = db.session.get(Code, code_id)
    if found is None or found.consultation_id != consultation.id:
        abort(404)
    excerpts = services.code_excerpts(found, current_user)
    return render_template("synthesis/code.html", consultation=consultation, code=found,
                           excerpts=[(e, services.excerpt_text(e, may_read_original=True))
                                     for e in excerpts],
                           counts=services.code_counts(found, current_user))


ITEM_KINDS = {"orientations": Orientation, "recommendations": Recommendation,
              "measures": Measure}


def _item_or_404(model, item_id: int, consultation):
    item = db.session.get(model, item_id)
    if item is None or services.consultation_id_of(item) != consultation.id:
        abort(404)
    return item


def _item_of_kind_or_404(kind: str, item_id: int, consultation):
    if kind not in ITEM_KINDS:
        abort(404)
    return _item_or_404(ITEM_KINDS[kind], item_id, consultation)


@bp.route("/c/<slug>/synthesis", methods=["GET"])
@staff_of(*COMMISSIONERS)
def editor(consultation):
    """Orientations, recommendations and measures, drafts included, numbered."""
    mark_private()
    numbered = services.orientations(consultation, published_only=False)
    return render_template(
        "synthesis/editor.html", consultation=consultation, orientations=numbered,
        by_category={r.recommendation.id: services.evidence_by_category(r.recommendation)
                     for o in numbered for r in o.recommendations})


def _import_page(consultation, form=None, outline=None, text="", refusal=None):
    return render_template(
        "synthesis/import.html", consultation=consultation, form=form or OutlineUploadForm(),
        outline=outline, refusal=refusal,
        confirm=OutlineConfirmForm(text=text, unit=outline.unit if outline else ""))


@bp.route("/c/<slug>/synthesis/import", methods=["GET", "POST"])
@staff_of(*COMMISSIONERS)
def import_outline(consultation):
    """Send a report's outline: it is read and shown as a tree, nothing is written yet."""
    mark_private()
    form = OutlineUploadForm()
    if not form.validate_on_submit():
        return _import_page(consultation, form)
    limit = current_app.config["IMPORT_MAX_BYTES"]
    data = form.file.data.stream.read(limit + 1)
    if len(data) > limit:
        return _import_page(consultation, form, refusal=_(
            "This file is larger than %(size)d MB.", size=limit // 2**20))
    try:
        # python-docx loads with the first outline file read, not with the app (docs/benchmarks.md).
        from consult.synthesis.outline_files import read_outline_file

        outline, text = read_outline_file(form.file.data.filename or "", data)
    except OutlineError as error:
        return _import_page(consultation, form, refusal=str(error))
    return _import_page(consultation, form, outline=outline, text=text)


@bp.route("/c/<slug>/synthesis/import/confirm", methods=["POST"])
@staff_of(*COMMISSIONERS)
def import_outline_confirm(consultation):
    """Import the outline previewed a moment ago, all or nothing."""
    form = OutlineConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for(".import_outline", slug=consultation.slug))
    try:
        outline = read_outline(form.text.data, "Paragraph" if form.unit.data == "Paragraph"
                               else "Line")
    except OutlineError as error:
        return _import_page(consultation, refusal=str(error))
    counts = services.import_outline(consultation, outline.orientations, current_user)
    flash(ngettext("Imported as drafts: %(num)d orientation, %(recommendations)d "
                   "recommendations, %(measures)d measures.",
                   "Imported as drafts: %(num)d orientations, %(recommendations)d "
                   "recommendations, %(measures)d measures.", counts[0],
                   recommendations=counts[1], measures=counts[2]), "success")
    return redirect(url_for(".editor", slug=consultation.slug))


@bp.route("/c/<slug>/synthesis/add", methods=["POST"])
@staff_of(*COMMISSIONERS)
def add_item(consultation):
    """Add an orientation, a recommendation to an orientation or a measure to one."""
    form = ItemForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    elif form.kind.data == "orientation":
        services.add_orientation(consultation, form.text.data, form.details.data or "")
    elif form.kind.data == "recommendation":
        services.add_recommendation(
            _item_or_404(Orientation, form.parent.data or 0, consultation), form.text.data)
    elif form.kind.data == "measure":
        services.add_measure(
            _item_or_404(Recommendation, form.parent.data or 0, consultation), form.text.data)
    else:
        abort(400)
    return redirect(url_for("synthesis.editor", slug=consultation.slug))


@bp.route("/c/<slug>/synthesis/recommendations/<int:item_id>/move", methods=["POST"])
@staff_of(*COMMISSIONERS)
def move(consultation, item_id: int):
    """Move a recommendation within its orientation or to another one."""
    recommendation = _item_or_404(Recommendation, item_id, consultation)
    target = request.form.get("orientation", "")
    position = request.form.get("position", "")
    if as_id(target) is None or as_id(position) is None:
        abort(400)
    services.move_recommendation(recommendation,
                                 _item_or_404(Orientation, as_id(target), consultation),
                                 as_id(position) - 1)
    return redirect(url_for("synthesis.editor", slug=consultation.slug))


@bp.route("/c/<slug>/synthesis/<kind>/<int:item_id>/status", methods=["POST"])
@staff_of(*COMMISSIONERS)
def set_status(consultation, kind: str, item_id: int):
    """Publish or take back an orientation or a recommendation."""
    if kind == "measures":
        abort(404)
    services.set_status(_item_of_kind_or_404(kind, item_id, consultation),
                        request.form.get("published") == "1", current_user)
    return redirect(url_for("synthesis.editor", slug=consultation.slug))


@bp.route("/c/<slug>/synthesis/<kind>/<int:item_id>/shift", methods=["POST"])
@staff_of(*COMMISSIONERS)
def shift(consultation, kind: str, item_id: int):
    """Move an orientation, recommendation or measure one place up or down."""
    item = _item_of_kind_or_404(kind, item_id, consultation)
    services.shift(item, -1 if request.form.get("direction") == "up" else 1, current_user)
    return redirect(url_for("synthesis.editor", slug=consultation.slug,
                            _anchor=f"{kind}-{item.id}"))


@bp.route("/c/<slug>/synthesis/<kind>/<int:item_id>/edit", methods=["GET", "POST"])
@staff_of(*COMMISSIONERS)
def edit_item(consultation, kind: str, item_id: int):
    """Change the wording of an orientation, recommendation or measure."""
    mark_private()
    item = _item_of_kind_or_404(kind, item_id, consultation)
    is_orientation = isinstance(item, Orientation)
    form = ItemTextForm(data={"text": item.title if is_orientation else item.text,
                              "details": item.text if is_orientation else ""})
    if form.validate_on_submit():
        services.edit(item, form.text.data, form.details.data or "", current_user)
        flash(_("Saved."), "success")
        return redirect(url_for("synthesis.editor", slug=consultation.slug,
                                _anchor=f"{kind}-{item.id}"))
    return render_template("synthesis/edit_item.html", consultation=consultation, item=item,
                           kind=kind, form=form, is_orientation=is_orientation)


@bp.route("/c/<slug>/synthesis/<kind>/<int:item_id>/delete", methods=["GET", "POST"])
@staff_of(*COMMISSIONERS)
def delete_item(consultation, kind: str, item_id: int):
    """Ask, then delete an item with what it contains."""
    mark_private()
    item = _item_of_kind_or_404(kind, item_id, consultation)
    if request.method == "POST":
        services.delete(item, current_user)
        flash(_("Deleted."), "success")
        return redirect(url_for("synthesis.editor", slug=consultation.slug))
    return render_template("synthesis/delete_item.html", consultation=consultation, item=item,
                           kind=kind)


@bp.route("/c/<slug>/reading/<int:testimony_id>/evidence", methods=["POST"])
@staff_of(*COMMISSIONERS)
def add_evidence(consultation, testimony_id: int):
    """Cite the testimony (or one of its excerpts) in support of a recommendation."""
    testimony = staff_testimony_or_404(consultation, testimony_id)
    chosen = request.form.get("recommendation", "")
    excerpt_id = request.form.get("excerpt", "")
    if as_id(chosen) is None:
        flash(_("Choose a recommendation."), "error")
    else:
        recommendation = _item_or_404(Recommendation, as_id(chosen), consultation)
        excerpt = db.session.get(Excerpt, as_id(excerpt_id)) if as_id(excerpt_id) else None
        try:
            added = services.add_evidence(recommendation, testimony, excerpt)
        except services.SynthesisError as error:
            flash(str(error), "error")
        else:
            flash(_("Cited in support.") if added else _("Already cited."), "success")
    return redirect(url_for("synthesis.read", slug=consultation.slug, testimony_id=testimony.id))


@bp.route("/c/<slug>/analysis", methods=["GET", "POST"])
@staff_of(*COMMISSIONERS)
def analysis(consultation):
    """Queue the text analysis (the worker runs it) and show the latest result."""
    mark_private()
    if request.method == "POST":
        job, queued = services.request_analysis(consultation, current_user)
        if queued:
            tasks.analyse(job.id)
        flash(_("The analysis is queued; this page shows its progress, then its result."),
              "success")
        return redirect(url_for("synthesis.analysis", slug=consultation.slug))
    job = latest_job("analysis", consultation.id)
    run = services.latest_finished_analysis(consultation)
    result = json.loads(run.result) if run is not None else None
    return render_template("synthesis/analysis.html", consultation=consultation, job=job,
                           run=run, result=result)
