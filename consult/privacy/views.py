"""A person's own data: see what is held, download it, delete the account."""
import json

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.access import authenticated
from consult.accounts.sessions import end_session
from consult.extensions import limit
from consult.models import utcnow
from consult.privacy import bp, services
from consult.privacy.forms import DeleteAccountForm
from consult.security import mark_private


@bp.route("/")
@authenticated
def index():
    """What the platform holds about the person, and what they can do with it."""
    return render_template("privacy/index.html", holdings=services.holdings(current_user))


@bp.route("/download")
@authenticated
def download():
    """Everything held about the person, as a JSON file (format in docs/privacy.md)."""
    mark_private()
    data = services.personal_data(current_user)
    filename = f"consult-my-data-{utcnow():%Y-%m-%d}.json"
    response = Response(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n",
        mimetype="application/json",
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/delete", methods=["GET", "POST"])
@authenticated
@limit("RATE_LIMIT_LOGIN")
def delete():
    """Delete the account, after choosing what becomes of one's published testimonies."""
    mark_private()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(current_user._get_current_object(), form.password.data,
                                    keep_published=form.keep_published)
        except services.PrivacyError as error:
            form.password.errors.append(str(error))
        else:
            # The account's sessions went with it; this browser forgets it too.
            end_session()
            flash(_("Your account has been deleted. Thank you for taking part."), "success")
            return redirect(url_for("consultations.index"))
    return render_template("privacy/delete.html", form=form,
                           holdings=services.holdings(current_user))
