"""Form pieces shared by several areas."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, widgets
from wtforms.validators import ValidationError

from consult.accounts.services import MIN_PASSWORD_LENGTH


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes (usable without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def strong_password(form, field) -> None:
    if len(field.data or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _l("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)
        )


def single_line(form, field) -> None:
    if field.data and any(ch in field.data for ch in "\r\n"):
        raise ValidationError(_l("Keep this on one line."))
