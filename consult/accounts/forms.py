from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from consult.forms import Form, single_line, strong_password
from consult.i18n import LANGUAGE_NAMES


class RegisterForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    display_name = StringField(
        _l("Display name"),
        description=_l("Shown with your public testimonies; it need not be your real name."),
        validators=[DataRequired(), Length(max=80), single_line],
    )
    password = PasswordField(
        _l("Password"),
        description=_l("At least 12 characters."),
        validators=[DataRequired(), strong_password],
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Create my account"))


class LoginForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    submit = SubmitField(_l("Log in"))


class EmailForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email()])
    submit = SubmitField(_l("Send the link"))


class ResetPasswordForm(Form):
    password = PasswordField(
        _l("New password"), description=_l("At least 12 characters."),
        validators=[DataRequired(), strong_password],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Change my password"))


class ProfileForm(Form):
    display_name = StringField(
        _l("Display name"), validators=[DataRequired(), Length(max=80), single_line]
    )
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice("", _l("As my browser says"))]
        + [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
    )
    submit = SubmitField(_l("Save"))


class ChangePasswordForm(ResetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])


class SecondFactorForm(Form):
    code = StringField(
        _l("Code from your authenticator app"),
        description=_l("Six digits, renewed every 30 seconds."),
        validators=[DataRequired(), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Confirm"))
