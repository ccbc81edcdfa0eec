from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from consult.forms import CheckboxListField, Form, single_line
from consult.models import Visibility
from consult.testimonies.attachments import read_upload

VISIBILITY_CHOICES = [
    SelectChoice(Visibility.PUBLIC.value, _l("Public, under my display name")),
    SelectChoice(Visibility.ANONYMOUS.value, _l("Public, without a name")),
    SelectChoice(Visibility.CONFIDENTIAL.value,
                 _l("Confidential: read by the commissioners only, never published")),
]

UPLOAD_REFUSALS = {
    "too_large": _l("“%(name)s” is larger than %(size)d MB."),
    "empty": _l("“%(name)s” is empty."),
    "bad_type": _l("“%(name)s” is not a PDF, ODT, DOCX, PNG or JPEG file."),
}


def megabytes(size: int) -> int:
    return size // (1024 * 1024)


def optional_id(value) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


def set_classification_choices(form, consultation) -> None:
    """Offer the consultation's themes, categories and regions in `form`'s fields."""
    form.themes.choices = [SelectChoice(t.id, t.shown_name) for t in consultation.themes]
    not_said = [SelectChoice("", _l("I prefer not to say"))]
    form.category.choices = not_said + [SelectChoice(c.id, c.shown_name) for c in consultation.categories]
    form.region.choices = not_said + [SelectChoice(r.id, r.shown_name) for r in consultation.regions]


class TestimonyContentForm(Form):
    """What the author writes and may edit while the testimony waits for moderation."""

    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=200), single_line])
    body = TextAreaField(
        _l("Your testimony"),
        description=_l("What you lived, saw or propose. Avoid names and details that identify someone."),
        validators=[DataRequired(message=_l("Write your testimony."))],
    )
    themes = CheckboxListField(_l("Themes"), coerce=int)
    category = SelectField(_l("You speak as"), coerce=optional_id)
    region = SelectField(_l("Your region"), coerce=optional_id)
    visibility = RadioField(_l("Who may read it"), choices=VISIBILITY_CHOICES,
                            default=Visibility.PUBLIC.value)
    display_name = StringField(
        _l("Display name"),
        description=_l("Needed only for a public testimony; it need not be your real name."),
        validators=[Length(max=80), single_line],
    )

    def __init__(self, *args, consultation, **kwargs):
        super().__init__(*args, **kwargs)
        set_classification_choices(self, consultation)

    def validate_body(self, field) -> None:
        field.data = (field.data or "").strip()
        limit = current_app.config["TESTIMONY_MAX_CHARS"]
        if len(field.data) > limit:
            raise ValidationError(
                _l("Your testimony has %(count)d characters; the limit is %(limit)d. "
                   "You can shorten it or add a document as an attachment.",
                   count=len(field.data), limit=limit)
            )

    def validate_themes(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one theme."))

    def validate_display_name(self, field) -> None:
        if self.visibility.data == Visibility.PUBLIC.value and not (field.data or "").strip():
            raise ValidationError(_l("Give a display name, or choose to publish without a name."))

    def content(self) -> dict:
        return {
            "title": (self.title.data or "").strip() or None,
            "body": self.body.data,
            "theme_ids": self.themes.data,
            "category_id": self.category.data,
            "region_id": self.region.data,
            "visibility": Visibility(self.visibility.data),
            "display_name": (self.display_name.data or "").strip() or None,
        }


class SubmitTestimonyForm(TestimonyContentForm):
    contact_email = EmailField(
        _l("E-mail address (optional)"),
        description=_l("To receive your receipt link and news of your testimony. Never published."),
        validators=[Optional(), Email(), Length(max=254)],
    )
    attachments = MultipleFileField(
        _l("Attachments (optional)"),
    )
    consent = BooleanField(
        _l("I agree to the terms of participation."),
        validators=[DataRequired(message=_l("You must agree to the terms to send a testimony."))],
    )
    submission_key = HiddenField(validators=[Length(max=64)])
    #: The checked files, filled in by validate_attachments.
    uploads: list = []
    submit = SubmitField(_l("Send my testimony"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.attachments.description = _l(
            "Up to %(count)d files: PDF, ODT, DOCX, PNG or JPEG, %(size)d MB at most each.",
            count=current_app.config["MAX_ATTACHMENTS"],
            size=megabytes(current_app.config["MAX_ATTACHMENT_BYTES"]),
        )

    def validate_attachments(self, field) -> None:
        files = [f for f in field.data or [] if f and f.filename]
        limit = current_app.config["MAX_ATTACHMENTS"]
        if len(files) > limit:
            raise ValidationError(_l("Attach at most %(limit)d files.", limit=limit))
        self.uploads = []
        for file in files:
            upload = read_upload(file, current_app.config["MAX_ATTACHMENT_BYTES"])
            if isinstance(upload, str):
                raise ValidationError(UPLOAD_REFUSALS[upload] % {
                    "name": file.filename, "size": megabytes(current_app.config["MAX_ATTACHMENT_BYTES"])})
            self.uploads.append(upload)

    def had_files(self) -> bool:
        return any(f and f.filename for f in self.attachments.data or [])


class WithdrawForm(Form):
    """The question asked before a testimony is withdrawn: only its button withdraws."""

    confirm = SubmitField(_l("Withdraw my testimony"))
