"""Hearings: the commissioners schedule them and record their notes, which become
testimonies of channel `hearing`, confidential unless the person heard agreed."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consult import audit
from consult.extensions import db
from consult.models import (
    Channel,
    ConsentMethod,
    Consultation,
    Hearing,
    Organisation,
    OrganisationStatus,
    Testimony,
    User,
    Visibility,
)
from consult.testimonies.services import Provenance, TestimonyError, submit_testimony


def hearings(consultation: Consultation) -> list[tuple[Hearing, int]]:
    """The consultation's hearings, soonest first, each with its count of notes."""
    notes = (select(Testimony.hearing_id, func.count().label("notes"))
             .where(Testimony.consultation_id == consultation.id,
                    Testimony.hearing_id.is_not(None))
             .group_by(Testimony.hearing_id).subquery())
    return list(db.session.execute(
        select(Hearing, func.coalesce(notes.c.notes, 0))
        .outerjoin(notes, notes.c.hearing_id == Hearing.id)
        .where(Hearing.consultation_id == consultation.id)
        .order_by(Hearing.starts_at, Hearing.id)).all())


def organisations(consultation: Consultation) -> list[Organisation]:
    """The approved organisations a hearing can be linked to."""
    return list(db.session.execute(
        select(Organisation).where(Organisation.consultation_id == consultation.id,
                                   Organisation.status == OrganisationStatus.APPROVED)
        .order_by(Organisation.name)).scalars())


def save_hearing(hearing: Hearing, values: dict, by: User) -> Hearing:
    """Create or change a hearing from the form's `values` (times in UTC)."""
    consultation = hearing.consultation
    organisation_id = values["organisation_id"]
    if organisation_id is not None and organisation_id not in {
            o.id for o in organisations(consultation)}:
        raise TestimonyError(_l("This choice does not belong to this consultation."))
    creating = hearing.id is None
    hearing.heard = values["heard"]
    hearing.organisation_id = organisation_id
    hearing.organisation_name = values["organisation_name"]
    hearing.starts_at = values["starts_at"]
    hearing.place = values["place"]
    hearing.publication_agreed = values["publication_agreed"]
    hearing.themes = [t for t in consultation.themes if t.id in set(values["theme_ids"])]
    if creating:
        hearing.created_by_id = by.id
        db.session.add(hearing)
    db.session.flush()
    audit.record("hearings.scheduled" if creating else "hearings.edited",
                 object_type="hearing", object_id=hearing.id, consultation_id=consultation.id,
                 actor=by)
    db.session.commit()
    return hearing


def record_notes(hearing: Hearing, content: dict, by: User) -> Testimony:
    """The notes become a pending testimony of the hearing, entered by `by` and never
    authored by them; confidential unless the person heard agreed to publication."""
    if not hearing.publication_agreed:
        content = {**content, "visibility": Visibility.CONFIDENTIAL, "display_name": None}
    provenance = Provenance(channel=Channel.HEARING, consent_method=ConsentMethod.ORAL,
                            entered_by=by, organisation=hearing.organisation, hearing=hearing)
    audit.record("hearings.notes_recorded", object_type="hearing", object_id=hearing.id,
                 consultation_id=hearing.consultation_id, actor=by)
    testimony, _token = submit_testimony(hearing.consultation, content, author=None,
                                         provenance=provenance, send_receipt=False)
    return testimony


def notes_of(hearing: Hearing) -> list[Testimony]:
    return list(db.session.execute(
        select(Testimony).where(Testimony.hearing_id == hearing.id).order_by(Testimony.id)
    ).scalars())
