"""The synthesis: the codebook and its excerpts, what each commissioner has read, and
orientations → recommendations → measures (numbering, import from an outline,
publication, and what the public page shows of their evidence)."""
import json
from dataclasses import dataclass
from datetime import timedelta
from string import ascii_lowercase
from typing import TYPE_CHECKING

from flask_babel import format_number, gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from consult import audit, search
from consult.extensions import db
from consult.parsing import as_id
from consult.queue import latest_job, new_job
from consult.models import (
    AnalysisRun,
    Assignment,
    Channel,
    Code,
    Consultation,
    DraftStatus,
    Evidence,
    Excerpt,
    Job,
    JobState,
    Measure,
    NearDuplicate,
    Orientation,
    ParticipantCategory,
    Reading,
    Recommendation,
    Region,
    SimilarTestimony,
    Status,
    Testimony,
    Theme,
    TopicMember,
    User,
    Visibility,
    utcnow,
)
from consult.synthesis.outline import OutlineOrientation

if TYPE_CHECKING:
    from consult.synthesis.analysis import Analysis


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


@dataclass(frozen=True)
class Quote:
    testimony: Testimony
    text: str


@dataclass
class NumberedRecommendation:
    number: str
    recommendation: Recommendation
    measures: list[NumberedMeasure]
    quotes: list[Quote]
    #: Published testimonies cited in support (confidential ones counted, not quoted).
    cited: int = 0


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
                 .selectinload(Evidence.testimony),
                 selectinload(Orientation.recommendations).selectinload(Recommendation.evidence)
                 .selectinload(Evidence.excerpt))
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
            quotes = [Quote(e.testimony, str(excerpt_text(e.excerpt, may_read_original=False))
                            if e.excerpt is not None else e.testimony.public_body or "")
                      for e in recommendation.evidence if e.testimony.is_public]
            numbered.append(NumberedRecommendation(
                number=number, recommendation=recommendation,
                measures=[NumberedMeasure(f"{number}.{measure_letter(m_index)}", measure)
                          for m_index, measure in enumerate(recommendation.measures)],
                quotes=list(dict.fromkeys(quotes))[:3],
                cited=len({e.testimony_id for e in recommendation.evidence
                           if e.testimony.status is Status.PUBLISHED})))
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
    with db.session.no_autoflush:
        source = recommendation.orientation
        left_behind = [r for r in source.recommendations if r is not recommendation]
        siblings = [r for r in orientation.recommendations if r is not recommendation]
        siblings.insert(max(0, min(position, len(siblings))), recommendation)
        recommendation.orientation = orientation
        _renumber(left_behind)
        _renumber(siblings)
    db.session.commit()


SynthesisItem = Orientation | Recommendation | Measure


def consultation_id_of(item: SynthesisItem) -> int:
    if isinstance(item, Orientation):
        return item.consultation_id
    if isinstance(item, Recommendation):
        return item.orientation.consultation_id
    return item.recommendation.orientation.consultation_id


def _siblings(item: SynthesisItem) -> list:
    """The item and the others numbered with it, in order."""
    if isinstance(item, Orientation):
        return list(db.session.execute(
            select(Orientation).where(Orientation.consultation_id == item.consultation_id)
            .order_by(Orientation.position, Orientation.id)).scalars())
    if isinstance(item, Recommendation):
        return list(item.orientation.recommendations)
    return list(item.recommendation.measures)


def _renumber(items: list) -> None:
    for index, sibling in enumerate(items):
        sibling.position = index


def _record(action: str, item: SynthesisItem, actor: User | None, **details) -> None:
    audit.record(f"recommendations.{action}", object_type=type(item).__name__.lower(),
                 object_id=item.id, consultation_id=consultation_id_of(item), actor=actor,
                 details=details or None)


def shift(item: SynthesisItem, offset: int, actor: User | None = None) -> None:
    """Move an orientation, recommendation or measure up (-1) or down (+1) among its
    siblings; the numbers of every item follow."""
    siblings = _siblings(item)
    index = siblings.index(item)
    target = max(0, min(index + offset, len(siblings) - 1))
    siblings.insert(target, siblings.pop(index))
    _renumber(siblings)
    _record("moved", item, actor, position=target + 1)
    db.session.commit()


def edit(item: SynthesisItem, text: str, details: str = "", actor: User | None = None) -> None:
    """Change the wording of an item (an orientation has a title and an explanation)."""
    if isinstance(item, Orientation):
        item.title, item.text = text.strip(), details.strip()
    else:
        item.text = text.strip()
    _record("edited", item, actor)
    db.session.commit()


