import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateTimeLocalField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from consult.consultations.services import slug_taken
from consult.forms import Form, single_line

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


#: The longest name of a theme, category or region (the column's size).
MAX_ITEM_NAME = 150


def _lines(text: str | None) -> list[str]:
    seen, names = set(), []
    for line in (text or "").splitlines():
        name = line.strip()
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


class _Line:
    """One line of a list field, as a validator of single fields sees it."""

    def __init__(self, field, text: str):
        self.data = text
        self.gettext = field.gettext
        self.ngettext = field.ngettext


def short_lines(form, field) -> None:
    """Each line is a name: refuse one too long to store rather than cut it (the same
    rule, and message, as the name field of the list pages)."""
    check = Length(max=MAX_ITEM_NAME)
    for name in _lines(field.data):
        check(form, _Line(field, name))


class ConsultationForm(Form):
    slug = StringField(
        _l("Short name in addresses"),
        description=_l("Lower-case letters, digits and hyphens, e.g. etats-generaux-2024."),
        validators=[DataRequired(), Length(max=60)],
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200), single_line])
    description = TextAreaField(
        _l("What the consultation is about"), validators=[Optional(), Length(max=20_000)]
    )
    title_en = StringField(
        _l("Title in English (optional)"),
        description=_l("Shown to people who read the site in English; the French title "
                       "otherwise."),
        validators=[Optional(), Length(max=200), single_line])
    description_en = TextAreaField(
        _l("What the consultation is about, in English (optional)"),
        validators=[Optional(), Length(max=20_000)])
    opens_at = DateTimeLocalField(_l("Opens for testimonies on"), validators=[Optional()])
    synthesis_at = DateTimeLocalField(_l("Synthesis begins on"), validators=[Optional()])
    vote_at = DateTimeLocalField(_l("Vote begins on"), validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes on"), validators=[Optional()])
    contact_retention_days = IntegerField(
        _l("Keep contact e-mail addresses for (days after closing)"),
        description=_l("People without an account may leave an e-mail address with their "
                       "testimony, to hear about it. These addresses are erased this many days "
                       "after the consultation closes (0 to 3650; 0 erases them at closing)."),
        default=180,
        validators=[InputRequired(message=_l("Give a number of days, from 0 to 3650.")),
                    NumberRange(min=0, max=3650,
                                message=_l("Give a number of days, from 0 to 3650."))],
    )
    flag_threshold = IntegerField(
        _l("Flags that hide a published testimony"),
        description=_l("When this many different people flag a published testimony, it is "
                       "hidden until a moderator looks at it again (1 to 100)."),
        default=3,
        validators=[InputRequired(message=_l("Give a number from 1 to 100.")),
                    NumberRange(min=1, max=100, message=_l("Give a number from 1 to 100."))],
    )
    participant_statements = BooleanField(
        _l("Participants may add statements of their own to the vote"),
        description=_l("During the vote phase; each one goes through moderation first."))
    shuffle_votes = BooleanField(
        _l("Show the items to vote on in an order of each voter's own"), default=True)
    min_votes_for_groups = IntegerField(
        _l("Votes needed to be placed in an opinion group"),
        description=_l("1 to 100; left empty, 7 (as in Polis)."),
        default=7,
        filters=[lambda value: 7 if value is None else value],
        validators=[Optional(),
                    NumberRange(min=1, max=100, message=_l("Give a number from 1 to 100."))],
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, consultation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.consultation = consultation

    def validate_slug(self, field) -> None:
        field.data = (field.data or "").strip().lower()
        if not SLUG.match(field.data):
            raise ValidationError(_l("Use lower-case letters, digits and single hyphens only."))
        if slug_taken(field.data, exclude_id=self.consultation.id if self.consultation else None):
            raise ValidationError(_l("Another consultation already uses this short name."))


class NewConsultationForm(ConsultationForm):
    themes = TextAreaField(_l("Themes, one per line"), validators=[Optional(), short_lines])
    categories = TextAreaField(
        _l("Participant categories, one per line"), validators=[Optional(), short_lines]
    )
    regions = TextAreaField(_l("Regions, one per line"), validators=[Optional(), short_lines])

    def initial_lists(self) -> dict[str, list[str]]:
        return {kind: _lines(getattr(self, kind).data) for kind in ("themes", "categories", "regions")}


class ListItemForm(Form):
    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=MAX_ITEM_NAME), single_line]
    )
    name_en = StringField(
        _l("Name in English (optional)"),
        validators=[Optional(), Length(max=MAX_ITEM_NAME), single_line]
    )
    submit = SubmitField(_l("Add"))
