"""Testimonies typed into a spreadsheet: every row checked with the online form's rules,
then imported all at once or not at all, each row once whatever the number of imports
(its key makes the testimony's submission key). The web pages and `flask consult
import-testimonies` both go through here."""
import hashlib
import json
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select
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
from consult.paper.spreadsheet import Sheet, plain
from consult.parsing import as_id
from consult.testimonies.services import new_receipt_token

#: Rows written by one INSERT statement.
BATCH_ROWS = 2_000
#: Rows shown in the preview.
PREVIEW_ROWS = 20
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
    """What a file would import: its new rows, how many were imported before, and every
    invalid row (when there is one, nothing is imported)."""

    new: list[NewRow] = field(default_factory=list)
    already: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def preview(self) -> list[NewRow]:
        return self.new[:PREVIEW_ROWS]


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


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def check(consultation: Consultation, organisation: Organisation | None,
          sheet: Sheet) -> Checked:
    """Check every row of `sheet`; count the rows imported before (by their key)."""
    checker = _RowChecker(consultation, organisation)
    checked, valid = Checked(), []
    for line, row in sheet.rows:
        new, messages = checker.check(line, row)
        if new is None:
            checked.problems += [Problem(line, message) for message in messages]
        else:
            new.values["submission_key"] = submission_key(consultation, organisation, new.key)
            valid.append(new)
    existing = set(db.session.execute(_imported_keys(consultation, organisation)).scalars())
    checked.new = [row for row in valid if row.values["submission_key"] not in existing]
    checked.already = len(valid) - len(checked.new)
    return checked


def _imported_keys(consultation: Consultation, organisation: Organisation | None):
    """The submission keys of the testimonies imported before for the same organisation
    (or for none): one query, rather than long lists of keys that a database may plan
    badly once the statement is prepared."""
    owner = (Testimony.organisation_id == organisation.id if organisation is not None
             else Testimony.organisation_id.is_(None))
    return select(Testimony.submission_key).where(
        Testimony.consultation_id == consultation.id, owner,
        Testimony.submission_key.is_not(None))


def _theme_links(ids: dict[str, int], rows: list[NewRow]) -> list[dict]:
    return [{"testimony_id": ids[row.values["submission_key"]], "theme_id": theme_id}
            for row in rows for theme_id in row.theme_ids]


def import_rows(consultation: Consultation, organisation: Organisation | None,
                checked: Checked, entered_by: User | None) -> int:
    """Write the new rows of a checked file as pending testimonies, in one transaction:
    all of them or, if anything fails, none. Returns how many were written."""
    if checked.problems:
        raise ImportRefused(_l("Nothing was imported: correct the rows listed first."))
    if not consultation.accepts_testimonies:
        raise ImportRefused(_l("This consultation is not accepting testimonies at the moment."))
    now = utcnow()
    common = {"consultation_id": consultation.id, "author_id": None,
              "entered_by_id": entered_by.id if entered_by is not None else None,
              "organisation_id": organisation.id if organisation is not None else None,
              "status": Status.PENDING, "consented_at": now, "created_at": now,
              "updated_at": now}
    table = Testimony.__table__
    try:
        # Plain executemany, then the new ids read back at once: RETURNING makes the
        # PostgreSQL driver parse long statements, slower than the inserts themselves.
        before = db.session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        for rows in _chunks(checked.new, BATCH_ROWS):
            # The receipt token of each is drawn and forgotten: nobody follows these online.
            db.session.execute(insert(table), [
                {**common, **row.values,
                 "receipt_token_hash": hash_receipt_token(new_receipt_token())}
                for row in rows])
        ids = dict(db.session.execute(
            select(table.c.submission_key, table.c.id).where(
                table.c.id > before, table.c.consultation_id == consultation.id)).all())
        for rows in _chunks(checked.new, BATCH_ROWS):
            links = _theme_links(ids, rows)
            if links:
                db.session.execute(insert(testimony_themes), links)
        record("testimonies_imported", object_type="organisation",
               object_id=organisation.id if organisation is not None else None,
               consultation_id=consultation.id, actor=entered_by,
               details={"imported": len(checked.new), "already_imported": checked.already})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ImportRefused(_l("Some of these rows were imported by someone else meanwhile; "
                               "nothing was imported. Send the file again.")) from None
    except BaseException:
        db.session.rollback()
        raise
    return len(checked.new)


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


def keep_upload(data: bytes, organisation: Organisation, user: User) -> str:
    """Keep an uploaded file until its preview is confirmed; returns its reference."""
    remove_stale_uploads()
    reference = secrets.token_urlsafe(24)
    directory = _upload_dir()
    (directory / f"{reference}.data").write_bytes(data)
    (directory / f"{reference}.json").write_text(json.dumps(
        {"organisation": organisation.id, "user": user.id}))
    return reference


def _upload_paths(reference: str) -> tuple[Path, Path]:
    directory = _upload_dir()
    return directory / f"{reference}.data", directory / f"{reference}.json"


def kept_upload(reference: str, organisation: Organisation, user: User) -> bytes:
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
        return data_path.read_bytes()
    except (OSError, ValueError):
        raise stale from None


def forget_upload(reference: str) -> None:
    for path in _upload_paths(reference):
        path.unlink(missing_ok=True)