def delete(item: SynthesisItem, actor: User | None = None) -> None:
    """Delete an item with what it contains and renumber the rest."""
    siblings = [sibling for sibling in _siblings(item) if sibling is not item]
    _record("deleted", item, actor, text=item.title if isinstance(item, Orientation) else item.text)
    if isinstance(item, Recommendation):
        item.orientation.recommendations.remove(item)
    elif isinstance(item, Measure):
        item.recommendation.measures.remove(item)
    else:
        db.session.delete(item)
    _renumber(siblings)
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


class SynthesisError(Exception):
    """A rule was broken; the message is meant for the commissioner."""


def add_code(consultation: Consultation, name: str, description: str,
             parent: Code | None) -> Code:
    """A new code of the codebook, at the top or under a top-level code (one level)."""
    if parent is not None and (parent.consultation_id != consultation.id
                               or parent.parent_id is not None):
        raise SynthesisError(_l("Codes nest one level only, within one consultation."))
    code = Code(consultation_id=consultation.id, parent_id=parent.id if parent else None,
                name=name.strip(), description=description.strip())
    db.session.add(code)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise SynthesisError(_l("This code already exists here.")) from error
    return code


def codebook(consultation: Consultation) -> list[Code]:
    """Top-level codes, each with its children."""
    return list(db.session.execute(
        select(Code).where(Code.consultation_id == consultation.id, Code.parent_id.is_(None))
        .order_by(Code.name).options(selectinload(Code.children))
    ).scalars())


def code_family(code_id: int):
    """A query of the code's id and its children's: a parent code gathers their excerpts."""
    return select(Code.id).where((Code.id == code_id) | (Code.parent_id == code_id))


def code_excerpts(code: Code, user: User | None = None) -> list[Excerpt]:
    """The excerpts of the code, with its children's, by testimony (those `user` may see)."""
    query = select(Excerpt).where(Excerpt.code_id.in_(code_family(code.id)))
    if user is not None:
        query = query.where(visible_excerpts(user))
    return list(db.session.execute(query.order_by(Excerpt.testimony_id, Excerpt.id)).scalars())


def testimony_excerpts(testimony: Testimony, user: User) -> list[Excerpt]:
    """The excerpts of a testimony that `user` may see, in the order of the text."""
    return list(db.session.execute(select(Excerpt).where(
        Excerpt.testimony_id == testimony.id, visible_excerpts(user))
        .order_by(Excerpt.start, Excerpt.id)).scalars())


def apply_code(code: Code, testimony: Testimony, actor: User, passage: str = "",
               start: int | None = None) -> Excerpt:
    """Tag the whole testimony, or a passage of its original text: the one selected at
    `start` when given and right, else the first place the quoted passage appears."""
    if code.consultation_id != testimony.consultation_id:
        raise SynthesisError(_l("This code belongs to another consultation."))
    end = None
    quoted = passage.strip()
    if not quoted:
        start = None
    elif start is None or start < 0 or not testimony.body.startswith(quoted, start):
        start = testimony.body.find(quoted)
        if start < 0:
            raise SynthesisError(_l("This passage is not in the testimony as written."))
    if start is not None:
        end = start + len(quoted)
    excerpt = Excerpt(code=code, testimony=testimony, start=start, end=end,
                      created_by_id=actor.id)
    db.session.add(excerpt)
    db.session.commit()
    return excerpt


def highlighted(text: str, excerpts: list[Excerpt]) -> list[tuple[str, bool]]:
    """The text cut into pieces, each marked True where a coded passage covers it."""
    covered = sorted((e.start, e.end) for e in excerpts if e.start is not None)
    pieces: list[tuple[str, bool]] = []
    position = 0
    for start, end in covered:
        start = max(start, position)
        if end <= start:
            continue
        pieces += [(text[position:start], False), (text[start:end], True)]
        position = end
    pieces.append((text[position:], False))
    return [piece for piece in pieces if piece[0]]


def excerpt_text(excerpt: Excerpt, may_read_original: bool) -> str:
    """The passage as this reader may see it: from the original for commissioners;
    otherwise only if no masked passage overlaps it, else the masked public text."""
    testimony = excerpt.testimony
    if excerpt.start is None:
        return testimony.body if may_read_original else (testimony.public_body or "")
    passage = testimony.body[excerpt.start:excerpt.end]
    if may_read_original:
        return passage
    public = testimony.public_body or ""
    return passage if passage in public else _l("[passage masked]")


