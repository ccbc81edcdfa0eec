from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from consult.forms import Form, single_line
from consult.parsing import as_id
from consult.testimonies.forms import optional_id


def _code_choices(codes) -> list[SelectChoice]:
    choices = []
    for code in codes:
        choices.append(SelectChoice(code.id, code.name))
        choices += [SelectChoice(child.id, f"{code.name} › {child.name}") for child in code.children]
    return choices


class CodingForm(Form):
    code = SelectField(_l("Code"), coerce=optional_id, validators=[DataRequired()],
                       render_kw={"accesskey": "c"})
    #: Where the passage starts in the text, when it was selected with the mouse.
    start = HiddenField(filters=[as_id])
    passage = TextAreaField(
        _l("Passage (optional)"),
        description=_l("Copy the passage exactly as written; leave empty to code the whole "
                       "testimony."),
        validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Apply the code"))

    def __init__(self, *args, codes, **kwargs):
        super().__init__(*args, **kwargs)
        self.code.choices = [SelectChoice("", _l("— Choose —"))] + _code_choices(codes)


class AssignForm(Form):
    """Give the testimonies of the reading room's list to a reader (or two)."""

    reader = SelectField(_l("Reader"), coerce=optional_id, validators=[DataRequired()])
    count = IntegerField(_l("How many, drawn at random (optional)"),
                         description=_l("Leave empty to give every testimony of the list."),
                         validators=[Optional(), NumberRange(min=1, max=100_000)])
    second_reader = SelectField(
        _l("Double coding with (optional)"), coerce=optional_id,
        description=_l("Both readers code the same testimonies, each without seeing the "
                       "other's codes until both have read them all."))
    submit = SubmitField(_l("Give these testimonies"))

    def __init__(self, *args, readers, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [SelectChoice(person.id, person.display_name) for person in readers]
        self.reader.choices = [SelectChoice("", _l("— Choose —"))] + choices
        self.second_reader.choices = [SelectChoice("", _l("— No one —"))] + choices

    def validate_second_reader(self, field):
        if field.data is not None and field.data == self.reader.data:
            raise ValidationError(_l("A double-coded sample needs two different readers."))


class CodeForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120), single_line])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    parent = SelectField(_l("Under"), coerce=optional_id)
    submit = SubmitField(_l("Add the code"))

    def __init__(self, *args, parents, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent.choices = [SelectChoice("", _l("— Top level —"))] + [
            SelectChoice(code.id, code.name) for code in parents]


class ItemTextForm(Form):
    """The wording of an orientation (title and explanation), recommendation or measure."""

    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=5000)])
    details = TextAreaField(_l("Explanation (optional)"), validators=[Optional(), Length(max=20_000)])
    submit = SubmitField(_l("Save"))


class ItemForm(ItemTextForm):
    """A new orientation, recommendation or measure, under its parent."""

    kind = StringField(validators=[DataRequired()])
    parent = StringField(filters=[as_id])


class OutlineUploadForm(Form):
    file = FileField(_l("Report outline"),
                     description=_l("Plain text, Markdown or Word (.docx)."),
                     validators=[FileRequired(message=_l("Choose a file."))])
    submit = SubmitField(_l("Preview"))


class OutlineConfirmForm(Form):
    """The outline's text as read from the file just previewed, imported as it was shown."""

    text = HiddenField(validators=[DataRequired()])
    unit = HiddenField()
    submit = SubmitField(_l("Import as drafts"))
