"""A consultation with two approved organisations (A and B), a facilitator and an event
each, and files of typed-in testimonies to import."""
import csv
import io
import re
from dataclasses import dataclass
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import (
    LocalEvent,
    MemberRole,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Role,
    Testimony,
    utcnow,
)
from tests.conftest import csrf_token, log_in

HEADER = ["key", "channel", "event", "title", "testimony", "themes", "category", "region",
          "visibility", "display_name", "consent", "email"]


@dataclass
class Place:
    consultation: object
    org_a: object
    org_b: object
    event_a: object
    event_b: object
    facilitator_a: object
    facilitator_b: object
    moderator: object

    @property
    def import_url(self) -> str:
        return f"/c/{self.consultation.slug}/organisations/{self.org_a.id}/import"


@pytest.fixture(autouse=True)
def import_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_DIR", str(tmp_path / "imports"))
    return tmp_path / "imports"


@pytest.fixture
def place(make_consultation, make_user):
    consultation = make_consultation("papier")
    facilitators = [make_user(f"fac-{letter}@example.org", f"Animatrice {letter}")
                    for letter in "ab"]
    organisations = [Organisation(consultation=consultation, name=f"Organisme {letter}",
                                  kind=OrganisationKind.COMMUNITY,
                                  status=OrganisationStatus.APPROVED,
                                  members=[Membership(user=user, role=MemberRole.OWNER)])
                     for letter, user in zip("AB", facilitators)]
    soon = utcnow().replace(microsecond=0) + timedelta(days=3)
    events = [LocalEvent(consultation=consultation, organisation=organisation,
                         title=f"Rencontre {organisation.name}", starts_at=soon,
                         ends_at=soon + timedelta(hours=2), place="Salle")
              for organisation in organisations]
    db.session.add_all(organisations + events)
    db.session.commit()
    moderator = make_user("mod@example.org", roles=((consultation, Role.MODERATOR),))
    return Place(consultation, *organisations, *events, *facilitators, moderator)


def count_testimonies() -> int:
    return db.session.execute(select(func.count()).select_from(Testimony)).scalar_one()


def row(index: int, **changes) -> dict:
    """A valid row, with some variety."""
    visibility = ("public", "anonymous", "confidential")[index % 3]
    values = {
        "key": f"F-{index:05d}", "channel": "paper", "event": "", "title": "",
        "testimony": f"Témoignage numéro {index} : l'attente a duré des mois, et personne "
                     "n'a rappelé.",
        "themes": "gouvernance; ACCES" if index % 2 else "Pratiques",
        "category": "usager" if index % 4 == 0 else "", "region": "Estrie",
        "visibility": visibility, "display_name": "Marie" if visibility == "public" else "",
        "consent": ("signed_form", "oral", "written")[index % 3], "email": "",
    }
    values.update(changes)
    return values


def rows(count: int, **bad) -> list[dict]:
    """`count` valid rows; `bad` maps a spreadsheet line (as "line_734") to changes."""
    made = []
    for index in range(count):
        changes = bad.get(f"line_{index + 2}", {})
        made.append(row(index, **changes))
    return made


def csv_file(data: list[dict], *, delimiter=",", bom=False, header=HEADER) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    for values in data:
        writer.writerow([values.get(name, "") for name in HEADER])
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def xlsx_file(data: list[dict]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for values in data:
        sheet.append([values.get(name, "") for name in HEADER])
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


def upload(client, url: str, content: bytes, name: str = "saisie.csv"):
    return client.post(url, data={"csrf_token": csrf_token(client, url),
                                  "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


REFERENCE = re.compile(r'name="reference" type="hidden" value="([^"]+)"')


def reference_in(page: str) -> str:
    return REFERENCE.search(page).group(1)


def confirm(client, place: Place, reference: str):
    url = place.import_url
    return client.post(url + "/confirm", data={"csrf_token": csrf_token(client, url),
                                               "reference": reference},
                       follow_redirects=True)


@pytest.fixture
def facilitator_a(client, place):
    log_in(client, place.facilitator_a.email)
    return client
