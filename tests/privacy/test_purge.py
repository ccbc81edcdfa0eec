"""`flask consult purge`: contact addresses erased once a consultation's retention period
is over, unconfirmed accounts deleted after a week; counts printed, never addresses."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.accounts import services as accounts
from consult.extensions import db
from consult.models import (
    Attachment,
    Consultation,
    Status,
    Testimony,
    User,
    UserSession,
    Visibility,
    utcnow,
)
from consult.privacy import services

HOUR = timedelta(hours=1)


def purge(runner, *args):
    result = runner.invoke(args=["consult", "purge", *args])
    assert result.exit_code == 0, result.output
    return result.output


def contacts() -> dict[str, str | None]:
    db.session.expire_all()
    rows = db.session.execute(select(Testimony.body, Testimony.contact_email)).all()
    return dict(rows)


def emails() -> set[str]:
    db.session.expire_all()
    return set(db.session.execute(select(User.email)).scalars())


def closed(make_consultation, slug: str, ago: timedelta, retention: int) -> Consultation:
    consultation = make_consultation(slug, "closed")
    consultation.closes_at = utcnow() - ago
    consultation.contact_retention_days = retention
    db.session.commit()
    return consultation


@pytest.fixture
def world(make_consultation, make_testimony, make_user):
    """Testimonies with a contact address in consultations at every side of their
    retention boundary, and accounts on both sides of the unconfirmed-account limit."""
    past = closed(make_consultation, "past", timedelta(days=30) + HOUR, 30)
    not_yet = closed(make_consultation, "not-yet", timedelta(days=30) - HOUR, 30)
    at_once = closed(make_consultation, "at-once", HOUR, 0)
    open_one = make_consultation("open-one", "open")
    open_one.contact_retention_days = 0
    db.session.commit()
    for consultation, body in ((past, "past-1"), (past, "past-2"), (not_yet, "not-yet"),
                               (at_once, "at-once"), (open_one, "open")):
        make_testimony(consultation, body, contact_email=f"{body}@example.org",
                       status=Status.PUBLISHED, visibility=Visibility.ANONYMOUS)
    make_testimony(past, "past-no-contact")

    old = make_user("old-unconfirmed@example.org", confirmed=False)
    old.created_at = utcnow() - timedelta(days=7) - HOUR
    recent = make_user("recent-unconfirmed@example.org", confirmed=False)
    recent.created_at = utcnow() - timedelta(days=7) + HOUR
    confirmed = make_user("old-confirmed@example.org")
    confirmed.created_at = utcnow() - timedelta(days=400)
    db.session.commit()


EXPECTED_CONTACTS = {
    "past-1": None,
    "past-2": None,
    "past-no-contact": None,
    "not-yet": "not-yet@example.org",
    "at-once": None,
    "open": "open@example.org",
}


def test_purge_erases_exactly_what_is_past_its_time(runner, world):
    output = purge(runner)
    assert "Contact e-mail addresses of testimonies: 3 were erased, in 2 consultation(s)" \
        in output
    assert "Accounts unconfirmed after 7 days: 1 were deleted." in output
    assert "@" not in output
    assert contacts() == EXPECTED_CONTACTS
    assert emails() == {"recent-unconfirmed@example.org", "old-confirmed@example.org"}
    # The testimonies themselves stay as they were, published.
    assert db.session.execute(
        select(func.count()).select_from(Testimony).where(Testimony.is_public.is_(True))
    ).scalar_one() == 6


def test_a_second_purge_finds_nothing_more(runner, world):
    purge(runner)
    output = purge(runner)
    assert "Contact e-mail addresses of testimonies: 0 were erased" in output
    assert "Accounts unconfirmed after 7 days: 0 were deleted." in output


def test_dry_run_counts_and_changes_nothing(runner, world):
    before_contacts, before_emails = contacts(), emails()
    output = purge(runner, "--dry-run")
    assert "Contact e-mail addresses of testimonies: 3 would be erased" in output
    assert "Accounts unconfirmed after 7 days: 1 would be deleted." in output
    assert "Dry run: nothing was changed." in output
    assert "@" not in output
    assert contacts() == before_contacts
    assert emails() == before_emails


def test_the_unconfirmed_account_limit_is_a_setting(runner, app, world, monkeypatch):
    monkeypatch.setitem(app.config, "UNCONFIRMED_ACCOUNT_DAYS", 6)
    output = purge(runner)
    assert "Accounts unconfirmed after 6 days: 2 were deleted." in output
    assert emails() == {"old-confirmed@example.org"}


def test_the_retention_boundary_is_exact(make_consultation, make_testimony):
    """Erased once the consultation closed *more* than the retention period ago."""
    now = utcnow()
    consultation = make_consultation("eg", "closed")
    consultation.closes_at = now - timedelta(days=180)
    db.session.commit()
    make_testimony(consultation, "boundary", contact_email="boundary@example.org")
    assert services.purge(now=now).contact_emails == 0
    assert contacts() == {"boundary": "boundary@example.org"}
    assert services.purge(now=now + timedelta(seconds=1)).contact_emails == 1
    assert contacts() == {"boundary": None}


def test_a_consultation_never_closed_keeps_its_contacts(runner, make_consultation,
                                                         make_testimony):
    consultation = make_consultation("eg", "vote")
    consultation.closes_at = None
    consultation.contact_retention_days = 0
    db.session.commit()
    make_testimony(consultation, "kept", contact_email="kept@example.org")
    purge(runner)
    assert contacts() == {"kept": "kept@example.org"}


def test_the_help_says_what_it_does(runner):
    output = purge(runner, "--help")
    assert "Erase the contact details that are no longer needed." in output
    assert "--dry-run" in output


def test_purge_ends_expired_sessions_and_forgets_old_upload_keys(runner, make_user, make_consultation,
                                                                 make_testimony):
    user = make_user("session@example.org")
    accounts.start_session(user)
    accounts.start_session(user)
    rows = db.session.execute(db.select(UserSession).order_by(UserSession.id)).scalars().all()
    rows[0].last_seen_at = utcnow() - timedelta(hours=1)
    consultation = make_consultation("quota")
    testimony, _ = make_testimony(consultation)
    for age, key in ((timedelta(hours=25), "ancienne"), (timedelta(hours=1), "recente")):
        db.session.add(Attachment(testimony=testimony, original_name="f.pdf", stored_name=key,
                                  media_type="application/pdf", size=1, uploader_key=key,
                                  created_at=utcnow() - age))
    db.session.commit()
    result = runner.invoke(args=["consult", "purge"])
    assert "Expired sessions: 1 were deleted." in result.output
    assert "Uploader keys older than 24 hours: 1 were erased." in result.output
    assert [s.id for s in db.session.execute(db.select(UserSession)).scalars()] == [rows[1].id]
    keys = sorted(db.session.execute(db.select(Attachment.uploader_key)).scalars())
    assert keys == ["", "recente"]