#: The reading room's views of the list, relative to the person reading it.
VIEWS = ("unread", "assigned", "assigned_unread")


def reading_query(consultation: Consultation, filters: dict[str, str], user: User | None = None,
                  *, public_text: bool = False):
    """Every testimony of the consultation, whatever its status, with the reading
    room's filters (text values as typed in the address; unknown values are ignored),
    and the column to order and page the list by.

    The words are searched in the staff index, the texts as written (confidential and
    unpublished ones included), or with `public_text` in the public index (a public
    export). The views "unread" and "assigned" (to `user`), a topic of the last analysis
    and a near-duplicate group are optional filters; codes hidden from `user` do not
    count."""
    query = select(Testimony).where(Testimony.consultation_id == consultation.id)
    if as_id(filters["theme"]) is not None:
        query = query.where(Testimony.themes.any(Theme.id == as_id(filters["theme"])))
    for name, column in (("category", Testimony.category_id), ("region", Testimony.region_id)):
        if as_id(filters[name]) is not None:
            query = query.where(column == as_id(filters[name]))
    for name, column, enum in (("channel", Testimony.channel, Channel),
                               ("status", Testimony.status, Status),
                               ("visibility", Testimony.visibility, Visibility)):
        if filters[name] in {member.value for member in enum}:
            query = query.where(column == enum(filters[name]))
    if as_id(filters["code"]) is not None:
        coded = select(Excerpt.testimony_id).where(
            Excerpt.code_id.in_(code_family(as_id(filters["code"]))))
        if user is not None:
            coded = coded.where(visible_excerpts(user))
        query = query.where(Testimony.id.in_(coded))
    if user is not None:
        query = _personal_view(query, filters.get("view", ""), user)
    topic = as_id(filters.get("topic", ""))
    if topic is not None:
        query = query.where(Testimony.id.in_(topic_members(consultation, topic)))
    group = as_id(filters.get("group", ""))
    if group is not None:
        query = query.where(Testimony.id.in_([group, *copies_of(consultation, [group]).get(
            group, [])]))
    elif filters["copies"] != "shown":
        folded = folded_copies(consultation)
        if folded is not None:
            query = query.where(Testimony.id.not_in(folded))
    if not search.has_words(filters["q"]):
        return query, Testimony.id
    return search.matching(query, filters["q"], db.engine.dialect.name,
                           search.PUBLIC if public_text else search.STAFF)


def _personal_view(query, view: str, user: User):
    if view in ("assigned", "assigned_unread"):
        query = query.where(Testimony.id.in_(select(Assignment.testimony_id).where(
            Assignment.user_id == user.id)))
    if view in ("unread", "assigned_unread"):
        query = query.where(Testimony.id.not_in(select(Reading.testimony_id).where(
            Reading.user_id == user.id)))
    return query


#: Counts above the list stop here: past it, counting would read every testimony of a
#: large consultation on every page (the page says "more than …").
COUNT_CAP = 1000


@dataclass(frozen=True)
class ListCounts:
    matching: int
    read_by_me: int
    read_by_anyone: int
    cap: int

    def shown(self, value: int) -> str:
        """A count as the page shows it: past the cap, "more than" the cap."""
        if value > self.cap:
            return _("more than %(num)s", num=format_number(self.cap))
        return format_number(value)


def list_counts(query, key, user: User) -> ListCounts:
    """How many testimonies the list holds, how many of them the reader has read, and how
    many someone has read, each counted up to COUNT_CAP + 1.

    Without a search, the testimonies read are counted from the readings, so those counts
    grow with what the team has read, not with the consultation. With one, every count
    follows the search index in its order (`key`), in one pass over its matches: asked
    about each testimony read, FTS5 would rebuild the matches of a prefix each time."""
    searched = key is not Testimony.id
    # "+ 0": SQLite would otherwise hand each testimony read to FTS5 as a rowid to find.
    read = key + 0 if searched else key

    def capped(restricted, ordered: bool):
        return select(func.count()).select_from(
            restricted.with_only_columns(Testimony.id).order_by(key if ordered else None)
            .limit(COUNT_CAP + 1).subquery()).scalar_subquery()

    mine = select(Reading.testimony_id).where(Reading.user_id == user.id)
    anyone = select(Reading.testimony_id)
    matching, read_by_me, read_by_anyone = db.session.execute(select(
        capped(query, True), capped(query.where(read.in_(mine)), searched),
        capped(query.where(read.in_(anyone)), searched))).one()
    return ListCounts(matching, read_by_me, read_by_anyone, COUNT_CAP)


