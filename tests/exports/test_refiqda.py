"""The coded corpus as a REFI-QDA project (.qdpx) and codebook (.qdc): valid against the
standard's schemas, every coded passage found again at its positions, and the public and
internal rules of every other export."""
import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from consult.extensions import db
from consult.models import AuditEntry, Role, Visibility
from consult.synthesis import services as synthesis
from consult.testimonies.services import refresh_public_copy
from tests.conftest import log_in, post_form

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "refi-qda"
NS = {"q": "urn:QDA-XML:project:1.0", "c": "urn:QDA-XML:codebook:1.0"}
SECRET = "Canari-confidentiel-7b21"
MASKED = "Canari-masque-c0de"


def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


@pytest.fixture
def coded(make_consultation, make_testimony, make_user):
    """Testimonies coded by two readers: a confidential one, a masked one, one with
    Windows line endings and characters outside the basic plane, one coded whole."""
    consultation = make_consultation("qda")
    lead = make_user("lead@example.org", "Léa Lecture",
                     roles=((consultation, Role.COMMISSIONER),))
    second = make_user("second@example.org", "Sam Second",
                       roles=((consultation, Role.COMMISSIONER),))
    access = synthesis.add_code(consultation, "Accès", "Se rendre aux services", None)
    distance = synthesis.add_code(consultation, "Distance", "", access)
    cost = synthesis.add_code(consultation, "Coût & <prix>", "", None)
    secret, _ = make_testimony(consultation, f"Mon voisin {SECRET} attend le bus.",
                               visibility=Visibility.CONFIDENTIAL)
    masked, _ = make_testimony(consultation, f"Appelez {MASKED} : le bus est trop cher.")
    masked.redacted_body = "Appelez [nom] : le bus est trop cher."
    refresh_public_copy(masked)
    wide, _ = make_testimony(consultation, "𝔄 la campagne,\r\nle car 🚌 passe deux fois.\r\n"
                                           "Le car coûte cher.", title="Campagne")
    whole, _ = make_testimony(consultation, "Rien à signaler.")
    db.session.commit()
    synthesis.apply_code(distance, secret, lead, "attend le bus")
    synthesis.apply_code(cost, masked, lead, "le bus est trop cher")
    synthesis.apply_code(cost, masked, second, MASKED)
    synthesis.apply_code(distance, wide, second, "le car 🚌 passe deux fois")
    synthesis.apply_code(cost, wide, lead, "Le car coûte cher", start=wide.body.rfind("Le car"))
    synthesis.apply_code(access, whole, second)
    return consultation


def unpack(data: bytes) -> tuple[etree._Element, dict[str, str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        project = package.read("project.qde")
        texts = {name: package.read(name).decode("utf-8")
                 for name in package.namelist() if name.startswith("sources/")}
    root = etree.fromstring(project)
    schema("Project-mrt2019.xsd").assertValid(root)
    return root, texts


def selections(root, texts) -> list[tuple[str, str, str]]:
    """(source name, code name, the text at the selection's positions)."""
    code_names = {code.get("guid"): code.get("name") for code in root.iter(f"{{{NS['q']}}}Code")}
    found = []
    for source in root.iterfind(".//q:TextSource", NS):
        text = texts["sources/" + source.get("plainTextPath").removeprefix("internal://")]
        for selection in source.iterfind("q:PlainTextSelection", NS):
            code = code_names[selection.find("q:Coding/q:CodeRef", NS).get("targetGUID")]
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            found.append((source.get("name"), code, text[start:end]))
    return found


def export(runner, tmp_path, *args) -> Path:
    output = tmp_path / "out"
    result = runner.invoke(args=["consult", "export", "qda", *args, "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Wrote the ") and str(output) in result.output
    return output


def test_the_internal_project_is_valid_and_every_passage_is_at_its_positions(
        runner, coded, tmp_path):
    root, texts = unpack(export(runner, tmp_path, "--format", "qdpx", "--internal").read_bytes())
    assert len(texts) == 4
    assert sorted((code, passage) for _, code, passage in selections(root, texts)) == [
        ("Accès", "Rien à signaler."),
        ("Coût & <prix>", MASKED),
        ("Coût & <prix>", "Le car coûte cher"),
        ("Coût & <prix>", "le bus est trop cher"),
        ("Distance", "attend le bus"),
        ("Distance", "le car 🚌 passe deux fois"),
    ]
    assert any("\r\n" in text for text in texts.values())  # line endings kept as written
    assert sorted(u.get("name") for u in root.iterfind("q:Users/q:User", NS)) == [
        "Léa Lecture", "Sam Second"]
    top = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert [(c.get("name"), [k.get("name") for k in c.findall("q:Code", NS)]) for c in top] == [
        ("Accès", ["Distance"]), ("Coût & <prix>", [])]
    assert all(c.get("color", "").startswith("#") for c in root.iter(f"{{{NS['q']}}}Code"))
    assert SECRET in "".join(texts.values())
    assert root.find("q:Description", NS).text.startswith("CONFIDENTIAL")
    assert db.session.query(AuditEntry).filter_by(action="export.internal").count() == 1


def test_the_public_project_holds_no_confidential_testimony_nor_masked_passage(
        client, coded):
    log_in(client, "lead@example.org")
    response = post_form(client, "/c/qda/exports", {"dataset": "testimonies", "kind": "public",
                                                    "format": "qdpx"})
    assert response.status_code == 200
    assert "public" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].rstrip('"').endswith(".qdpx")
    data = response.get_data()
    root, texts = unpack(data)
    assert len(texts) == 3
    everything = data + b"".join(t.encode() for t in texts.values())
    for canary in (SECRET, MASKED, "Léa", "Sam"):
        assert canary.encode() not in everything, canary
    assert sorted(passage for _, _, passage in selections(root, texts)) == [
        "Le car coûte cher", "Rien à signaler.", "le bus est trop cher",
        "le car 🚌 passe deux fois"]
    assert db.session.query(AuditEntry).filter_by(action="export.internal").count() == 0


def test_the_codebook_alone_is_valid(runner, client, coded, tmp_path):
    root = etree.parse(str(export(runner, tmp_path, "--format", "qdc"))).getroot()
    schema("Codebook.xsd").assertValid(root)
    assert [c.get("name") for c in root.iter(f"{{{NS['c']}}}Code")] == [
        "Accès", "Distance", "Coût & <prix>"]
    log_in(client, "lead@example.org")
    page = client.get("/c/qda/exports").get_data(as_text=True)
    assert 'value="qdc"' in page and 'value="qdpx"' in page
    response = post_form(client, "/c/qda/exports", {"kind": "internal", "format": "qdc"})
    assert etree.fromstring(response.get_data()).tag == f"{{{NS['c']}}}CodeBook"
    assert "CONFIDENTIAL" in response.headers["Content-Disposition"]


def test_an_empty_consultation_makes_a_valid_project_and_no_codebook(
        runner, make_consultation, tmp_path):
    make_consultation("qda")
    root, texts = unpack(export(runner, tmp_path, "--format", "qdpx").read_bytes())
    assert texts == {} and root.find("q:Sources", NS) is None
    result = runner.invoke(args=["consult", "export", "qda", "--format", "qdc",
                                 "-o", str(tmp_path / "none.qdc")])
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: Nothing written: ")  # then why, in the default language
    assert not (tmp_path / "none.qdc").exists()
