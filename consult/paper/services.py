"""Testimonies typed into a spreadsheet: every row checked with the online form's rules,
then imported all at once or not at all, each row once whatever the number of imports
(its key makes the testimony's submission key). The web pages and `flask consult
import-testimonies` both go through here.

A file is read, checked and written as a stream, in batches of BATCH_ROWS rows: what
stays in memory for the whole file is each row's key and line (to name a key given
twice), and the invalid rows' messages."""
import hashlib
import json
import re
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from consult.audit import record
from consult.extensions import db
from consult.models import (
    Channel,
    ConsentMethod,
    Consultation,
    LocalEvent,
    Organisation,
    Status,
    Testimony,
    User,
    Visibility,
    testimony_themes,
    utcnow,
)
from consult.models.testimony import hash_receipt_token
from consult.paper.forms import ImportedRowForm
from consult.paper.spreadsheet import Rows, plain
from consult.parsing import as_id
from consult.testimonies.services import new_receipt_token

#: Rows checked against earlier imports by one query, and written by one INSERT statement.
BATCH_ROWS = 2_000
#: Rows shown in the preview.
PREVIEW_ROWS = 20
#: An uploaded file is kept a block of this many bytes at a time.
COPIED_BYTES = 1 << 20
#: How long an uploaded file waits for its confirmation.
UPLOAD_MAX_AGE_SECONDS = 3600
_REFERENCE = re.compile(r"[A-Za-z0-9_-]{32}")

#: The values accepted in the visibility, channel and consent columns, in English or French.
VISIBILITIES = {"public": Visibility.PUBLIC, "publique": Visibility.PUBLIC,
                "anonymous": Visibility.ANONYMOUS, "anonyme": Visibility.ANONYMOUS,
                "confidential": Visibility.CONFIDENTIAL, "confidentiel": Visibility.CONFIDENTIAL,
                "confidentielle": Visibility.CONFIDENTIAL}
CHANNELS = {"paper": Channel.PAPER, "papier": Channel.PAPER, "assisted": Channel.ASSISTED,
            "assiste": Channel.ASSISTED, "accompagne": Channel.ASSISTED,
            "local event": Channel.LOCAL_EVENT, "evenement local": Channel.LOCAL_EVENT}
CONSENTS = {"signed form": ConsentMethod.SIGNED_FORM,
            "formulaire signe": ConsentMethod.SIGNED_FORM, "oral": ConsentMethod.ORAL,
            "orale": ConsentMethod.ORAL, "written": ConsentMethod.WRITTEN,
            "ecrit": ConsentMethod.WRITTEN}
#: The spreadsheet column behind each field of ImportedRowForm, to name it in a message.
FIELD_COLUMNS = {"key": "key", "title": "title", "body": "testimony", "themes": "themes",
                 "category": "category", "region": "region", "visibility": "visibility",
                 "display_name": "display_name", "channel": "channel", "consent": "consent",
                 "contact_email": "email"}


class ImportRefused(Exception):
    """Nothing can be imported; the message is meant for the person."""


@dataclass
class Problem:
    line: int
    message: str


@dataclass
class NewRow:
    """A valid row not imported yet, as it will be written."""

    line: int
    key: str
    values: dict
    theme_ids: list[int]
    theme_names: list[str]


@dataclass
class Checked:
    """What a file imports (or would import): how many new rows, the first of them, how
    many were imported before, and every invalid row (when there is one, nothing is
    imported)."""

    new: int = 0
    already: int = 0
    problems: list[Problem] = field(default_factory=list)
    preview: list[NewRow] = field(default_factory=list)


def submission_key(consultation: Consultation, organisation: Organisation | None,
                   key: str) -> str:
    """The testimony's submission key for a row's key: the same row imported again is
    recognised, in this consultation and for this organisation."""
    owner = organisation.id if organisation is not None else "-"
    return hashlib.sha256(f"import:{consultation.id}:{owner}:{key}".encode()).hexdigest()