def topic_members(consultation: Consultation, number: int):
    """A query of the testimonies of a topic of the last finished analysis (none if it
    has no such topic)."""
    run = latest_finished_analysis(consultation)
    return select(TopicMember.testimony_id).where(
        TopicMember.run_id == (run.id if run is not None else None), TopicMember.topic == number)


def analysis_topics(consultation: Consultation) -> list[dict]:
    """The topics of the last finished analysis: number, top terms and size."""
    run = latest_finished_analysis(consultation)
    return json.loads(run.topics) if run is not None else []


def neighbours(query, key, testimony_id: int) -> tuple[int | None, int | None]:
    """The testimonies before and after this one in the list `query` gives, in the
    order of `key` (reading_query gives both)."""
    ids = query.with_only_columns(Testimony.id).order_by(None)
    previous = db.session.execute(ids.where(key < testimony_id)
                                  .order_by(key.desc()).limit(1)).scalar()
    following = db.session.execute(ids.where(key > testimony_id)
                                   .order_by(key).limit(1)).scalar()
    return previous, following


def visible_excerpts(user: User):
    """A condition on Excerpt: what `user` may see. On a testimony of a double-coded
    sample they read and that is not finished, a reader sees their own codes only."""
    return (Excerpt.created_by_id == user.id) | Excerpt.testimony_id.not_in(
        blind_testimonies(user))


def blind_testimonies(user: User):
    """A query of the testimonies of the unfinished double-coded samples of `user`."""
    pending = aliased(Assignment)
    unfinished = select(pending.sample_id).where(
        pending.sample_id.is_not(None), ~select(Reading.id).where(
            Reading.user_id == pending.user_id,
            Reading.testimony_id == pending.testimony_id).exists())
    return select(Assignment.testimony_id).where(Assignment.user_id == user.id,
                                                 Assignment.sample_id.in_(unfinished))


def mark_read(user: User, testimony: Testimony) -> None:
    """Mark the testimony as read by this commissioner, with its near-identical copies
    (read once, through the first of them)."""
    ids = [testimony.id, *copies_of(db.session.get(Consultation, testimony.consultation_id),
                                    [testimony.id]).get(testimony.id, [])]
    already = set(db.session.execute(select(Reading.testimony_id).where(
        Reading.user_id == user.id, Reading.testimony_id.in_(ids))).scalars())
    db.session.add_all(Reading(user_id=user.id, testimony_id=id_) for id_ in ids
                       if id_ not in already)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def code_counts(code: Code, user: User | None = None) -> dict[str, list[tuple[str, int]]]:
    """How many testimonies carry the code (or one of its children), by participant
    category, region and channel (of the codes `user` may see)."""
    tagged = select(Excerpt.testimony_id).where(Excerpt.code_id.in_(code_family(code.id)))
    if user is not None:
        tagged = tagged.where(visible_excerpts(user))
    tagged = tagged.distinct().subquery()
    result = {}
    for label, column, join in (
        ("category", ParticipantCategory.shown_name, Testimony.category),
        ("region", Region.shown_name, Testimony.region),
    ):
        rows = db.session.execute(
            select(column, func.count()).select_from(Testimony)
            .join(tagged, tagged.c.testimony_id == Testimony.id).outerjoin(join)
            .group_by(column).order_by(func.count().desc())).all()
        result[label] = [(name or "—", count) for name, count in rows]
    result["channel"] = [(channel, count) for channel, count in db.session.execute(
        select(Testimony.channel, func.count()).select_from(Testimony)
        .join(tagged, tagged.c.testimony_id == Testimony.id).group_by(Testimony.channel)
        .order_by(func.count().desc())).all()]
    return result


#: A run still "running" after this long died with its process; another may start.
ANALYSIS_TIMEOUT = timedelta(hours=1)


