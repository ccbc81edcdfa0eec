"""Register, confirm, log in and out, passwords, second factor, one's profile."""
import segno
from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.access import authenticated, public
from consult.accounts import bp, services
from consult.accounts.forms import (
    ChangePasswordForm,
    EmailForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    SecondFactorForm,
)
from consult.accounts.sessions import begin_session, end_session
from consult.extensions import limit
from consult.i18n import select_locale
from consult.security import local_path_or_none, mark_private


def _next_path() -> str | None:
    """The page the person was going to before logging in or registering, kept through
    registration, confirmation and log-in."""
    return local_path_or_none(request.args.get("next"))


def _next_or_home():
    return redirect(_next_path() or url_for("consultations.index"))


@bp.route("/register", methods=["GET", "POST"])
@public
@limit("RATE_LIMIT_REGISTER")
def register():
    """Create an account; the confirmation link arrives by e-mail."""
    form = RegisterForm()
    if form.validate_on_submit():
        services.register(form.email.data, form.display_name.data, form.password.data,
                          select_locale(), _next_path())
        return render_template("accounts/check_inbox.html", email_sent_for="register")
    return render_template("accounts/register.html", form=form, next_path=_next_path())


@bp.route("/confirm/<token>")
@public
def confirm(token: str):
    """Follow the link from the confirmation e-mail."""
    try:
        services.confirm_email(token)
    except services.AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.resend_confirmation", next=_next_path()))
    flash(_("Your e-mail address is confirmed. You can log in."), "success")
    return redirect(url_for("accounts.login", next=_next_path()))


@bp.route("/confirm", methods=["GET", "POST"])
@public
@limit("RATE_LIMIT_PASSWORD_RESET")
def resend_confirmation():
    """Ask for a new confirmation link."""
    form = EmailForm()
    if form.validate_on_submit():
        user = services.find_user(form.email.data)
        if user is not None and not user.is_confirmed:
            services.send_confirmation(user, _next_path())
        return render_template("accounts/check_inbox.html", email_sent_for="confirm")
    return render_template("accounts/resend_confirmation.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@public
@limit("RATE_LIMIT_LOGIN")
def login():
    """Log in with an e-mail address and password."""
    if current_user.is_authenticated:
        return redirect(url_for("consultations.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.AccountLocked as error:
            form.password.errors.append(str(error))
            return render_template("accounts/login.html", form=form, next_path=_next_path())
        if user is None:
            form.password.errors.append(_("Wrong e-mail address or password."))
        elif not user.is_confirmed:
            flash(_("Confirm your e-mail address first: follow the link we sent you."), "error")
            return redirect(url_for("accounts.resend_confirmation", next=_next_path()))
        else:
            begin_session(user)
            flash(_("You are logged in."), "success")
            return _next_or_home()
    return render_template("accounts/login.html", form=form, next_path=_next_path())


@bp.route("/logout", methods=["POST"])
@authenticated
def logout():
    """End the session: its cookie stops working, even if a copy of it was kept."""
    end_session()
    flash(_("You are logged out."), "success")
    return redirect(url_for("consultations.index"))


@bp.route("/sessions/end-all", methods=["POST"])
@authenticated
def end_all_sessions():
    """Log out everywhere: every browser where this account is logged in, this one too."""
    services.end_all_sessions(current_user)
    end_session()
    flash(_("You are logged out everywhere."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/password", methods=["GET", "POST"])
@authenticated
@limit("RATE_LIMIT_LOGIN")
def change_password():
    """Change one's password; every other session ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except services.AccountError as error:
            form.current.errors.append(str(error))
        else:
            begin_session(current_user._get_current_object())
            flash(_("Your password has been changed. Other sessions have ended."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/second-factor/setup", methods=["GET", "POST"])
@authenticated
@limit("RATE_LIMIT_LOGIN")
def second_factor_setup():
    """Set up an authenticator app (staff need one to reach their pages)."""
    mark_private()
    secret = session.get("pending_second_factor") or services.new_second_factor_secret()
    session["pending_second_factor"] = secret
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            services.enable_second_factor(current_user, g.user_session, secret, form.code.data)
        except services.AccountError as error:
            form.code.errors.append(str(error))
        else:
            session.pop("pending_second_factor", None)
            flash(_("Your authenticator app is set up."), "success")
            return _next_or_home()
    uri = services.second_factor_uri(current_user, secret)
    return render_template("accounts/second_factor_setup.html", form=form, secret=secret,
                           qr_code=segno.make(uri, error="m").svg_data_uri(scale=5))


@bp.route("/second-factor", methods=["GET", "POST"])
@authenticated
@limit("RATE_LIMIT_LOGIN")
def second_factor():
    """Type the code of one's authenticator app to reach staff pages."""
    if current_user.totp_secret is None:
        return redirect(url_for("accounts.second_factor_setup", next=request.args.get("next")))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            services.pass_second_factor(current_user, g.user_session, form.code.data)
        except services.AccountError as error:
            form.code.errors.append(str(error))
        else:
            return _next_or_home()
    return render_template("accounts/second_factor.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limit("RATE_LIMIT_PASSWORD_RESET")
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
