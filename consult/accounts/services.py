"""Accounts: registration, confirmation, log-in checks, password reset, roles."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from consult.extensions import db
from consult.i18n import select_locale
from consult.mail import send_mail
from consult.models import Consultation, Role, RoleAssignment, User, utcnow

_hasher = PasswordHasher()
#: Checked against when the e-mail is unknown, so both cases take as long.
_DUMMY_HASH = _hasher.hash("not a real password")

MIN_PASSWORD_LENGTH = 12


class AccountError(Exception):
    """A rule was broken; the message is meant for the person."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"consult.{purpose}")


def find_user(email: str) -> User | None:
    return db.session.execute(
        db.select(User).filter_by(email=normalise_email(email))
    ).scalar_one_or_none()


def _mail_locale(user: User) -> str:
    """The account's language; for an account that follows the browser, the language
    of the page the request came from."""
    if user.locale:
        return user.locale
    if has_request_context():
        return select_locale()
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _mail_user(user: User, subject, template: str, **context) -> None:
    """Send a message in the account's language (`subject` is lazy, translated here)."""
    with force_locale(_mail_locale(user)):
        send_mail(user.email, str(subject), template, user=user, **context)


def register(email: str, display_name: str, password: str, locale: str | None) -> None:
    """Create an unconfirmed account and send its confirmation link.

    If the address already has an account, its owner is told by e-mail instead, so the
    form never reveals who is registered.
    """
    existing = find_user(email)
    if existing is not None:
        _mail_user(existing, _l("An account already exists"), "account_exists",
                   login_url=url_for("accounts.login", _external=True))
        return
    user = User(
        email=normalise_email(email),
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        locale=locale,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        # Registered in a parallel request a moment ago.
        db.session.rollback()
        return
    send_confirmation(user)


def send_confirmation(user: User) -> None:
    token = _serializer("confirm").dumps({"user": user.id, "email": user.email})
    _mail_user(user, _l("Confirm your e-mail address"), "confirm",
               url=url_for("accounts.confirm", token=token, _external=True))


def confirm_email(token: str) -> User:
    try:
        data = _serializer("confirm").loads(
            token, max_age=current_app.config["CONFIRM_TOKEN_MAX_AGE"]
        )
    except SignatureExpired as error:
        raise AccountError(_("This confirmation link has expired. Ask for a new one.")) from error
    except BadSignature as error:
        raise AccountError(_("This confirmation link is not valid.")) from error
    user = db.session.get(User, data["user"])
    if user is None or user.email != data["email"]:
        raise AccountError(_("This confirmation link is not valid."))
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user with these credentials, or None; upgrades an outdated hash."""
    user = find_user(email)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def _reset_fingerprint(user: User) -> str:
    # Part of the current hash: the link stops working once the password changes.
    return user.password_hash[-16:]


def request_password_reset(email: str) -> None:
    """E-mail a reset link if the address has an account; say nothing either way."""
    user = find_user(email)
    if user is None:
        return
    token = _serializer("reset").dumps({"user": user.id, "fp": _reset_fingerprint(user)})
    _mail_user(user, _l("Reset your password"), "reset",
               url=url_for("accounts.reset_password", token=token, _external=True))


def user_for_reset_token(token: str) -> User:
    try:
        data = _serializer("reset").loads(token, max_age=current_app.config["RESET_TOKEN_MAX_AGE"])
    except BadSignature as error:
        raise AccountError(_("This reset link is not valid or has expired.")) from error
    user = db.session.get(User, data["user"])
    if user is None or data["fp"] != _reset_fingerprint(user):
        raise AccountError(_("This reset link is not valid or has expired."))
    return user


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    # Following a link from the mailbox proves the address too.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    db.session.commit()


def update_profile(user: User, display_name: str, locale: str | None) -> None:
    user.display_name = display_name.strip()
    user.locale = locale or None
    db.session.commit()


def create_confirmed_user(email: str, display_name: str, password: str) -> User:
    """An account whose address needs no confirmation (made by an administrator)."""
    user = User(email=normalise_email(email), display_name=display_name,
                password_hash=hash_password(password), email_confirmed_at=utcnow())
    db.session.add(user)
    db.session.commit()
    return user


def create_admin(email: str, display_name: str, password: str) -> User:
    """Create a confirmed administrator, or make an existing account one."""
    user = find_user(email) or create_confirmed_user(email, display_name, password)
    user.is_admin = True
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    db.session.commit()
    return user


def grant_role(user: User, consultation: Consultation, role: Role) -> bool:
    """Give `role` in `consultation`; False if the user already had it."""
    if user.has_role(consultation.id, role):
        return False
    user.roles.append(RoleAssignment(consultation=consultation, role=role))
    db.session.commit()
    return True


def revoke_role(user: User, consultation: Consultation, role: Role) -> bool:
    for assignment in user.roles:
        if assignment.consultation_id == consultation.id and assignment.role is role:
            user.roles.remove(assignment)
            db.session.commit()
            return True
    return False
