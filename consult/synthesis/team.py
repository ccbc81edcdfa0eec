"""Reading shared among a team: who is given which testimonies, how far each reader
has gone, and double-coded samples with the agreement of their two readers (Cohen's κ)."""
import random
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update

from consult import audit
from consult.extensions import db
from consult.models import (
    Assignment,
    Code,
    CodingSample,
    Consultation,
    Excerpt,
    Reading,
    RoleAssignment,
    Testimony,
    User,
)
from consult.access import READERS
from consult.synthesis.services import SynthesisError, codebook

#: Rows written or changed per statement (SQLite takes at most 32,766 parameters).
BATCH = 500


def readers(consultation: Consultation) -> list[User]:
    """The people who read and code the consultation's testimonies, by name."""
    return list(db.session.execute(
        select(User).join(RoleAssignment).where(RoleAssignment.consultation_id == consultation.id,
                                                RoleAssignment.role.in_(READERS))
        .distinct().order_by(User.display_name, User.id)).scalars())


def assign(consultation: Consultation, query, reader: User, actor: User, *,
           count: int | None = None, second_reader: User | None = None) -> int:
    """Give the testimonies of a reading-room list (all, or `count` drawn at random) to
    a reader; with a second reader, to both as a double-coded sample, drawn among those
    neither has read. Returns how many testimonies were given."""
    pair = [reader] if second_reader is None else [reader, second_reader]
    if second_reader is not None and second_reader.id == reader.id:
        raise SynthesisError(_l("A double-coded sample needs two different readers."))
    ids = query.with_only_columns(Testimony.id).order_by(Testimony.id)
    if second_reader is not None:
        ids = ids.where(Testimony.id.not_in(select(Reading.testimony_id).where(
            Reading.user_id.in_([person.id for person in pair]))))
    ids = list(db.session.execute(ids).scalars())
    if count is not None and count < len(ids):
        ids = sorted(random.sample(ids, count))
    if not ids:
        raise SynthesisError(_l("No testimony to give: the list is empty."))
    sample = None
    if second_reader is not None:
        sample = CodingSample(consultation_id=consultation.id, first_reader_id=reader.id,
                              second_reader_id=second_reader.id, created_by_id=actor.id)
        db.session.add(sample)
        db.session.flush()
    for person in pair:
        _give(consultation, person, actor, ids, sample)
    audit.record("reading.assigned", object_type="consultation", object_id=consultation.id,
                 consultation_id=consultation.id, actor=actor,
                 details={"readers": [person.id for person in pair], "testimonies": len(ids),
                          "sample": sample.id if sample is not None else None})
    db.session.commit()
    return len(ids)


def _give(consultation: Consultation, person: User, actor: User, ids: list[int],
          sample: CodingSample | None) -> None:
    held = set(db.session.execute(select(Assignment.testimony_id).where(
        Assignment.consultation_id == consultation.id, Assignment.user_id == person.id))
        .scalars())
    new = [{"consultation_id": consultation.id, "user_id": person.id, "testimony_id": id_,
            "sample_id": sample.id if sample is not None else None,
            "assigned_by_id": actor.id} for id_ in ids if id_ not in held]
    for rows in _chunks(new):
        db.session.execute(insert(Assignment), rows)
    if sample is not None:
        for chunk in _chunks([id_ for id_ in ids if id_ in held]):
            db.session.execute(update(Assignment).where(
                Assignment.user_id == person.id, Assignment.testimony_id.in_(chunk))
                .values(sample_id=sample.id))


def _chunks(items: list) -> list[list]:
    return [items[start:start + BATCH] for start in range(0, len(items), BATCH)]


@dataclass(frozen=True)
class Progress:
    reader: User
    assigned: int
    read: int


def progress(consultation: Consultation) -> list[Progress]:
    """Each reader's testimonies given, and how many of them they have read."""
    done = select(Reading.id).where(Reading.user_id == Assignment.user_id,
                                    Reading.testimony_id == Assignment.testimony_id).exists()
    counts = {user_id: (assigned, read) for user_id, assigned, read in db.session.execute(
        select(Assignment.user_id, func.count(), func.count().filter(done))
        .where(Assignment.consultation_id == consultation.id).group_by(Assignment.user_id))}
    people = {person.id: person for person in readers(consultation)}
    people.update((person.id, person) for person in db.session.execute(
        select(User).where(User.id.in_(counts.keys() - people.keys()))).scalars())
    return [Progress(person, *counts.get(person.id, (0, 0))) for person in people.values()]


