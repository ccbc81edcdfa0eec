from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional

from consult.forms import Form, single_line
from consult.labels import label
from consult.models import Organisation, OrganisationKind, Visibility
from consult.organisations.services import DECISIONS
from consult.testimonies.forms import SubmitTestimonyForm, optional_id


class OrganisationForm(Form):
    """An organisation proposed to take part in a consultation."""

    name = StringField(_l("Name of the organisation"), validators=[
        DataRequired(message=_l("Give the organisation's name.")), Length(max=200), single_line])
    kind = SelectField(_l("Kind of organisation"),
                       choices=[SelectChoice(k.value, label(k)) for k in OrganisationKind],
                       default=OrganisationKind.COMMUNITY.value)
    region = SelectField(_l("Region"), coerce=optional_id)
    description = TextAreaField(
        _l("Description"),
        description=_l("Its mission and the people it works with, in a few lines. Shown on its "
                       "public page once approved."),
        validators=[Optional(), Length(max=5000)],
    )
    submit = SubmitField(_l("Propose the organisation"))

    def __init__(self, *args, consultation, **kwargs):
        super().__init__(*args, **kwargs)
        self.region.choices = [SelectChoice("", _l("No particular region"))] + [
            SelectChoice(r.id, r.shown_name) for r in consultation.regions]


class DecisionForm(Form):
    """An admin's approval or refusal of a proposed organisation."""

    decision = StringField(validators=[AnyOf(list(DECISIONS), message=_l(
        "Choose to approve or to refuse."))])
    note = TextAreaField(_l("Message to the owner (optional)"),
                         validators=[Optional(), Length(max=2000)])


class InviteForm(Form):
    email = EmailField(_l("E-mail address of the person to invite"), validators=[
        DataRequired(message=_l("Give an e-mail address.")), Email(), Length(max=254)])
    submit = SubmitField(_l("Send the invitation"))


BRIEF_VISIBILITY_CHOICES = [
    SelectChoice(Visibility.PUBLIC.value, _l("Public: published in the organisation's name")),
    SelectChoice(Visibility.CONFIDENTIAL.value,
                 _l("Confidential: read by the commissioners only, never published")),
]


class BriefForm(SubmitTestimonyForm):
    """An organisation's brief: the testimony form, with attachments, in the organisation's
    name (no personal display name or address; the region is the organisation's)."""

    title = StringField(_l("Title of the brief"), validators=[
        DataRequired(message=_l("Give the brief a title.")), Length(max=200), single_line])
    body = TextAreaField(
        _l("Summary"),
        description=_l("What the organisation heard and recommends, in a few paragraphs; "
                       "attach the full brief below."),
        validators=[DataRequired(message=_l("Write a summary of the brief."))],
    )
    visibility = RadioField(_l("Who may read it"), choices=BRIEF_VISIBILITY_CHOICES,
                            default=Visibility.PUBLIC.value)
    display_name = None
    contact_email = None
    submit = SubmitField(_l("Send the brief"))

    def content_for(self, organisation: Organisation) -> dict:
        return {
            "title": self.title.data.strip(),
            "body": self.body.data,
            "theme_ids": self.themes.data,
            "category_id": None,
            "region_id": organisation.region_id,
            "visibility": Visibility(self.visibility.data),
            "display_name": None,
        }
