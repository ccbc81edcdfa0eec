from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, RadioField, SelectChoice, SubmitField
from wtforms.validators import DataRequired, InputRequired

from consult.forms import Form

#: What happens to the published testimonies of a deleted account.
WITHDRAW, KEEP = "withdraw", "keep"


class DeleteAccountForm(Form):
    published = RadioField(
        _l("Your published testimonies"),
        choices=[
            SelectChoice(WITHDRAW, _l("Withdraw them: they leave every public page")),
            SelectChoice(KEEP, _l("Keep them published, without my name (shown as "
                                  "“Anonymous”)")),
        ],
        validators=[InputRequired(
            message=_l("Choose what happens to your published testimonies."))],
    )
    password = PasswordField(
        _l("Your password"),
        description=_l("To confirm that it is you."),
        validators=[DataRequired(message=_l("Type your password to confirm."))],
    )
    submit = SubmitField(_l("Delete my account for good"))

    @property
    def keep_published(self) -> bool:
        return self.published.data == KEEP
