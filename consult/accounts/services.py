"""Accounts: registration, confirmation, log-in checks and sessions, passwords, roles."""
import hashlib
import hmac
import secrets
import time
from datetime import timedelta
from functools import lru_cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, or_
from sqlalchemy.exc import IntegrityError

from consult import audit
from consult.accounts.passwords import MIN_PASSWORD_LENGTH  # noqa: F401  (used by the CLI)
from consult.extensions import db
from consult.parsing import as_id
from consult.i18n import select_locale
from consult.logs import security_event
from consult.mail import send_mail
from consult.models import Consultation, Role, RoleAssignment, User, UserSession, utcnow



@lru_cache(maxsize=4)
def _hasher_for(time_cost: int, memory_kib: int) -> tuple[PasswordHasher, str]:
    """An argon2id hasher, and a hash to check against when the e-mail is unknown (so
    that both cases take as long)."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
    return hasher, hasher.hash("not a real password")


def _hasher() -> PasswordHasher:
    return _hasher_for(current_app.config["ARGON2_TIME_COST"],
                       current_app.config["ARGON2_MEMORY_KIB"])[0]


class AccountError(Exception):
    """A rule was broken; the message is meant for the person."""


class AccountLocked(AccountError):
    """Too many failed log-ins: the account waits a while before accepting a password."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


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


