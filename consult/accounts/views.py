"""Register, confirm, log in and out, reset a password, edit one's profile."""
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from consult.access import authenticated, public
from consult.accounts import bp, services
from consult.accounts.forms import EmailForm, LoginForm, ProfileForm, RegisterForm, ResetPasswordForm
from consult.i18n import select_locale
from consult.security import local_path_or_none, mark_private


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    """Create an account; the confirmation link arrives by e-mail."""
    form = RegisterForm()
    if form.validate_on_submit():
        services.register(form.email.data, form.display_name.data, form.password.data,
                          select_locale())
        return render_template("accounts/check_inbox.html", email_sent_for="register")
    return render_template("accounts/register.html", form=form)


@bp.route("/confirm/<token>")
@public
def confirm(token: str):
    """Follow the link from the confirmation e-mail."""
    try:
        services.confirm_email(token)
    except services.AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.resend_confirmation"))
    flash(_("Your e-mail address is confirmed. You can log in."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/confirm", methods=["GET", "POST"])
@public
def resend_confirmation():
    """Ask for a new confirmation link."""
    form = EmailForm()
    if form.validate_on_submit():
        user = services.find_user(form.email.data)
        if user is not None and not user.is_confirmed:
            services.send_confirmation(user)
        return render_template("accounts/check_inbox.html", email_sent_for="confirm")
    return render_template("accounts/resend_confirmation.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Log in with an e-mail address and password."""
    if current_user.is_authenticated:
        return redirect(url_for("consultations.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong e-mail address or password."))
        elif not user.is_confirmed:
            flash(_("Confirm your e-mail address first: follow the link we sent you."), "error")
            return redirect(url_for("accounts.resend_confirmation"))
        else:
            login_user(user)
            flash(_("You are logged in."), "success")
            return redirect(local_path_or_none(request.args.get("next")) or url_for("consultations.index"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@authenticated
def logout():
    """End the session."""
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("consultations.index"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
def forgot_password():
    """Ask for a password-reset link by e-mail."""
    form = EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return render_template("accounts/check_inbox.html", email_sent_for="reset")
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    """Choose a new password from the link in the reset e-mail."""
    mark_private()
    try:
        user = services.user_for_reset_token(token)
    except services.AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        flash(_("Your password has been changed. You can log in."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@authenticated
def profile():
    """Change one's display name and language."""
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.locale.data = current_user.locale or ""
    if form.validate_on_submit():
        services.update_profile(current_user, form.display_name.data, form.locale.data)
        # The account's choice replaces an earlier click on the header's language switch,
        # which would otherwise win over "As my browser says" for the rest of the session.
        session.pop("locale", None)
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)
