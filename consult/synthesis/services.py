"""Orientations → recommendations → measures: numbering, import from an outline,
publication, and what the public page shows of their evidence."""
from dataclasses import dataclass
from string import ascii_lowercase

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult import audit
from consult.extensions import db
from consult.models import (
    Consultation,
    DraftStatus,
    Evidence,
    Measure,
    Orientation,
    Recommendation,
    Testimony,
    User,
)
from consult.synthesis.outline import OutlineOrientation


def measure_letter(position_index: int) -> str:
    """a, b, …, z, then aa, ab, … (the report never goes past a dozen)."""
    letters = ""
    index = position_index
    while True:
        letters = ascii_lowercase[index % 26] + letters
        index = index // 26 - 1
        if index < 0:
            return letters


@dataclass
class NumberedMeasure:
    number: str
    measure: Measure


@dataclass
class NumberedRecommendation:
    number: str
    recommendation: Recommendation
    measures: list[NumberedMeasure]
    quotes: list[Testimony]


@dataclass
class NumberedOrientation:
    number: str
    orientation: Orientation
    recommendations: list[NumberedRecommendation]


def orientations(consultation: Consultation, *, published_only: bool) -> list[NumberedOrientation]:
    """The consultation's orientations, numbered by position: 1, 1.2, 1.2.a.

    Numbers follow the order, so moving an item renumbers everything after it
    consistently. A public reader gets the published items only, numbered as in the
    full document, and quotes only from published, non-confidential testimonies, in
    their redacted public text.
    """
    rows = db.session.execute(
        select(Orientation).where(Orientation.consultation_id == consultation.id)
        .order_by(Orientation.position, Orientation.id)
        .options(selectinload(Orientation.recommendations).selectinload(Recommendation.measures),
                 selectinload(Orientation.recommendations).selectinload(Recommendation.evidence)
                 .selectinload(Evidence.testimony))
    ).scalars().all()
    result = []
    for o_index, orientation in enumerate(rows, start=1):
        if published_only and orientation.status is not DraftStatus.PUBLISHED:
            continue
        numbered = []
        for r_index, recommendation in enumerate(orientation.recommendations, start=1):
            if published_only and recommendation.status is not DraftStatus.PUBLISHED:
                continue
            number = f"{o_index}.{r_index}"
            quotes = [e.testimony for e in recommendation.evidence if e.testimony.is_public]
            numbered.append(NumberedRecommendation(
                number=number, recommendation=recommendation,
                measures=[NumberedMeasure(f"{number}.{measure_letter(m_index)}", measure)
                          for m_index, measure in enumerate(recommendation.measures)],
                quotes=list({t.id: t for t in quotes}.values())[:3]))
        result.append(NumberedOrientation(str(o_index), orientation, numbered))
    return result


def import_outline(consultation: Consultation, outline: list[OutlineOrientation],
                   actor: User | None = None) -> tuple[int, int, int]:
    """Add the outline's orientations, recommendations and measures as drafts, after
    those already there; all or nothing. Returns how many of each were added."""
    start = len(db.session.execute(
        select(Orientation.id).where(Orientation.consultation_id == consultation.id)).all())
    counts = [0, 0, 0]
    for o_index, item in enumerate(outline):
        orientation = Orientation(consultation=consultation, position=start + o_index,
                                  title=item.title, text=item.text)
        for r_index, rec in enumerate(item.recommendations):
            recommendation = Recommendation(position=r_index, text=rec.text, measures=[
                Measure(position=m_index, text=m.text) for m_index, m in enumerate(rec.measures)])
            orientation.recommendations.append(recommendation)
            counts[2] += len(rec.measures)
        counts[1] += len(item.recommendations)
        counts[0] += 1
        db.session.add(orientation)
    audit.record("recommendations.imported", object_type="consultation",
                 object_id=consultation.id, consultation_id=consultation.id, actor=actor,
                 details={"orientations": counts[0], "recommendations": counts[1],
                          "measures": counts[2]})
    db.session.commit()
    return counts[0], counts[1], counts[2]


def move_recommendation(recommendation: Recommendation, orientation: Orientation,
                        position: int) -> None:
    """Put a recommendation at `position` (0-based) of `orientation`, renumbering both."""
    if orientation.consultation_id != recommendation.orientation.consultation_id:
        raise ValueError("An orientation of another consultation.")
    source = recommendation.orientation
    source.recommendations.remove(recommendation)
    siblings = list(orientation.recommendations)
    siblings.insert(max(0, min(position, len(siblings))), recommendation)
    orientation.recommendations = siblings
    for items in (source.recommendations, orientation.recommendations):
        for index, item in enumerate(items):
            item.position = index
    db.session.commit()


def publish_all(consultation: Consultation, actor: User | None = None) -> None:
    """Publish every orientation and recommendation of the consultation."""
    for orientation in db.session.execute(
        select(Orientation).where(Orientation.consultation_id == consultation.id)
    ).scalars():
        orientation.status = DraftStatus.PUBLISHED
        for recommendation in orientation.recommendations:
            recommendation.status = DraftStatus.PUBLISHED
    audit.record("recommendations.published", object_type="consultation",
                 object_id=consultation.id, consultation_id=consultation.id, actor=actor)
    db.session.commit()
