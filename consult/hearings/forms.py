from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateTimeLocalField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from consult.forms import CheckboxListField, Form, single_line
from consult.models import Visibility
from consult.testimonies.forms import TestimonyContentForm, optional_id


class HearingForm(Form):
    heard = StringField(
        _l("Who is heard"),
        description=_l("A person, or the people speaking for an organisation."),
        validators=[DataRequired(), Length(max=200), single_line])
    organisation = SelectField(_l("Organisation on the platform"), coerce=optional_id)
    organisation_name = StringField(
        _l("Or the organisation's name"),
        description=_l("When it has no page on the platform."),
        validators=[Optional(), Length(max=200), single_line])
    starts_at = DateTimeLocalField(_l("Date and time"), validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300), single_line])
    themes = CheckboxListField(_l("Themes"), coerce=int)
    publication_agreed = BooleanField(
        _l("The person heard agreed that the notes may be published"),
        description=_l("Until they agree, the notes are confidential: read by the "
                       "commissioners only."))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, consultation, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.themes.choices = [SelectChoice(t.id, t.shown_name) for t in consultation.themes]
        self.organisation.choices = [SelectChoice("", _l("None"))] + [
            SelectChoice(o.id, o.name) for o in organisations]


class NotesForm(TestimonyContentForm):
    """The notes of a hearing, recorded as a testimony of channel `hearing`."""

    submit = SubmitField(_l("Record the notes"))

    def __init__(self, *args, hearing, **kwargs):
        super().__init__(*args, consultation=hearing.consultation, **kwargs)
        self.title.label.text = _l("Title (optional)")
        self.body.label.text = _l("Notes of the hearing")
        self.body.description = _l("What was said, in the words of the person heard as far "
                                   "as possible.")
        self.category.label.text = _l("The person heard speaks as")
        self.region.label.text = _l("Their region")
        self.display_name.description = _l("The name under which the notes are published, "
                                           "if the person agreed to be named.")
        if not hearing.publication_agreed:
            self.visibility.choices = [c for c in self.visibility.choices
                                       if c.value == Visibility.CONFIDENTIAL.value]
            self.visibility.data = Visibility.CONFIDENTIAL.value
        elif not self.is_submitted():
            self.visibility.data = Visibility.ANONYMOUS.value
        if not self.is_submitted():
            self.themes.data = [t.id for t in hearing.themes]
            self.display_name.data = hearing.heard