def register(email: str, display_name: str, password: str, locale: str | None,
             next_path: str | None = None) -> None:
    """Create an unconfirmed account and send its confirmation link, which leads on to
    `next_path` (the page the person was going to, such as an invitation).

    If the address already has an account, its owner is told by e-mail instead, so the
    form never reveals who is registered.
    """
    existing = find_user(email)
    if existing is not None:
        _mail_user(existing, _l("An account already exists"), "account_exists",
                   login_url=url_for("accounts.login", next=next_path, _external=True))
        db.session.commit()
        return
    user = User(
        email=normalise_email(email),
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        locale=locale,
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        # Registered in a parallel request a moment ago.
        db.session.rollback()
        return
    send_confirmation(user, next_path)


def send_confirmation(user: User, next_path: str | None = None) -> None:
    """Mail the confirmation link, which leads on to `next_path` once confirmed; commits,
    with whatever the caller added (the account)."""
    token = _serializer("confirm").dumps({"user": user.id, "email": user.email})
    _mail_user(user, _l("Confirm your e-mail address"), "confirm",
               url=url_for("accounts.confirm", token=token, next=next_path, _external=True))
    db.session.commit()


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
    """The user with these credentials, or None; upgrades an outdated hash.

    After LOGIN_LOCK_THRESHOLD failures in a row the account refuses every password,
    the right one included, for LOGIN_LOCK_MINUTES (raises AccountLocked).
    """
    user = find_user(email)
    now = utcnow()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        security_event("login_refused_locked", user=user.id)
        raise AccountLocked(_l("Too many failed attempts: this account is locked for a few "
                               "minutes. You can also reset your password."))
    try:
        dummy = _hasher_for(current_app.config["ARGON2_TIME_COST"],
                            current_app.config["ARGON2_MEMORY_KIB"])[1]
        _hasher().verify(user.password_hash if user else dummy, password)
    except (VerificationError, InvalidHashError):
        if user is not None:
            _count_failure(user, now)
        security_event("login_failed", user=user.id if user else None)
        return None
    if user is None:
        return None
    user.failed_logins, user.locked_until = 0, None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.commit()
    return user


def _count_failure(user: User, now) -> None:
    config = current_app.config
    user.failed_logins += 1
    if user.failed_logins >= config["LOGIN_LOCK_THRESHOLD"]:
        user.failed_logins = 0
        user.locked_until = now + timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
        security_event("account_locked", user=user.id)
    db.session.commit()


def start_session(user: User) -> str:
    """Record a new logged-in session; returns the token to keep in its cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user=user, token_hash=_token_hash(token)))
    db.session.commit()
    security_event("login", user=user.id)
    return token


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _session_cutoffs(now) -> tuple:
    """A session last seen before the first, or begun before the second, has expired."""
    config = current_app.config
    return (now - timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
            now - timedelta(hours=config["SESSION_MAX_HOURS"]))


def expired_sessions(now) -> Select:
    """Sessions past their idle or absolute time-out (their browser may never come back)."""
    idle, oldest = _session_cutoffs(now)
    return db.select(UserSession).where(
        or_(UserSession.last_seen_at < idle, UserSession.created_at < oldest)
    )


def active_session(user_id: str, token: str | None) -> UserSession | None:
    """The live session for this cookie, or None if it ended, idled out or grew too old."""
    if not token or as_id(user_id) is None:
        return None
    found = db.session.execute(
        db.select(UserSession).filter_by(token_hash=_token_hash(token), user_id=as_id(user_id))
    ).scalar_one_or_none()
    if found is None:
        return None
    now = utcnow()
    idle, oldest = _session_cutoffs(now)
    if found.last_seen_at < idle or found.created_at < oldest:
        db.session.delete(found)
        db.session.commit()
        return None
    # One write a minute at most, not one per request.
    if now - found.last_seen_at > timedelta(minutes=1):
        found.last_seen_at = now
        db.session.commit()
    return found


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(db.delete(UserSession).filter_by(token_hash=_token_hash(token)))
        db.session.commit()


def end_all_sessions(user: User) -> None:
    """Log the person out of every browser: old cookies stop working at once."""
    db.session.execute(db.delete(UserSession).filter_by(user_id=user.id))
    db.session.commit()
    security_event("sessions_ended", user=user.id)


def change_password(user: User, current: str, new: str) -> None:
    try:
        _hasher().verify(user.password_hash, current)
    except (VerificationError, InvalidHashError) as error:
        raise AccountError(_l("Your current password is not this one.")) from error
    set_password(user, new)


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
    db.session.commit()


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
    """Change the password and end every session that used the old one."""
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    # Following a link from the mailbox proves the address too.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    db.session.commit()
    end_all_sessions(user)
    security_event("password_changed", user=user.id)


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
    audit.record("role.granted", object_type="user", object_id=user.id,
                 consultation_id=consultation.id, details={"role": role.value})
    db.session.commit()
    security_event("role_granted", user=user.id, consultation=consultation.id, role=role.value)
    return True


def revoke_role(user: User, consultation: Consultation, role: Role) -> bool:
    for assignment in user.roles:
        if assignment.consultation_id == consultation.id and assignment.role is role:
            user.roles.remove(assignment)
            audit.record("role.revoked", object_type="user", object_id=user.id,
                         consultation_id=consultation.id, details={"role": role.value})
            db.session.commit()
            security_event("role_revoked", user=user.id, consultation=consultation.id,
                           role=role.value)
            return True
    return False


def new_second_factor_secret() -> str:
    return pyotp.random_base32()


def second_factor_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Consult")


def _accept_code(user: User, secret: str, code: str) -> bool:
    """Whether `code` is valid now (one step of clock drift allowed) and not used before."""
    code = "".join(code.split())
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False


def enable_second_factor(user: User, user_session: UserSession, secret: str, code: str) -> None:
    """Keep `secret` once the person proved their app produces its codes."""
    if not _accept_code(user, secret, code):
        security_event("second_factor_failed", user=user.id)
        raise AccountError(_l("This code is not the right one. Check your app's clock and try again."))
    user.totp_secret = secret
    user_session.second_factor_at = utcnow()
    db.session.commit()
    security_event("second_factor_enabled", user=user.id)


def pass_second_factor(user: User, user_session: UserSession, code: str) -> None:
    if user.totp_secret is None or not _accept_code(user, user.totp_secret, code):
        security_event("second_factor_failed", user=user.id)
        raise AccountError(_l("This code is not the right one. Check your app's clock and try again."))
    user_session.second_factor_at = utcnow()
    db.session.commit()
    security_event("second_factor_passed", user=user.id)