def start_analysis(consultation: Consultation) -> tuple[AnalysisRun, bool]:
    """Record that an analysis of the consultation has begun, unless one is under way
    (a double click starts one run); returns the run and whether it is new."""
    running = db.session.execute(
        select(AnalysisRun).where(AnalysisRun.consultation_id == consultation.id,
                                  AnalysisRun.state == "running",
                                  AnalysisRun.started_at > utcnow() - ANALYSIS_TIMEOUT)
        .order_by(AnalysisRun.id.desc()).limit(1)).scalar_one_or_none()
    if running is not None:
        return running, False
    run = AnalysisRun(consultation_id=consultation.id)
    db.session.add(run)
    db.session.commit()
    return run, True


def request_analysis(consultation: Consultation, user: User) -> tuple[Job, bool]:
    """Queue an analysis job unless one is waiting or under way (a double click queues
    one); returns the job and whether it is new. The caller queues the task."""
    job = latest_job("analysis", consultation.id)
    if job is not None and job.state in (JobState.QUEUED, JobState.RUNNING) \
            and job.created_at > utcnow() - ANALYSIS_TIMEOUT:
        return job, False
    job = new_job("analysis", consultation_id=consultation.id, requested_by_id=user.id)
    db.session.commit()
    return job, True


def complete_analysis(run_id: int, topics: int | None = None) -> AnalysisRun:
    """Compute the analysis of a started run and store its result (or its failure)."""
    run = db.session.get(AnalysisRun, run_id)
    consultation = db.session.get(Consultation, run.consultation_id)
    try:
        result, count = analyse_consultation(consultation, topics=topics)
    except Exception:
        run.state, run.finished_at = "failed", utcnow()
        db.session.commit()
        raise
    store_analysis(run, result, count)
    return run


def store_analysis(run: AnalysisRun, result: "Analysis", count: int) -> None:
    """Keep the result of a run of `count` testimonies: the whole of it as JSON for the
    analysis page, the topics and near-duplicates also as rows for the reading room."""
    run.result = json.dumps({
        "topics": [topic.__dict__ for topic in result.topics],
        "duplicate_groups": result.duplicate_groups,
        "similar": {str(key): value for key, value in result.similar.items()},
    }, ensure_ascii=False)
    run.topics = json.dumps([{"number": topic.number, "top_terms": topic.top_terms,
                              "size": len(topic.testimony_ids)} for topic in result.topics],
                            ensure_ascii=False)
    run.testimonies, run.state, run.finished_at = count, "done", utcnow()
    for table, rows in (
        (NearDuplicate, [{"run_id": run.id, "testimony_id": member,
                          "representative_id": group[0]}
                         for group in result.duplicate_groups for member in group[1:]]),
        (TopicMember, [{"run_id": run.id, "topic": topic.number, "testimony_id": id_}
                       for topic in result.topics for id_ in topic.testimony_ids]),
        (SimilarTestimony, [{"run_id": run.id, "testimony_id": id_, "rank": rank,
                             "similar_id": similar, "score": score}
                            for id_, found in result.similar.items()
                            for rank, (similar, score) in enumerate(found)]),
    ):
        if rows:
            db.session.execute(insert(table), rows)
    db.session.commit()


def latest_analysis(consultation: Consultation) -> AnalysisRun | None:
    return db.session.execute(
        select(AnalysisRun).where(AnalysisRun.consultation_id == consultation.id)
        .order_by(AnalysisRun.id.desc()).limit(1)).scalar_one_or_none()


def latest_finished_analysis(consultation: Consultation) -> AnalysisRun | None:
    return db.session.execute(
        select(AnalysisRun).where(AnalysisRun.consultation_id == consultation.id,
                                  AnalysisRun.state == "done")
        .order_by(AnalysisRun.id.desc()).limit(1)).scalar_one_or_none()


def similar_testimonies(consultation: Consultation, testimony_id: int) -> list[tuple[int, float]]:
    """The most similar testimonies, from the last finished analysis."""
    run = latest_finished_analysis(consultation)
    if run is None:
        return []
    return [tuple(row) for row in db.session.execute(
        select(SimilarTestimony.similar_id, SimilarTestimony.score).where(
            SimilarTestimony.testimony_id == testimony_id, SimilarTestimony.run_id == run.id)
        .order_by(SimilarTestimony.rank))]


def folded_copies(consultation: Consultation):
    """A query of the testimonies that the last finished analysis found near-identical
    to an earlier one, so the reading room shows each such text once; None without one."""
    run = latest_finished_analysis(consultation)
    if run is None:
        return None
    return select(NearDuplicate.testimony_id).where(NearDuplicate.run_id == run.id)


