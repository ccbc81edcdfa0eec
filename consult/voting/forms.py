from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from consult.forms import Form, single_line
from consult.testimonies.forms import optional_id
from consult.voting.services import STATEMENT_MAX_LENGTH

#: A printed sheet holds 2 × 5 cards; a few hundred delegates is a large summit.
MAX_CODES = 1000


class DelegateCodeForm(Form):
    code = StringField(_l("Your delegate code"),
                       description=_l("As printed on your card; spaces and dashes do not matter."),
                       validators=[DataRequired(), Length(max=40), single_line])
    submit = SubmitField(_l("Vote with this code"))


class ProfileForm(Form):
    """Who the voter is, for the results by category and region (both optional)."""

    category = SelectField(_l("You are taking part as"), coerce=optional_id)
    region = SelectField(_l("Your region"), coerce=optional_id)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, consultation, with_category: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        none = [SelectChoice("", _l("— I would rather not say —"))]
        self.category.choices = none + [SelectChoice(c.id, c.shown_name) for c in consultation.categories]
        self.region.choices = none + [SelectChoice(r.id, r.shown_name) for r in consultation.regions]
        if not with_category:
            del self.category


class StatementForm(Form):
    text = TextAreaField(_l("Your statement"),
                         description=_l("One short idea others can agree or disagree with "
                                        "(at most %(max)d characters).", max=STATEMENT_MAX_LENGTH),
                         validators=[DataRequired(), Length(max=STATEMENT_MAX_LENGTH)])
    submit = SubmitField(_l("Send for moderation"))


class GenerateCodesForm(Form):
    category = SelectField(_l("Participant category"), coerce=optional_id,
                           validators=[DataRequired()])
    count = IntegerField(_l("How many codes"), default=10, validators=[
        InputRequired(message=_l("Give a number from 1 to %(max)d.", max=MAX_CODES)),
        NumberRange(min=1, max=MAX_CODES,
                    message=_l("Give a number from 1 to %(max)d.", max=MAX_CODES))])
    submit = SubmitField(_l("Make the codes and print them"))

    def __init__(self, *args, consultation, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice("", _l("— Choose —"))] + [
            SelectChoice(c.id, c.shown_name) for c in consultation.categories]
