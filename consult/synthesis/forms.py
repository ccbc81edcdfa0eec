from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

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
    code = SelectField(_l("Code"), coerce=optional_id, validators=[DataRequired()])
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