def copies_of(consultation: Consultation, ids: list[int]) -> dict[int, list[int]]:
    """For each of these testimonies, the near-identical later ones it stands for."""
    run = latest_finished_analysis(consultation)
    copies: dict[int, list[int]] = {}
    if run is None or not ids:
        return copies
    for representative, testimony in db.session.execute(
            select(NearDuplicate.representative_id, NearDuplicate.testimony_id)
            .where(NearDuplicate.run_id == run.id, NearDuplicate.representative_id.in_(ids))
            .order_by(NearDuplicate.testimony_id)):
        copies.setdefault(representative, []).append(testimony)
    return copies


#: What the commissioners are to read: rejected and withdrawn testimonies are not.
LEFT_UNREAD = (Status.REJECTED, Status.WITHDRAWN)


def analyse_consultation(consultation: Consultation,
                         topics: int | None = None) -> tuple["Analysis", int]:
    """Topics, near-duplicates and similar testimonies of what the commissioners are to
    read (published and still awaiting moderation; rejected and withdrawn testimonies
    left out), from the text as written."""
    # scikit-learn and SciPy load in the process that analyses, not in every process
    # that imports the app (docs/benchmarks.md, "A lean process").
    from consult.synthesis.analysis import analyse

    documents = db.session.execute(
        select(Testimony.id, Testimony.title, Testimony.body).where(
            Testimony.consultation_id == consultation.id,
            Testimony.status.not_in(LEFT_UNREAD)).order_by(Testimony.id)).all()
    return analyse([(id_, f"{title or ''}\n{body}") for id_, title, body in documents],
                   topics=topics), len(documents)


def add_orientation(consultation: Consultation, title: str, text: str) -> Orientation:
    position = len(db.session.execute(select(Orientation.id).where(
        Orientation.consultation_id == consultation.id)).all())
    orientation = Orientation(consultation=consultation, position=position,
                              title=title.strip(), text=text.strip())
    db.session.add(orientation)
    db.session.commit()
    return orientation


def add_recommendation(orientation: Orientation, text: str) -> Recommendation:
    recommendation = Recommendation(position=len(orientation.recommendations), text=text.strip())
    orientation.recommendations.append(recommendation)
    db.session.commit()
    return recommendation


def add_measure(recommendation: Recommendation, text: str) -> Measure:
    measure = Measure(position=len(recommendation.measures), text=text.strip())
    recommendation.measures.append(measure)
    db.session.commit()
    return measure


def set_status(item: Orientation | Recommendation, published: bool, actor: User) -> None:
    item.status = DraftStatus.PUBLISHED if published else DraftStatus.DRAFT
    _record("published" if published else "unpublished", item, actor)
    db.session.commit()


def add_evidence(recommendation: Recommendation, testimony: Testimony,
                 excerpt: Excerpt | None = None) -> bool:
    """Link a published testimony (or one of its excerpts) to a recommendation; False if
    it was. A testimony not yet moderated, or not published, cannot be cited."""
    if (recommendation.orientation.consultation_id != testimony.consultation_id
            or (excerpt is not None and excerpt.testimony_id != testimony.id)):
        raise SynthesisError(_l("This evidence belongs to another consultation."))
    if testimony.status is not Status.PUBLISHED:
        raise SynthesisError(_l("Only published testimonies can be cited in support; "
                                "this one is not published."))
    # A unique constraint does not see two NULL excerpts as equal: check whole testimonies.
    if excerpt is None and db.session.execute(select(Evidence.id).filter_by(
            recommendation_id=recommendation.id, testimony_id=testimony.id,
            excerpt_id=None)).first() is not None:
        return False
    db.session.add(Evidence(recommendation=recommendation, testimony=testimony,
                            excerpt=excerpt))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def evidence_by_category(recommendation: Recommendation) -> list[tuple[str, int]]:
    """How many distinct published testimonies support the recommendation, by participant
    category (one cited, then rejected or withdrawn, no longer counts)."""
    ids = select(Evidence.testimony_id).where(
        Evidence.recommendation_id == recommendation.id).distinct().subquery()
    rows = db.session.execute(
        select(ParticipantCategory.shown_name, func.count()).select_from(Testimony)
        .join(ids, ids.c.testimony_id == Testimony.id).outerjoin(Testimony.category)
        .where(Testimony.status == Status.PUBLISHED)
        .group_by(ParticipantCategory.shown_name).order_by(func.count().desc())).all()
    return [(name or "—", count) for name, count in rows]
