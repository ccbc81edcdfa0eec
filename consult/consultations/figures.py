"""The public figures of a consultation (testimonies the public may read, in all and by
theme), kept up to date in the transaction that changes them instead of counted on each
view of its page.

Every flush that publishes, withdraws, hides, creates or deletes a public testimony, or
changes the themes of a public one, adds its difference to
Consultation.public_testimonies and Theme.public_testimonies, whichever service made
the change (moderation, withdrawal, readers' flags, an account's deletion), since the
public state of a testimony changes through the ORM only (imports write pending
testimonies). Writes that would bypass it call recount() for their consultation.
"""
from collections import Counter

from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.orm import Session

from consult.extensions import db
from consult.models import Consultation, Testimony, Theme, testimony_themes

#: Where a flush's differences wait, in the session's info, from before it to after it.
PENDING = "consult.public_figures"


def _as_stored_and_to_be(testimony: Testimony, name: str) -> tuple[list, list]:
    """The values of a column or a collection as stored, and as the flush will store them."""
    history = inspect(testimony).attrs[name].history
    if history.empty():
        value = getattr(testimony, name)
        value = list(value) if isinstance(value, list) else [value]
        return value, value
    return [*history.unchanged, *history.deleted], [*history.unchanged, *history.added]


def _counted_in(public: bool, themes: list[Theme]) -> list[Theme | None]:
    """What a testimony counts in: its consultation (None) and each of its themes, if public."""
    return [None, *themes] if public else []


def _differences(session: Session) -> list[tuple[Testimony, Theme | None, int]]:
    differences = []
    for testimony in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(testimony, Testimony):
            continue
        if testimony in session.new:
            was_public, old_themes = False, []
        else:
            stored, to_be = _as_stored_and_to_be(testimony, "is_public")
            if (testimony not in session.deleted and stored == to_be
                    and not inspect(testimony).attrs.themes.history.has_changes()):
                continue
            was_public = stored[0]
            old_themes = _as_stored_and_to_be(testimony, "themes")[0] if was_public else []
            # Read now: after the flush, a deleted row's attributes are not loaded again.
            testimony.consultation_id  # noqa: B018
        is_public = testimony not in session.deleted and testimony.is_public
        differences += [(testimony, theme, -1) for theme in _counted_in(was_public, old_themes)]
        differences += [(testimony, theme, 1)
                        for theme in _counted_in(is_public, list(testimony.themes) if is_public
                                                 else [])]
    return differences


@event.listens_for(Session, "before_flush")
def _note_differences(session: Session, _context, _instances) -> None:
    session.info[PENDING] = _differences(session)


@event.listens_for(Session, "after_flush")
def _add_differences(session: Session, _context) -> None:
    """Add the differences noted before the flush (new rows have their ids now), in the
    flush's transaction; rows in a fixed order, so that two transactions wait rather
    than deadlock."""
    by_row = Counter()
    for testimony, theme, difference in session.info.pop(PENDING, []):
        if theme is None:
            by_row[Consultation.__tablename__, testimony.consultation_id] += difference
        else:
            by_row[Theme.__tablename__, theme.id] += difference
    tables = {model.__tablename__: model.__table__ for model in (Consultation, Theme)}
    for (name, row_id), difference in sorted(by_row.items()):
        if difference:
            table = tables[name]
            session.connection().execute(update(table).where(table.c.id == row_id).values(
                public_testimonies=table.c.public_testimonies + difference))


def counted_afresh(consultation_id: int) -> tuple[int, dict[int, int]]:
    """The figures counted from the testimonies: (in all, by theme id)."""
    public = (Testimony.consultation_id == consultation_id) & Testimony.is_public.is_(True)
    total = db.session.execute(
        select(func.count()).select_from(Testimony).where(public)).scalar_one()
    by_theme = dict(db.session.execute(
        select(testimony_themes.c.theme_id, func.count())
        .join(Testimony, Testimony.id == testimony_themes.c.testimony_id)
        .where(public).group_by(testimony_themes.c.theme_id)).all())
    return total, by_theme


def recount(consultation_id: int) -> None:
    """Set the consultation's figures to a fresh count (after a bulk write that went
    around the ORM, or to repair them); the caller commits."""
    total, by_theme = counted_afresh(consultation_id)
    db.session.execute(update(Consultation.__table__)
                       .where(Consultation.__table__.c.id == consultation_id)
                       .values(public_testimonies=total))
    theme_ids = db.session.execute(
        select(Theme.id).where(Theme.consultation_id == consultation_id)).scalars()
    for theme_id in theme_ids.all():
        db.session.execute(update(Theme.__table__).where(Theme.__table__.c.id == theme_id)
                           .values(public_testimonies=by_theme.get(theme_id, 0)))
    db.session.expire_all()