class _Lists:
    """The consultation's themes, categories and regions by name (without accents or
    case) and by id, and the organisation's events by id."""

    def __init__(self, consultation: Consultation, organisation: Organisation | None):
        self.themes = self._by_name_and_id(consultation.themes)
        self.theme_names = {theme.id: theme.shown_name for theme in consultation.themes}
        self.categories = self._by_name_and_id(consultation.categories)
        self.regions = self._by_name_and_id(consultation.regions)
        self.events = set() if organisation is None else set(db.session.execute(
            select(LocalEvent.id).where(LocalEvent.organisation_id == organisation.id,
                                        LocalEvent.consultation_id == consultation.id)
        ).scalars())

    @staticmethod
    def _by_name_and_id(items) -> dict[str, int]:
        return {plain(item.name): item.id for item in items} | {
            plain(item.name_en): item.id for item in items if item.name_en} | {
            str(item.id): item.id for item in items}

    @staticmethod
    def find(items: dict[str, int], text: str) -> int | None:
        return items.get(plain(text))


class _RowChecker:
    """Checks rows one by one with one ImportedRowForm, filled anew for each row."""

    def __init__(self, consultation: Consultation, organisation: Organisation | None):
        self.consultation, self.organisation = consultation, organisation
        self.lists = _Lists(consultation, organisation)
        self.form = ImportedRowForm(formdata=None, consultation=consultation)
        # `check` fills the choice fields only with values taken from the lists above (or
        # from the channels, consents and visibilities the form offers): WTForms need not
        # look for them again among the choices, row after row.
        for name in ("themes", "category", "region", "visibility", "channel", "consent"):
            self.form[name].validate_choice = False
        self.lines_by_key: dict[str, int] = {}

    def check(self, line: int, row: dict[str, str]) -> tuple[NewRow | None, list[str]]:
        messages, skip = [], set()
        lists = self.lists
        theme_ids = []
        for name in filter(None, (part.strip() for part in row.get("themes", "").split(";"))):
            theme_id = lists.find(lists.themes, name)
            if theme_id is None:
                messages.append(_("Unknown theme “%(name)s”.", name=name))
                skip.add("themes")
            elif theme_id not in theme_ids:
                theme_ids.append(theme_id)
        choices = {}
        for column, items, unknown in (
                ("category", lists.categories, _l("Unknown category “%(name)s”.")),
                ("region", lists.regions, _l("Unknown region “%(name)s”."))):
            text = row.get(column, "")
            choices[column] = lists.find(items, text) if text else None
            if text and choices[column] is None:
                messages.append(str(unknown) % {"name": text})
        visibility = VISIBILITIES.get(plain(row.get("visibility", "")))
        if visibility is None:
            messages.append(_("visibility: write public, anonymous or confidential."))
            skip.add("display_name")
        channel = CHANNELS.get(plain(row.get("channel", "")) or "paper")
        if channel is None:
            messages.append(_("channel: write paper, assisted or local_event."))
        consent = CONSENTS.get(plain(row.get("consent", "")))
        if consent is None:
            messages.append(_("consent: write signed_form, oral or written."))
        event_id = None
        if row.get("event"):
            event_id = as_id(row["event"])
            if event_id not in lists.events:
                messages.append(_("Event %(event)s is not one of this organisation's events.",
                                  event=row["event"]))
        form = self.form
        form.process(MultiDict([
            ("key", row.get("key", "")), ("title", row.get("title", "")),
            ("body", row.get("testimony", "")),
            *(("themes", str(theme_id)) for theme_id in theme_ids),
            ("category", str(choices["category"] or "")),
            ("region", str(choices["region"] or "")),
            ("visibility", (visibility or Visibility.ANONYMOUS).value),
            ("display_name", row.get("display_name", "")),
            ("channel", (channel or Channel.PAPER).value),
            ("consent", (consent or ConsentMethod.ORAL).value),
            ("contact_email", row.get("email", "")),
        ]))
        if not form.validate():
            messages += [f"{FIELD_COLUMNS[name]}: {error}" for name, errors in form.errors.items()
                         if name not in skip for error in errors]
        key = form.key.data or ""
        if key in self.lines_by_key:
            messages.append(_("The key “%(key)s” is already on line %(line)d.",
                              key=key, line=self.lines_by_key[key]))
        elif key:
            self.lines_by_key[key] = line
        if messages:
            return None, messages
        content = form.content()
        return NewRow(line=line, key=key, theme_ids=theme_ids,
                      theme_names=[lists.theme_names[i] for i in theme_ids], values={
                          "title": content["title"], "body": content["body"],
                          "category_id": content["category_id"],
                          "region_id": content["region_id"], "visibility": visibility,
                          "display_name": (content["display_name"]
                                           if visibility is Visibility.PUBLIC else None),
                          "contact_email": (form.contact_email.data or "").lower() or None,
                          "channel": channel, "consent_method": consent, "event_id": event_id,
                      }), []


