from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from consult.i18n import day
from consult.labels import label
from consult.models import (
    ENTERED_CHANNELS,
    ENTERED_CONSENTS,
    Channel,
    LocalEvent,
    Testimony,
    Visibility,
)
from consult.testimonies.forms import VISIBILITY_CHOICES, TestimonyContentForm, optional_id


class PersonContentForm(TestimonyContentForm):
    """The testimony form's content fields, worded for someone typing another person's words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.body.label.text = _l("The person's testimony")
        self.body.description = _l("What the person said or wrote, in their words. Leave out "
                                   "names and details that identify someone.")
        self.category.label.text = _l("The person speaks as")
        self.region.label.text = _l("The person's region")
        not_said = SelectChoice("", _l("Not said"))
        self.category.choices[0] = self.region.choices[0] = not_said
        self.visibility.choices = [
            SelectChoice(Visibility.PUBLIC.value, _l("Public, under the name the person chose")),
            *VISIBILITY_CHOICES[1:],
        ]
        self.display_name.description = _l("Needed only for a public testimony: the name the "
                                           "person chose, which need not be their real one.")

    @staticmethod
    def data_of(testimony: Testimony) -> dict:
        """The fields' values for correcting `testimony`."""
        return {"title": testimony.title, "body": testimony.body,
                "themes": [t.id for t in testimony.themes], "category": testimony.category_id,
                "region": testimony.region_id, "visibility": testimony.visibility.value,
                "display_name": testimony.display_name}


class EntryForm(PersonContentForm):
    """The fast form: how the testimony was gathered, then what the person said."""

    channel = RadioField(_l("How it was gathered"),
                         invalid_choice_message=_l("Choose how the testimony was gathered."))
    event = SelectField(_l("Local event"), coerce=optional_id,
                        description=_l("Required for a testimony gathered at a local event."),
                        invalid_choice_message=_l("Choose one of your organisation's events."))
    consent_method = RadioField(_l("How the person agreed"),
                                invalid_choice_message=_l("Choose how the person agreed."))
    consent = BooleanField(
        _l("The person agreed to the terms of participation (as recorded above)."),
        validators=[DataRequired(message=_l("A testimony is entered only with the person's "
                                            "agreement: tick the box once they have given it."))],
    )
    contact_email = EmailField(
        _l("The person's e-mail address (optional)"),
        description=_l("Only to send them the private link to follow their testimony. "
                       "Never published."),
        validators=[Optional(), Email(), Length(max=254)],
    )
    submission_key = HiddenField(validators=[Length(max=64)])
    submit = SubmitField(_l("Save and enter the next one"))

    def __init__(self, *args, events: list[LocalEvent], **kwargs):
        super().__init__(*args, **kwargs)
        self.channel.choices = [SelectChoice(c.value, label(c)) for c in ENTERED_CHANNELS]
        self.consent_method.choices = [SelectChoice(m.value, label(m))
                                       for m in ENTERED_CONSENTS]
        self.event.choices = [SelectChoice("", _l("No event"))] + [
            SelectChoice(e.id, f"{e.title} ({day(e.starts_at)})")
            for e in events]

    def provenance_choices(self) -> dict:
        """The choices kept from one entry to the next; the event only with a local event."""
        at_event = self.channel.data == Channel.LOCAL_EVENT.value
        return {"channel": self.channel.data, "event": self.event.data if at_event else None,
                "consent_method": self.consent_method.data}
