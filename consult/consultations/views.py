"""Public pages of consultations, and the admin pages that set them up."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.access import (
    MODERATORS,
    READERS,
    admin_only,
    consultation_or_404,
    is_staff,
    may_see_results,
    public,
    staff_of,
)
from consult.http_cache import for_visitors
from consult.consultations import bp, reach, services
from consult.consultations.forms import ConsultationForm, ListItemForm, NewConsultationForm
from consult.i18n import local_to_utc, utc_to_local
from consult.models import Role
from consult.models.consultation import PHASE_STARTS

DATE_FIELDS = [attribute for _phase, attribute in PHASE_STARTS]


@bp.route("/")
@public
@for_visitors
def index():
    """The consultations anyone can read."""
    return render_template("consultations/index.html", consultations=services.public_consultations())


@bp.route("/c/<slug>")
@public
@for_visitors
def show(slug: str):
    """A consultation: what it is about, its themes, phase, dates and figures."""
    consultation = consultation_or_404(slug)
    return render_template(
        "consultations/show.html",
        consultation=consultation,
        figures=services.public_figures(consultation),
        is_moderator=is_staff(consultation, *MODERATORS),
        is_commissioner=is_staff(consultation, Role.COMMISSIONER),
        is_reader=is_staff(consultation, *READERS),
        results_visible=may_see_results(consultation),
        my_organisations=services.organisations_of(current_user, consultation),
    )


@bp.route("/c/<slug>/reach")
@staff_of(*MODERATORS)
def reach_figures(consultation):
    """Testimonies by channel, region, category, organisation and event: whom the
    consultation reached, and whom it did not."""
    return render_template("consultations/reach.html", consultation=consultation,
                           reach=reach.reach(consultation))


@bp.route("/admin/consultations")
@admin_only
def admin_list():
    """Every consultation, drafts included."""
    return render_template("consultations/admin_list.html", consultations=services.all_consultations())


def _form_data(form: ConsultationForm) -> dict:
    data = {name: getattr(form, name).data
            for name in ("slug", "title", "description", "title_en", "description_en",
                         "contact_retention_days",
                         "flag_threshold", "participant_statements", "shuffle_votes",
                         "min_votes_for_groups")}
    # Browsers send a text area's lines separated by CR LF; the page splits paragraphs on
    # blank lines ("\n\n").
    for name in ("description", "description_en"):
        data[name] = "\n".join((data[name] or "").splitlines())
    data["title_en"] = (data["title_en"] or "").strip()
    data.update({name: local_to_utc(getattr(form, name).data) for name in DATE_FIELDS})
    return data


def _save(form: ConsultationForm, consultation, data: dict):
    try:
        return services.save_consultation(consultation, data)
    except services.ConsultationError as error:
        # Shown beside the date that is out of order, not always beside the first one.
        field = getattr(form, error.field or "opens_at")
        field.errors = [*field.errors, str(error)]
        return None


@bp.route("/admin/consultations/new", methods=["GET", "POST"])
@admin_only
def create():
    """Create a consultation with its first themes, categories and regions."""
    form = NewConsultationForm()
    if form.validate_on_submit():
        data = _form_data(form) | {"initial_lists": form.initial_lists()}
        consultation = _save(form, None, data)
        if consultation is not None:
            flash(_("The consultation has been created."), "success")
            return redirect(url_for("consultations.edit", slug=consultation.slug))
    return render_template("consultations/form.html", form=form, consultation=None)


@bp.route("/admin/consultations/<slug>/edit", methods=["GET", "POST"])
@admin_only
def edit(slug: str):
    """Edit a consultation's description and phase dates."""
    consultation = consultation_or_404(slug)
    form = ConsultationForm(obj=consultation, consultation=consultation)
    if request.method == "GET":
        for name in DATE_FIELDS:
            getattr(form, name).data = utc_to_local(getattr(consultation, name))
    if form.validate_on_submit() and _save(form, consultation, _form_data(form)):
        flash(_("The consultation has been saved."), "success")
        return redirect(url_for("consultations.edit", slug=consultation.slug))
    return render_template("consultations/form.html", form=form, consultation=consultation)


def _list_kind_or_404(kind: str) -> services.ListKind:
    if kind not in services.LIST_KINDS:
        abort(404)
    return services.LIST_KINDS[kind]


@bp.route("/admin/consultations/<slug>/lists/<kind>", methods=["GET", "POST"])
@admin_only
def edit_list(slug: str, kind: str):
    """Add to, rename, reorder or prune one of a consultation's lists (themes, categories,
    regions, reasons for not publishing)."""
    consultation = consultation_or_404(slug)
    list_kind = _list_kind_or_404(kind)
    form = ListItemForm()
    if form.validate_on_submit():
        try:
            services.add_list_item(consultation, kind, form.name.data, form.name_en.data or "")
        except services.ConsultationError as error:
            form.name.errors.append(str(error))
        else:
            flash(_("Added."), "success")
            return redirect(url_for("consultations.edit_list", slug=slug, kind=kind))
    return render_template(
        "consultations/edit_list.html",
        consultation=consultation,
        kind=kind,
        list_kind=list_kind,
        items=list_kind.items(consultation),
        form=form,
    )


@bp.route("/admin/consultations/<slug>/lists/<kind>/<int:item_id>", methods=["POST"])
@admin_only
def change_list_item(slug: str, kind: str, item_id: int):
    """Rename, move or delete one item of a list."""
    consultation = consultation_or_404(slug)
    _list_kind_or_404(kind)
    action = request.form.get("action")
    form = ListItemForm()  # CSRF is checked for every POST before any view runs.
    try:
        if action == "rename" and form.validate_on_submit():
            services.rename_list_item(consultation, kind, item_id, form.name.data,
                                      form.name_en.data or "")
        elif action == "rename":
            raise services.ConsultationError(
                " ".join(str(error) for error in form.name.errors) or _("Give a name.")
            )
        elif action in ("up", "down"):
            services.move_list_item(consultation, kind, item_id, -1 if action == "up" else 1)
        elif action == "delete":
            services.delete_list_item(consultation, kind, item_id)
        else:
            abort(400)
    except services.ConsultationError as error:
        flash(str(error), "error")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("consultations.edit_list", slug=slug, kind=kind))


@bp.app_context_processor
def consultation_settings_context() -> dict:
    return {"list_kinds": services.LIST_KINDS}
