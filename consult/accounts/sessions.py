"""Logged-in sessions, kept on the server: the cookie holds a token of a `UserSession`
row, so ending the row ends the session, whatever copy of the cookie is replayed."""
from flask import g, session
from flask_login import login_user, logout_user

from consult.accounts import services
from consult.extensions import login_manager
from consult.models import User

#: Key of the session-cookie entry holding the token of the server-side session.
SESSION_TOKEN = "session_token"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of a live server-side session; an ended or expired one logs nobody in."""
    user_session = services.active_session(user_id, session.get(SESSION_TOKEN))
    if user_session is None:
        session.pop(SESSION_TOKEN, None)
        return None
    g.user_session = user_session
    return user_session.user


def begin_session(user: User) -> None:
    """Log `user` in with a fresh session: nothing of the session before survives."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    session[SESSION_TOKEN] = services.start_session(user)
    login_user(user)


def end_session() -> None:
    services.end_session(session.get(SESSION_TOKEN))
    logout_user()
    session.clear()
