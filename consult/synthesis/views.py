"""The commissioners' reading room, codebook and coding; the public page of the
published orientations, recommendations and measures."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.access import consultation_or_404, public, staff_of
from consult.extensions import db
from consult.models import Channel, Code, Excerpt, Reading, Role, Status, Testimony, Theme, Visibility
from consult.moderation import services as moderation
from consult.security import mark_private
from consult.synthesis import bp, services
from consult.synthesis.forms import CodeForm, CodingForm


@bp.route("/c/<slug>/recommendations")
@public
def recommendations(slug: str):
    """Published orientations, recommendations and measures, with supporting quotes."""
    consultation = consultation_or_404(slug)
    return render_template("synthesis/recommendations.html", consultation=consultation,
                           orientations=services.orientations(consultation, published_only=True))


READERS = (Role.COMMISSIONER,)


def _reading_filters() -> dict:
    return {name: request.args.get(name, "") for name in
            ("theme", "category", "region", "channel", "status", "visibility", "code", "q")}


def _reading_query(consultation, filters: dict):
    """Every testimony of the consultation, whatever its status, with the filters."""
    query = db.select(Testimony).where(Testimony.consultation_id == consultation.id)
    if filters["theme"].isdigit():
        query = query.where(Testimony.themes.any(Theme.id == int(filters["theme"])))
    for name, column in (("category", Testimony.category_id), ("region", Testimony.region_id)):
        if filters[name].isdigit():
            query = query.where(column == int(filters[name]))
    for name, column, enum in (("channel", Testimony.channel, Channel),
                               ("status", Testimony.status, Status),
                               ("visibility", Testimony.visibility, Visibility)):
        if filters[name] in {member.value for member in enum}:
            query = query.where(column == enum(filters[name]))
    if filters["code"].isdigit():
        query = query.where(Testimony.id.in_(db.select(Excerpt.testimony_id).where(
            Excerpt.code_id == int(filters["code"]))))
    if filters["q"].strip():
        words = f"%{filters['q'].strip()}%"
        query = query.where(Testimony.body.ilike(words) | Testimony.title.ilike(words))
    return query


@bp.route("/c/<slug>/reading")
@staff_of(*READERS)
def reading_room(consultation):
    """Every testimony, confidential ones included, for the commissioners to read."""
    mark_private()
    filters = _reading_filters()
    after = request.args.get("after", "")
    query = _reading_query(consultation, filters)
    if after.isdigit():
        query = query.where(Testimony.id > int(after))
    rows = db.session.execute(query.order_by(Testimony.id).limit(51)).scalars().all()
    read = set(db.session.execute(db.select(Reading.testimony_id).where(
        Reading.user_id == current_user.id,
        Reading.testimony_id.in_([t.id for t in rows]))).scalars())
    next_url = url_for("synthesis.reading_room", slug=consultation.slug,
                       **{**request.args.to_dict(), "after": rows[49].id}) if len(rows) > 50 else None
    return render_template("synthesis/reading_room.html", consultation=consultation,
                           items=rows[:50], read=read, filters=filters, next_url=next_url,
                           active_filters={k: v for k, v in filters.items() if v},
                           channels=list(Channel), statuses=list(Status),
                           visibilities=list(Visibility), codes=services.codebook(consultation))


def _testimony_or_404(consultation, testimony_id: int) -> Testimony:
    testimony = db.session.get(Testimony, testimony_id)
    if testimony is None or testimony.consultation_id != consultation.id:
        abort(404)
    return testimony


@bp.route("/c/<slug>/reading/<int:testimony_id>")
@staff_of(*READERS)
def read(consultation, testimony_id: int):
    """One testimony as written, its excerpts, and the next one to read."""
    mark_private()
    testimony = _testimony_or_404(consultation, testimony_id)
    moderation.record_reading(testimony, current_user, original=True)
    filters = _reading_filters()
    following = db.session.execute(
        _reading_query(consultation, filters).where(Testimony.id > testimony.id)
        .order_by(Testimony.id).limit(1)).scalar_one_or_none()
    excerpts = db.session.execute(db.select(Excerpt).where(
        Excerpt.testimony_id == testimony.id).order_by(Excerpt.start)).scalars().all()
    return render_template(
        "synthesis/read.html", consultation=consultation, testimony=testimony,
        excerpts=excerpts, following=following,
        active_filters={k: v for k, v in filters.items() if v},
        form=CodingForm(codes=services.codebook(consultation)),
        is_read=db.session.execute(db.select(Reading.id).filter_by(
            user_id=current_user.id, testimony_id=testimony.id)).first() is not None)


@bp.route("/c/<slug>/reading/<int:testimony_id>/code", methods=["POST"])
@staff_of(*READERS)
def code(consultation, testimony_id: int):
    """Tag the testimony, or a passage of it, with a code."""
    testimony = _testimony_or_404(consultation, testimony_id)
    form = CodingForm(codes=services.codebook(consultation))
    chosen = db.session.get(Code, form.code.data) if form.validate_on_submit() else None
    try:
        if chosen is None:
            raise services.SynthesisError(_("Choose a code."))
        services.apply_code(chosen, testimony, current_user, form.passage.data or "")
    except services.SynthesisError as error:
        flash(str(error), "error")
    else:
        flash(_("Coded."), "success")
    return redirect(url_for("synthesis.read", slug=consultation.slug, testimony_id=testimony.id))


@bp.route("/c/<slug>/reading/<int:testimony_id>/read", methods=["POST"])
@staff_of(*READERS)
def mark_read(consultation, testimony_id: int):
    """Mark as read (for the current commissioner), and go to the next one."""
    testimony = _testimony_or_404(consultation, testimony_id)
    services.mark_read(current_user, testimony)
    target = request.form.get("next")
    if target and target.isdigit():
        return redirect(url_for("synthesis.read", slug=consultation.slug, testimony_id=int(target)))
    return redirect(url_for("synthesis.reading_room", slug=consultation.slug))


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
    """A code's excerpts, and how many testimonies carry it by category, region, channel."""
    mark_private()
    found = db.session.get(Code, code_id)
    if found is None or found.consultation_id != consultation.id:
        abort(404)
    excerpts = db.session.execute(db.select(Excerpt).where(Excerpt.code_id == found.id)
                                  .order_by(Excerpt.testimony_id)).scalars().all()
    return render_template("synthesis/code.html", consultation=consultation, code=found,
                           excerpts=[(e, services.excerpt_text(e, may_read_original=True))
                                     for e in excerpts],
                           counts=services.code_counts(found))
