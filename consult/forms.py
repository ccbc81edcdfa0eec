"""Form pieces shared by several areas."""
from functools import lru_cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets
from wtforms.i18n import get_translations
from wtforms.validators import ValidationError

from consult.accounts.passwords import MIN_PASSWORD_LENGTH, is_common


@lru_cache(maxsize=8)
def _wtforms_translations(language: str):
    return get_translations([language])


def _without_nul(value):
    # No database stores a NUL character in text (PostgreSQL refuses it outright).
    return value.replace("\x00", "") if isinstance(value, str) else value


class Form(FlaskForm):
    """The base of every form: WTForms' own messages come in the person's language too,
    and no text field lets a NUL character through."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_translations(str(get_locale()))

        def bind_field(self, form, unbound_field, options):
            options["filters"] = [*unbound_field.kwargs.get("filters", ()), _without_nul]
            return unbound_field.bind(form=form, **options)


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes (usable without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def strong_password(form, field) -> None:
    if len(field.data or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _l("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)
        )
    if is_common(field.data):
        raise ValidationError(
            _l("This password is among those most often stolen and tried by attackers. "
               "Choose another one, for example a few unrelated words.")
        )


def single_line(form, field) -> None:
    if field.data and any(ch in field.data for ch in "\r\n"):
        raise ValidationError(_l("Keep this on one line."))
