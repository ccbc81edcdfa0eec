"""Pages that belong to no consultation: the language switch and the terms."""
from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from consult.access import public
from consult.http_cache import for_visitors
from consult.extensions import db
from consult.main import bp
from consult.security import local_path_or_none


def _switch_language(locale: str | None, target: str | None):
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
    return redirect(local_path_or_none(target) or url_for("consultations.index"))


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Switch the interface language, for this session and the person's account, then go
    back to the same page."""
    locale = request.form.get("locale")
    if current_user.is_authenticated and locale in current_app.config["LANGUAGES"]:
        current_user.locale = locale
        db.session.commit()
    return _switch_language(locale, request.form.get("next"))


@bp.route("/language/<locale>")
@public
def choose_language(locale: str):
    """A visitor's language link: the language of this browser's session only (it changes
    nothing else, so it needs no form), then back to the same page. Pages without a form
    thus hold nothing personal and can be shared among visitors (consult.http_cache)."""
    return _switch_language(locale, request.args.get("next"))


@bp.route("/terms")
@public
@for_visitors
def terms():
    """The terms of participation people agree to when they testify."""
    return render_template("main/terms.html")
