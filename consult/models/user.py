"""People with an account and the roles they hold."""
import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.models.base import Base, str_enum, utcnow


class Role(enum.StrEnum):
    """Roles held within one consultation (admin is global, on the user)."""

    MODERATOR = "moderator"
    COMMISSIONER = "commissioner"
    FACILITATOR = "facilitator"
    #: Works for the commission: reads (confidential included) and codes; cannot publish,
    #: moderate or export.
    ANALYST = "analyst"


STAFF_ROLES = (Role.MODERATOR, Role.COMMISSIONER, Role.ANALYST)


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; personal data, never shown publicly or logged.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Preferred interface language; None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(5))
    email_confirmed_at: Mapped[datetime | None]
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: Failed log-ins since the last success, and the lock they may have set.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    #: Base32 secret of the authenticator app (second factor); None until set up.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: Time step of the last code accepted, so that a code cannot be used twice.
    totp_last_step: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    roles: Mapped[list["RoleAssignment"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    sessions: Mapped[list["UserSession"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def has_role(self, consultation_id: int, *roles: Role) -> bool:
        return any(r.consultation_id == consultation_id and r.role in roles for r in self.roles)

    @property
    def needs_second_factor(self) -> bool:
        """Staff (admins, moderators, commissioners, analysts) reach their pages with a second factor."""
        return self.is_admin or any(r.role in STAFF_ROLES for r in self.roles)


class UserSession(Base):
    """A logged-in browser. Deleting the row ends the session, whatever cookie it holds."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the random token kept in the session cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the second factor was checked in this session.
    second_factor_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="sessions")


class RoleAssignment(Base):
    """A user's role in one consultation."""

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("user_id", "consultation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")
    consultation: Mapped["Consultation"] = relationship()  # noqa: F821