@contextmanager
def _planned_for_their_values():
    """On PostgreSQL, the statements inside are planned for their own values: the plan
    that psycopg's prepared statements fall back to from their sixth run, made for any
    values, scanned the whole table for each batch's look-up."""
    if db.engine.dialect.name != "postgresql":
        yield
        return
    db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    yield
    db.session.execute(text("SET LOCAL plan_cache_mode = auto"))


def _imported_before(keys: list[str]) -> set[str]:
    """Which of these submission keys are already taken: one query for a batch, on the
    unique index (the key holds the consultation and the organisation)."""
    with _planned_for_their_values():
        return set(db.session.execute(select(Testimony.submission_key).where(
            Testimony.submission_key.in_(keys))).scalars())


def _theme_links(ids: dict[str, int], rows: list[NewRow]) -> list[dict]:
    return [{"testimony_id": ids[row.values["submission_key"]], "theme_id": theme_id}
            for row in rows for theme_id in row.theme_ids]


class _Writer:
    """Writes batches of new rows as pending testimonies, with their themes, in the
    session's transaction (committed or rolled back by the caller)."""

    def __init__(self, consultation: Consultation, organisation: Organisation | None,
                 entered_by: User | None):
        now = utcnow()
        self.consultation_id = consultation.id
        self.common = {"consultation_id": consultation.id, "author_id": None,
                       "entered_by_id": entered_by.id if entered_by is not None else None,
                       "organisation_id": organisation.id if organisation is not None else None,
                       "status": Status.PENDING, "consented_at": now, "created_at": now,
                       "updated_at": now}
        self.table = Testimony.__table__
        self.last_id = db.session.execute(
            select(func.coalesce(func.max(self.table.c.id), 0))).scalar_one()

    def write(self, rows: list[NewRow]) -> None:
        if not rows:
            return
        table = self.table
        # Plain executemany, then the new ids read back at once: RETURNING makes the
        # PostgreSQL driver parse long statements, slower than the inserts themselves.
        # The receipt token of each is drawn and forgotten: nobody follows these online.
        db.session.execute(insert(table), [
            {**self.common, **row.values,
             "receipt_token_hash": hash_receipt_token(new_receipt_token())} for row in rows])
        with _planned_for_their_values():
            ids = dict(db.session.execute(select(table.c.submission_key, table.c.id).where(
                table.c.id > self.last_id, table.c.consultation_id == self.consultation_id
            )).all())
        self.last_id = max(ids[row.values["submission_key"]] for row in rows)
        links = _theme_links(ids, rows)
        if links:
            db.session.execute(insert(testimony_themes), links)


def _go_through(consultation: Consultation, organisation: Organisation | None, rows: Rows,
                writer: _Writer | None) -> Checked:
    """Check every row, a batch at a time; with a writer, write the new rows of each batch
    until a row is found invalid (the caller then rolls everything back)."""
    checker = _RowChecker(consultation, organisation)
    checked, batch = Checked(), []

    def settle() -> None:
        if not batch:
            return
        taken = _imported_before([row.values["submission_key"] for row in batch])
        new = [row for row in batch if row.values["submission_key"] not in taken]
        checked.already += len(batch) - len(new)
        checked.new += len(new)
        checked.preview += new[:PREVIEW_ROWS - len(checked.preview)]
        if writer is not None and not checked.problems:
            writer.write(new)
        batch.clear()

    for line, row in rows:
        new, messages = checker.check(line, row)
        if new is None:
            checked.problems += [Problem(line, message) for message in messages]
            continue
        new.values["submission_key"] = submission_key(consultation, organisation, new.key)
        batch.append(new)
        if len(batch) == BATCH_ROWS:
            settle()
    settle()
    return checked


