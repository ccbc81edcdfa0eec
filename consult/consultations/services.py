"""Consultations and their lists of themes, participant categories, regions and reasons
for not publishing."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import (
    Consultation,
    Membership,
    Organisation,
    ParticipantCategory,
    Region,
    RejectionReason,
    Testimony,
    Theme,
    testimony_themes,
)
from consult.models.consultation import PHASE_STARTS


class ConsultationError(Exception):
    """A rule was broken; the message is meant for the person.

    `field` names the form field the message is about, when there is one.
    """

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ListKind:
    model: type
    title: object
    item_label: object
    #: The consultation's relationship holding the list.
    attribute: str

    def items(self, consultation: Consultation) -> list:
        """The consultation's items of this list, in their order."""
        return getattr(consultation, self.attribute)


LIST_KINDS = {
    "themes": ListKind(Theme, _l("Themes"), _l("Theme"), "themes"),
    "categories": ListKind(ParticipantCategory, _l("Participant categories"), _l("Category"),
                           "categories"),
    "regions": ListKind(Region, _l("Regions"), _l("Region"), "regions"),
    "reasons": ListKind(RejectionReason, _l("Reasons for not publishing"), _l("Reason"),
                        "rejection_reasons"),
}


def public_consultations() -> list[Consultation]:
    """Consultations past their draft phase, newest first."""
    rows = db.session.execute(
        db.select(Consultation).order_by(Consultation.created_at.desc(), Consultation.id.desc())
    ).scalars()
    return [c for c in rows if c.is_public]


def all_consultations() -> list[Consultation]:
    return list(
        db.session.execute(db.select(Consultation).order_by(Consultation.id.desc())).scalars()
    )


def slug_taken(slug: str, exclude_id: int | None = None) -> bool:
    query = db.select(Consultation.id).filter_by(slug=slug)
    if exclude_id is not None:
        query = query.where(Consultation.id != exclude_id)
    return db.session.execute(query).first() is not None


def check_phase_order(dates: dict[str, datetime | None]) -> None:
    """Phases must be scheduled in order, without gaps."""
    previous = None
    for _phase, attribute in PHASE_STARTS:
        start = dates.get(attribute)
        if start is None:
            previous = "gap"
            continue
        if previous == "gap":
            raise ConsultationError(_l("Schedule the earlier phases before this one."),
                                    field=attribute)
        if previous is not None and start <= previous:
            raise ConsultationError(_l("Each phase must start after the previous one."),
                                    field=attribute)
        previous = start


def save_consultation(consultation: Consultation | None, data: dict) -> Consultation:
    """Create or update a consultation from validated form data."""
    check_phase_order(data)
    if consultation is None:
        consultation = Consultation()
        db.session.add(consultation)
        for kind, names in data.get("initial_lists", {}).items():
            for position, name in enumerate(names):
                LIST_KINDS[kind].items(consultation).append(
                    LIST_KINDS[kind].model(name=name, position=position))
    for field in ("slug", "title", "description", "title_en", "description_en",
                  "contact_retention_days", "flag_threshold",
                  "participant_statements", "shuffle_votes", "min_votes_for_groups",
                  *(a for _p, a in PHASE_STARTS)):
        setattr(consultation, field, data[field])
    db.session.commit()
    return consultation


def _item_or_error(consultation: Consultation, kind: str, item_id: int):
    item = db.session.get(LIST_KINDS[kind].model, item_id)
    if item is None or item.consultation_id != consultation.id:
        raise ConsultationError(_l("This item no longer exists."))
    return item


def _name_taken(consultation: Consultation, kind: str, name: str, exclude_id: int | None) -> bool:
    return any(
        item.name.casefold() == name.casefold() and item.id != exclude_id
        for item in LIST_KINDS[kind].items(consultation)
    )


def add_list_item(consultation: Consultation, kind: str, name: str, name_en: str = "") -> None:
    """Add an item at the end of a list, with its English name if the admin gave one."""
    name = name.strip()
    if _name_taken(consultation, kind, name, None):
        raise ConsultationError(_l("“%(name)s” is already in the list.", name=name))
    items = LIST_KINDS[kind].items(consultation)
    position = max((item.position for item in items), default=-1) + 1
    items.append(LIST_KINDS[kind].model(name=name, name_en=name_en.strip(), position=position))
    db.session.commit()


def rename_list_item(consultation: Consultation, kind: str, item_id: int, name: str,
                     name_en: str = "") -> None:
    item = _item_or_error(consultation, kind, item_id)
    name = name.strip()
    if _name_taken(consultation, kind, name, item.id):
        raise ConsultationError(_l("“%(name)s” is already in the list.", name=name))
    item.name, item.name_en = name, name_en.strip()
    db.session.commit()


def _usage_count(kind: str, item_id: int) -> int:
    if kind == "themes":
        query = db.select(func.count()).select_from(testimony_themes).where(
            testimony_themes.c.theme_id == item_id
        )
    else:
        column = {"categories": Testimony.category_id, "regions": Testimony.region_id,
                  "reasons": Testimony.rejection_reason_id}[kind]
        query = db.select(func.count()).select_from(Testimony).where(column == item_id)
    return db.session.execute(query).scalar_one()


def delete_list_item(consultation: Consultation, kind: str, item_id: int) -> None:
    """Remove an item that no testimony uses (those that are used can be renamed)."""
    item = _item_or_error(consultation, kind, item_id)
    used = _usage_count(kind, item.id)
    if used:
        raise ConsultationError(
            _l("“%(name)s” is used by %(count)d testimonies; rename it instead.",
               name=item.name, count=used)
        )
    LIST_KINDS[kind].items(consultation).remove(item)
    db.session.commit()


def move_list_item(consultation: Consultation, kind: str, item_id: int, offset: int) -> None:
    """Move an item one place up (offset -1) or down (+1)."""
    item = _item_or_error(consultation, kind, item_id)
    items = list(LIST_KINDS[kind].items(consultation))
    index = items.index(item)
    target = index + offset
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        for position, each in enumerate(items):
            each.position = position
        db.session.commit()


@dataclass
class PublicFigures:
    published: int
    by_theme: list[tuple[Theme, int]]


def public_figures(consultation: Consultation) -> PublicFigures:
    """How many testimonies are published (confidential ones are never counted here), as
    kept up to date by consult.consultations.figures."""
    return PublicFigures(
        published=consultation.public_testimonies,
        by_theme=[(theme, theme.public_testimonies) for theme in consultation.themes],
    )


def organisations_of(user, consultation: Consultation) -> list[Organisation]:
    """The organisations of `consultation` that `user` acts for (none when logged out)."""
    if not user.is_authenticated:
        return []
    return list(db.session.execute(
        select(Organisation).join(Membership)
        .where(Organisation.consultation_id == consultation.id, Membership.user_id == user.id)
        .order_by(Organisation.name)).scalars())
