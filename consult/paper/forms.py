from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from consult.forms import Form, single_line
from consult.labels import label
from consult.models import ENTERED_CHANNELS, ENTERED_CONSENTS
from consult.testimonies.forms import SubmitTestimonyForm, TestimonyContentForm


class ImportedRowForm(TestimonyContentForm):
    """One row of an imported spreadsheet: the rules of the online form for what the
    person wrote, and how it reached us. Filled from the row, never from a request."""

    key = StringField(_l("Form number"), validators=[
        DataRequired(message=_l("Give each row its form number (the key).")),
        Length(max=100), single_line])
    channel = SelectField(_l("Channel"), choices=[
        SelectChoice(channel.value, label(channel)) for channel in ENTERED_CHANNELS])
    consent = SelectField(_l("Consent"), choices=[
        SelectChoice(method.value, label(method)) for method in ENTERED_CONSENTS])
    contact_email = SubmitTestimonyForm.contact_email

    class Meta:
        csrf = False


class UploadForm(Form):
    file = FileField(_l("Spreadsheet (CSV or XLSX)"),
                     validators=[FileRequired(message=_l("Choose a file."))])
    submit = SubmitField(_l("Check the file"))


class ConfirmForm(Form):
    reference = HiddenField()
    submit = SubmitField(_l("Import these testimonies"))