def check(consultation: Consultation, organisation: Organisation | None,
          rows: Rows) -> Checked:
    """Check every row; count the new rows and those imported before (by their key).
    Nothing is written."""
    return _go_through(consultation, organisation, rows, None)


def import_rows(consultation: Consultation, organisation: Organisation | None, rows: Rows,
                entered_by: User | None) -> Checked:
    """Check the rows and write the new ones as pending testimonies, in one transaction:
    all of them or, if a row is invalid or anything fails, none (the returned problems
    name the invalid rows' lines)."""
    if not consultation.accepts_testimonies:
        raise ImportRefused(_l("This consultation is not accepting testimonies at the moment."))
    try:
        checked = _go_through(consultation, organisation, rows,
                              _Writer(consultation, organisation, entered_by))
        if checked.problems:
            db.session.rollback()
            return checked
        record("testimonies_imported", object_type="organisation",
               object_id=organisation.id if organisation is not None else None,
               consultation_id=consultation.id, actor=entered_by,
               details={"imported": checked.new, "already_imported": checked.already})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ImportRefused(_l("Some of these rows were imported by someone else meanwhile; "
                               "nothing was imported. Send the file again.")) from None
    except BaseException:
        db.session.rollback()
        raise
    return checked


def _upload_dir() -> Path:
    directory = Path(current_app.config["IMPORT_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def stale_uploads() -> list[Path]:
    """The files of previews never confirmed within the hour."""
    limit = time.time() - UPLOAD_MAX_AGE_SECONDS
    return [path for path in _upload_dir().iterdir() if path.stat().st_mtime < limit]


def remove_stale_uploads() -> int:
    """Forget the files whose preview was never confirmed; returns how many uploads."""
    stale = stale_uploads()
    for path in stale:
        path.unlink(missing_ok=True)
    return sum(path.suffix == ".data" for path in stale)


def keep_upload(stream: BinaryIO, organisation: Organisation, user: User, limit: int) -> str:
    """Keep an uploaded file of at most `limit` bytes (copied a block at a time) until its
    preview is confirmed; returns its reference."""
    remove_stale_uploads()
    reference = secrets.token_urlsafe(24)
    data_path, owner_path = _upload_paths(reference)
    size = 0
    with data_path.open("wb") as kept:
        while size <= limit and (block := stream.read(COPIED_BYTES)):
            size += len(block)
            kept.write(block)
    if size > limit:
        data_path.unlink()
        raise ImportRefused(_l("This file is larger than %(size)d MB: split it in several "
                               "files.", size=limit // 2**20))
    owner_path.write_text(json.dumps({"organisation": organisation.id, "user": user.id}))
    return reference


def _upload_paths(reference: str) -> tuple[Path, Path]:
    directory = _upload_dir()
    return directory / f"{reference}.data", directory / f"{reference}.json"


def kept_upload(reference: str, organisation: Organisation, user: User) -> Path:
    """The file kept under `reference` by `user` for `organisation`."""
    stale = ImportRefused(_l("This preview has expired or is not yours: send the file again."))
    if not _REFERENCE.fullmatch(reference or ""):
        raise stale
    data_path, owner_path = _upload_paths(reference)
    try:
        owner = json.loads(owner_path.read_text())
        if (owner != {"organisation": organisation.id, "user": user.id}
                or owner_path.stat().st_mtime < time.time() - UPLOAD_MAX_AGE_SECONDS):
            raise stale
    except (OSError, ValueError):
        raise stale from None
    if not data_path.is_file():
        raise stale
    return data_path


def forget_upload(reference: str) -> None:
    for path in _upload_paths(reference):
        path.unlink(missing_ok=True)
