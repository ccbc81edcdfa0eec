from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FileField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from consult.events.services import EventValues
from consult.forms import CheckboxListField, Form, single_line
from consult.i18n import local_to_utc, utc_to_local
from consult.testimonies.attachments import read_upload
from consult.testimonies.forms import UPLOAD_REFUSALS, megabytes, optional_id

MAX_ATTENDANCE = 100_000


class EventForm(Form):
    """An event as its organisation's facilitators schedule it, times in local time."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200), single_line])
    description = TextAreaField(
        _l("Description"),
        description=_l("What will be discussed, for whom, and anything people should know "
                       "(access, childcare, interpretation)."),
        validators=[Optional(), Length(max=5000)])
    day = DateField(_l("Date"), validators=[DataRequired()])
    starts = TimeField(_l("Start time"), validators=[DataRequired()])
    ends = TimeField(_l("End time"), validators=[DataRequired()])
    place = StringField(
        _l("Place"),
        description=_l("The address. Leave it empty for an online event."),
        validators=[Length(max=300), single_line])
    online_url = URLField(
        _l("Link to join online"),
        description=_l("An https:// address; shown only to the people holding a seat."),
        validators=[Optional(), Length(max=500)])
    region = SelectField(_l("Region"), coerce=optional_id)
    themes = CheckboxListField(_l("Themes"), coerce=int)
    capacity = IntegerField(
        _l("Seats"),
        description=_l("Leave empty for no limit. Beyond it, people join a waiting list."),
        validators=[Optional(), NumberRange(min=1, max=MAX_ATTENDANCE)])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, consultation, **kwargs):
        super().__init__(*args, **kwargs)
        self.themes.choices = [SelectChoice(t.id, t.shown_name) for t in consultation.themes]
        self.region.choices = [SelectChoice("", _l("No region"))] + [
            SelectChoice(r.id, r.shown_name) for r in consultation.regions]

    def validate_ends(self, field) -> None:
        if self.starts.data and field.data and field.data <= self.starts.data:
            raise ValidationError(_l("The end must come after the start."))

    def validate_place(self, field) -> None:
        field.data = (field.data or "").strip()
        if not field.data and not (self.online_url.data or "").strip():
            raise ValidationError(_l("Give the place, or the link of an online event."))

    def validate_online_url(self, field) -> None:
        field.data = field.data.strip()
        address = urlsplit(field.data)
        if address.scheme != "https" or not address.hostname or any(
                ch.isspace() for ch in field.data):
            raise ValidationError(_l("Give an address that starts with https://."))

    def fill(self, event) -> None:
        """Show `event`'s values, its times in local time."""
        starts = utc_to_local(event.starts_at)
        self.title.data = event.title
        self.description.data = event.description
        self.day.data = starts.date()
        self.starts.data = starts.time()
        self.ends.data = utc_to_local(event.ends_at).time()
        self.place.data = event.place
        self.online_url.data = event.online_url
        self.region.data = event.region_id
        self.themes.data = [t.id for t in event.themes]
        self.capacity.data = event.capacity

    def values(self) -> EventValues:
        return EventValues(
            title=self.title.data.strip(),
            description=(self.description.data or "").strip(),
            starts_at=local_to_utc(datetime.combine(self.day.data, self.starts.data)),
            ends_at=local_to_utc(datetime.combine(self.day.data, self.ends.data)),
            place=self.place.data,
            online_url=self.online_url.data or None,
            region_id=self.region.data,
            theme_ids=self.themes.data or [],
            capacity=self.capacity.data,
        )


class CancelEventForm(Form):
    confirm = BooleanField(
        _l("I confirm the cancellation; everyone registered will be told by e-mail."),
        validators=[DataRequired(message=_l("Tick the box to confirm the cancellation."))])
    submit = SubmitField(_l("Cancel this event"))


class ReportForm(Form):
    """After the event: how many came, the facilitator's report, one file."""

    attendance = IntegerField(
        _l("Attendance"), description=_l("How many people came."),
        validators=[Optional(), NumberRange(min=0, max=MAX_ATTENDANCE)])
    report = TextAreaField(
        _l("Report"),
        description=_l("What was said and decided. Read by your organisation, the "
                       "consultation's moderators and commissioners; never published."),
        validators=[Optional(), Length(max=50_000)])
    report_file = FileField(_l("Attached document (optional)"))
    remove_file = BooleanField(_l("Remove the attached document"))
    submit = SubmitField(_l("Save the report"))
    #: The checked file, filled in by validate_report_file.
    upload = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.report_file.description = _l(
            "One PDF, ODT, DOCX, PNG or JPEG file, %(size)d MB at most; it replaces the "
            "one already attached.",
            size=megabytes(current_app.config["MAX_ATTACHMENT_BYTES"]))

    def validate_report_file(self, field) -> None:
        self.upload = None
        if not (field.data and field.data.filename):
            return
        upload = read_upload(field.data, current_app.config["MAX_ATTACHMENT_BYTES"])
        if isinstance(upload, str):
            raise ValidationError(UPLOAD_REFUSALS[upload] % {
                "name": field.data.filename,
                "size": megabytes(current_app.config["MAX_ATTACHMENT_BYTES"])})
        self.upload = upload
