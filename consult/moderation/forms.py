from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from consult.forms import CheckboxListField, Form
from consult.moderation.services import FLAG_REASONS
from consult.testimonies.forms import optional_id, set_classification_choices


class VersionedForm(Form):
    #: The version of the testimony the moderator looked at (two moderators at once).
    version = HiddenField(validators=[DataRequired()])


class DecisionForm(Form):
    #: The version decided on; the bulk form sends one per testimony instead.
    version = HiddenField()
    #: Sent by the button pressed (so not a hidden field, which would come first).
    action = StringField(validators=[DataRequired()])
    reason = SelectField(_l("Reason"), coerce=optional_id, validate_choice=False)
    note = TextAreaField(
        _l("Message to the author"),
        description=_l("Why it is not published, or what to change. The author reads it."),
        validators=[Optional(), Length(max=2000)],
    )

    def __init__(self, *args, consultation, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = [SelectChoice("", _l("— No reason from the list —"))] + [
            SelectChoice(r.id, r.shown_name) for r in consultation.rejection_reasons]


class RedactionForm(VersionedForm):
    passage = StringField(
        _l("Or quote a passage to mask"),
        description=_l("Copy it exactly as it appears in the text."),
        validators=[Optional(), Length(max=2000)],
    )
    replacement = StringField(_l("Replace with"), default="[…]",
                              validators=[DataRequired(), Length(max=40)])
    submit = SubmitField(_l("Mask"))


class FlagForm(Form):
    reason = RadioField(_l("Why should a moderator look at it again?"),
                        choices=[SelectChoice(k, v) for k, v in FLAG_REASONS.items()],
                        validators=[DataRequired()])
    comment = TextAreaField(_l("Details (optional)"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Send"))


class ReclassifyForm(VersionedForm):
    themes = CheckboxListField(_l("Themes"), coerce=int)
    category = SelectField(_l("Participant category"), coerce=optional_id)
    region = SelectField(_l("Region"), coerce=optional_id)
    submit = SubmitField(_l("Reclassify"))

    def __init__(self, *args, consultation, **kwargs):
        super().__init__(*args, **kwargs)
        set_classification_choices(self, consultation)