def kappa(both: int, first_only: int, second_only: int, neither: int) -> float | None:
    """Cohen's κ of two readers' yes/no decisions on the same units, from the four cells
    of their table; None when chance agreement is certain (both always said the same
    one thing), where κ is undefined."""
    n = both + first_only + second_only + neither
    if n == 0:
        return None
    observed = (both + neither) / n
    first_yes, second_yes = (both + first_only) / n, (both + second_only) / n
    expected = first_yes * second_yes + (1 - first_yes) * (1 - second_yes)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


@dataclass
class CodeAgreement:
    code: Code
    #: Testimonies coded by both readers, by the first only, by the second only, by neither.
    both: int = 0
    first_only: int = 0
    second_only: int = 0
    neither: int = 0

    @property
    def size(self) -> int:
        return self.both + self.first_only + self.second_only + self.neither

    @property
    def observed(self) -> float | None:
        return (self.both + self.neither) / self.size if self.size else None

    @property
    def kappa(self) -> float | None:
        return kappa(self.both, self.first_only, self.second_only, self.neither)


@dataclass
class Disagreement:
    testimony_id: int
    #: The codes only the first reader applied, and those only the second applied.
    first: list[Code] = field(default_factory=list)
    second: list[Code] = field(default_factory=list)


@dataclass
class Agreement:
    sample: CodingSample
    #: Testimonies in the sample, and how many both readers have read (the units of κ).
    testimonies: int
    compared: int
    codes: list[CodeAgreement]
    disagreements: list[Disagreement]

    @property
    def finished(self) -> bool:
        return self.compared == self.testimonies


def samples(consultation: Consultation) -> list[CodingSample]:
    return list(db.session.execute(select(CodingSample).where(
        CodingSample.consultation_id == consultation.id).order_by(CodingSample.id)).scalars())


def agreement(sample: CodingSample) -> Agreement:
    """How alike the two readers coded the testimonies of the sample that both have read.
    The unit is a testimony × a code of the codebook, applied or not (a parent code is
    applied when it or one of its children is); κ per code, and the testimonies where
    they differ, code by code."""
    readers_ids = (sample.first_reader_id, sample.second_reader_id)
    testimony_ids = list(db.session.execute(select(Assignment.testimony_id).where(
        Assignment.sample_id == sample.id, Assignment.user_id == sample.first_reader_id)
        .order_by(Assignment.testimony_id)).scalars())
    read = {reader: set(db.session.execute(select(Reading.testimony_id).where(
        Reading.user_id == reader, Reading.testimony_id.in_(
            select(Assignment.testimony_id).where(Assignment.sample_id == sample.id))))
        .scalars()) for reader in readers_ids}
    compared = [id_ for id_ in testimony_ids if all(id_ in read[r] for r in readers_ids)]
    applied: dict[tuple[int, int], set[int]] = {}
    for reader, testimony, code_id, parent_id in db.session.execute(
            select(Excerpt.created_by_id, Excerpt.testimony_id, Code.id, Code.parent_id)
            .join(Code, Code.id == Excerpt.code_id).where(
                Excerpt.created_by_id.in_(readers_ids),
                Excerpt.testimony_id.in_(select(Assignment.testimony_id).where(
                    Assignment.sample_id == sample.id)))):
        applied.setdefault((reader, testimony), set()).update(
            {code_id} | ({parent_id} if parent_id is not None else set()))
    codes = [code for parent in codebook(db.session.get(Consultation, sample.consultation_id))
             for code in (parent, *parent.children)]
    by_code = [CodeAgreement(code) for code in codes]
    disagreements = []
    for testimony in compared:
        first = applied.get((sample.first_reader_id, testimony), set())
        second = applied.get((sample.second_reader_id, testimony), set())
        for row in by_code:
            cell = {(True, True): "both", (True, False): "first_only",
                    (False, True): "second_only", (False, False): "neither"}[
                (row.code.id in first, row.code.id in second)]
            setattr(row, cell, getattr(row, cell) + 1)
        if first != second:
            disagreements.append(Disagreement(
                testimony, [c for c in codes if c.id in first - second],
                [c for c in codes if c.id in second - first]))
    return Agreement(sample, len(testimony_ids), len(compared), by_code, disagreements)
