"""Pages that belong to no consultation: the language switch and the terms."""
from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from consult.access import public
from consult.extensions import db
from consult.main import bp
from consult.security import local_path_or_none


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Switch the interface language, then go back to the same page."""
    locale = request.form.get("locale")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    target = local_path_or_none(request.form.get("next"))
    return redirect(target or url_for("consultations.index"))


@bp.route("/terms")
@public
def terms():
    """The terms of participation people agree to when they testify."""
    return render_template("main/terms.html")
