"""The personal-information detector: each kind in its usual forms, what must not be
flagged, the checksums, overlaps, offsets, the command line and the labelled set."""
import dataclasses
import json
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from consult.moderation.pii import KINDS, STRUCTURED_KINDS, Finding, find_personal_information

LABELLED_SET = Path(__file__).resolve().parent.parent / "data" / "pii_labelled.jsonl"


def found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in find_personal_information(text)]


@pytest.mark.parametrize("text, kind, expected", [
    # e-mail
    ("Écrivez-moi à marie.tremblay@videotron.ca si besoin.", "email",
     "marie.tremblay@videotron.ca"),
    ("Email me at j.smith+cas@gmail.com.", "email", "j.smith+cas@gmail.com"),
    ("Mon courriel : jf.roy@cssdm.gouv.qc.ca", "email", "jf.roy@cssdm.gouv.qc.ca"),
    ("Write to KEVIN.OBRIEN@SHAW.CA today", "email", "KEVIN.OBRIEN@SHAW.CA"),
    ("contact : anne.roy [at] gmail [dot] com", "email", "anne.roy [at] gmail [dot] com"),
    # North American phones
    ("Appelez au 514-555-1234.", "phone", "514-555-1234"),
    ("Call (514) 555-1234 after six.", "phone", "(514) 555-1234"),
    ("Tél. : 514.555.1234", "phone", "514.555.1234"),
    ("Mon numéro : 514 555-1234", "phone", "514 555-1234"),
    ("Cell 5145551234 only", "phone", "5145551234"),
    ("Call +1 514 555 1234 now", "phone", "+1 514 555 1234"),
    ("La ligne 1-800-555-0199 est occupée.", "phone", "1-800-555-0199"),
    ("Joindre le 450 555-0111 poste 224 le matin.", "phone", "450 555-0111 poste 224"),
    ("Call 819-555-0133 ext. 12 please", "phone", "819-555-0133 ext. 12"),
    # French phones
    ("Mon portable : 06 12 34 56 78.", "phone", "06 12 34 56 78"),
    ("Tél 06.12.34.56.78", "phone", "06.12.34.56.78"),
    ("Appelez le 0612345678 demain.", "phone", "0612345678"),
    ("Appelez le +33 6 12 34 56 78.", "phone", "+33 6 12 34 56 78"),
    ("Standard : +33 (0)1 48 95 62 30", "phone", "+33 (0)1 48 95 62 30"),
    ("Fixe : 0033 1 42 68 53 00", "phone", "0033 1 42 68 53 00"),
    # postal codes
    ("Montréal (Québec) H2X 1Y4", "postal_code", "H2X 1Y4"),
    ("code H2X1Y4 sur l'enveloppe", "postal_code", "H2X1Y4"),
    ("Ottawa ON k1a 0b1", "postal_code", "k1a 0b1"),
    ("12 rue de la Paix, 75002 Paris", "postal_code", "75002"),
    ("Code postal : 38000, Grenoble", "postal_code", "38000"),
    ("Adresse : 3 rue Foch 69003", "postal_code", "69003"),
    # addresses
    ("J'habite au 1234, rue Saint-Denis depuis 2019.", "address", "1234, rue Saint-Denis"),
    ("Le siège est au 12 bis avenue Foch, à Paris.", "address", "12 bis avenue Foch"),
    ("Au 4500, chemin de la Côte-des-Neiges, rien.", "address",
     "4500, chemin de la Côte-des-Neiges"),
    ("Bureau au 850, boul. René-Lévesque Est, 3e étage.", "address",
     "850, boul. René-Lévesque Est"),
    ("Au 1234, rue Saint-Denis, app. 4, il fait froid.", "address",
     "1234, rue Saint-Denis, app. 4"),
    ("I live at 450 Main Street in Lachute.", "address", "450 Main Street"),
    ("The office at 1200 Sherbrooke Street West closed.", "address", "1200 Sherbrooke Street West"),
    ("Mail it to 88 Maple Ave., please.", "address", "88 Maple Ave."),
    ("Our address: 1500, 3e Avenue, Val-d'Or.", "address", "1500, 3e Avenue"),
    # Canadian SIN (Luhn-valid)
    ("Mon NAS est le 046 454 286.", "sin", "046 454 286"),
    ("SIN: 046-454-286", "sin", "046-454-286"),
    ("SIN 046454286 please", "sin", "046454286"),
    # Québec health insurance
    ("Ma carte : TREM 8505 1512.", "health_number", "TREM 8505 1512"),
    ("RAMQ ROYJ84121509 expirée", "health_number", "ROYJ84121509"),
    ("Card BOUM-9558-1221 lost", "health_number", "BOUM-9558-1221"),
    # French NIR (valid keys)
    ("Sécu : 1 85 05 78 006 084 91.", "social_security", "1 85 05 78 006 084 91"),
    ("NIR 185057800608491 à la CPAM", "social_security", "185057800608491"),
    ("Né à Ajaccio : 2 68 06 2A 124 439 43", "social_security", "2 68 06 2A 124 439 43"),
    ("Né à Bastia : 1 55 08 2B 333 443 44", "social_security", "1 55 08 2B 333 443 44"),
    ("Sans la clé : 1 85 05 78 006 084.", "social_security", "1 85 05 78 006 084"),
    # URLs
    ("Voir https://www.facebook.com/marie.tremblay.5 pour tout.", "url",
     "https://www.facebook.com/marie.tremblay.5"),
    ("Mon blogue : www.monparcours.ca/dpj.", "url", "www.monparcours.ca/dpj"),
    ("Follow instagram.com/maman_solo (it helps).", "url", "instagram.com/maman_solo"),
    ("Source (https://example.org/a_(b)).", "url", "https://example.org/a_(b)"),
    # names
    ("Mme Gagnon m'a dit de rappeler.", "name", "Gagnon"),
    ("J'ai parlé à madame Bélanger hier.", "name", "Bélanger"),
    ("Le Dr Lavoie et la Dre Roy", "name", "Lavoie"),
    ("Me Lavallée, avocate", "name", "Lavallée"),
    ("Ask Mrs. Patel at the desk.", "name", "Patel"),
    ("Dr. Sarah Cohen was excellent.", "name", "Sarah Cohen"),
    ("Mon intervenante, Julie Bergeron, m'a aidée.", "name", "Julie Bergeron"),
    ("Mon fils Jean-François Roy est placé.", "name", "Jean-François Roy"),
    ("My worker Kevin O'Brien called.", "name", "Kevin O'Brien"),
    ("Marie Ève Gagnon a témoigné.", "name", "Marie Ève Gagnon"),
    ("Helene Dube a temoigne.", "name", "Helene Dube"),
    ("I spoke to Jessica Thompson's supervisor.", "name", "Jessica Thompson"),
])
def test_finds_each_kind_in_its_usual_forms(text, kind, expected):
    assert (kind, expected) in found(text)


@pytest.mark.parametrize("text", [
    "J'attends depuis 8 mois un rendez-vous au CLSC.",
    "J'ai payé 1 250 $ par mois en 2023, soit 45 % de mon revenu.",
    "Rendez-vous le 12/03/2024 à 14 h 30, chambre 312.",
    "The appointment was on 2024-05-17 at 10:45 in room 104.",
    "Our budget went from $250,000 to $180,000.",
    "Mon numéro de dossier est 345 678 912.",  # fails the Luhn check
    "My case number is 220 297 299.",  # fails the Luhn check
    "Ma demande porte le numéro 48213 depuis 2017.",  # five digits, no address
    "Il y avait 12 500 personnes et 1 200 000 $ de budget.",
    "La loi 21, l'article 38 de la LPJ et le règlement 2023-114.",
    "Le tribunal siège à Saint-Jérôme et l'Hôpital Sainte-Justine est plein.",
    "Le CLSC Saint-Michel et le Centre jeunesse de Montréal.",
    "Mme la ministre et M. le maire ont promis des places.",
    "Claire était là. Rose aussi.",
    "Will anyone read this? Mark my words. May God help us.",
    "The Fondation Jean Lapointe and Saint Jean Baptiste day.",
    "Nous étions 3 dans un studio de 18 m², à 2 rues du métro.",
    "Version 2.3.1, order #78123, bus 747, 3/4 of the staff.",
    "",
])
def test_ordinary_text_and_numbers_are_not_flagged(text):
    assert found(text) == []


@pytest.mark.parametrize("text, expected", [
    # a first name on its own within a sentence, a relative or a worker named
    ("On m'a orientée vers Karine, puis vers personne.", "Karine"),
    ("I called the line and Tyler stayed with me.", "Tyler"),
    ("Mon voisin Rachid m'a conduite à l'urgence.", "Rachid"),
    ("My wife Xiomara Reyes needed an interpreter.", "Xiomara Reyes"),
    ("Ma voisine de palier, Aminata Traoré, garde mes enfants.", "Aminata Traoré"),
    ("The nurse, Jasmine, drove me to the shelter.", "Jasmine"),
    ("I was placed with the Kowalczyk family.", "Kowalczyk"),
    ("Tremblay, Marie : c'est mon nom dans le dossier.", "Tremblay, Marie"),
    # the language model's person entities, first names the list does not have
    ("C'est Fatoumata Keita qui m'a rappelée.", "Fatoumata Keita"),
])
def test_names_found_by_their_context_or_by_the_language_model(text, expected):
    assert ("name", expected) in found(text)


@pytest.mark.parametrize("text", [
    "La ministre Chantal Rouleau a promis des places.",
    "Le ministre de la Santé, Christian Dubé, a annoncé une réforme.",
    "Prime Minister Justin Trudeau announced a plan.",
    "The minister, Carolyn Bennett, visited once.",
    "La loi Veil porte le nom de Simone Veil.",
    "Le gouvernement de René Lévesque a créé les CLSC.",
    "Comme le disait Victor Hugo, ouvrir une école, c'est fermer une prison.",
    "As Martin Luther King said, the time is always right.",
    "J'ai grandi à Trois-Rivières, puis à Rivière-du-Loup.",
    "Mon fils est né à Grenoble et va à l'école Marie-Victorin.",
    "I am an outreach worker in Gatineau.",
])
def test_public_figures_and_places_are_not_flagged(text):
    assert [kind for kind, _ in found(text)] == []


def test_a_date_before_a_title_is_not_an_address():
    assert found("On 3 March Dr Lee was away.") == [("name", "Lee")]


@pytest.mark.parametrize("valid, invalid", [
    ("046 454 286", "046 454 287"),
    ("626-018-154", "626-018-155"),
    ("418609137", "418609138"),
])
def test_social_insurance_numbers_must_pass_the_luhn_check(valid, invalid):
    assert found(f"NAS {valid}.") == [("sin", valid)]
    assert found(f"NAS {invalid}.") == []


@pytest.mark.parametrize("valid, invalid", [
    ("1 85 05 78 006 084 91", "1 85 05 78 006 084 36"),
    ("2 68 06 2A 124 439 43", "2 68 06 2A 124 439 44"),  # Corsica: 2A counts as 19
    ("1 55 08 2B 333 443 44", "1 55 08 2B 333 443 45"),  # and 2B as 18
    ("159023336765951", "159023336765952"),
])
def test_french_social_security_numbers_must_have_their_key(valid, invalid):
    assert found(f"Sécu {valid}.") == [("social_security", valid)]
    assert found(f"Sécu {invalid}.") == []


def test_canadian_postal_codes_use_only_the_letters_canada_post_uses():
    for code in ("D2X 1Y4", "H2X 1O4", "W2X 1Y4", "Z1A 1A1", "H2U 1Y4"):
        assert found(f"Code {code}.") == [], code


def test_overlapping_candidates_keep_the_longer():
    # The domain of an address is also a URL; digits in a link are also a phone number.
    assert found("marie@clsc.qc.ca") == [("email", "marie@clsc.qc.ca")]
    assert found("https://example.org/rappel/5145551234 ok") == [
        ("url", "https://example.org/rappel/5145551234")]
    # The title rule and the first-name rule find the same name once.
    assert found("Mme Marie Tremblay") == [("name", "Marie Tremblay")]
    # A name inside a street name belongs to the address.
    assert found("au 12, rue Marie Tremblay") == [("address", "12, rue Marie Tremblay")]


def test_findings_are_sorted_and_never_overlap():
    text = ("Mme Tremblay (marie@example.org, 514 555-0123) habite au 12 rue Foch, "
            "75016 Paris; NAS 046 454 286, carte TREM 8505 1512, sécu 1 85 05 78 006 084 91.")
    findings = find_personal_information(text)
    assert [f.kind for f in findings] == ["name", "email", "phone", "address", "postal_code",
                                          "sin", "health_number", "social_security"]
    for before, after in zip(findings, findings[1:]):
        assert before.end <= after.start


def test_offsets_count_characters_after_accents_and_emoji():
    text = "Élève à l'école 😀🇨🇦 — écrit à : zoë@exemple.fr, tél. 06 12 34 56 78"
    findings = find_personal_information(text)
    assert [(f.kind, f.text) for f in findings] == [("email", "zoë@exemple.fr"),
                                                    ("phone", "06 12 34 56 78")]
    for finding in findings:
        assert text[finding.start:finding.end] == finding.text
    assert findings[0].start == text.index("zoë")


def test_decomposed_accents_do_not_break_names_or_offsets():
    text = unicodedata.normalize("NFD", "Hélène Côté a écrit à helene@exemple.ca")
    findings = find_personal_information(text)
    assert [f.kind for f in findings] == ["name", "email"]
    assert findings[0].text == unicodedata.normalize("NFD", "Hélène Côté")
    assert all(text[f.start:f.end] == f.text for f in findings)


def test_a_finding_is_an_immutable_record():
    finding = find_personal_information("marie@example.org")[0]
    assert finding == Finding("email", 0, 17, "marie@example.org")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.start = 3


# The command line

def test_scan_pii_prints_one_json_object_per_finding(runner):
    text = ("😀 Écrivez à zoë@exemple.fr ou au 514 555-0123.\n"
            "Mme Tremblay habite au 12 rue Foch.")
    result = runner.invoke(args=["consult", "scan-pii"], input=text)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    objects = [json.loads(line) for line in lines]
    assert [list(o) for o in objects] == [["kind", "start", "end", "text"]] * 4
    assert [(o["kind"], o["text"]) for o in objects] == [
        ("email", "zoë@exemple.fr"), ("phone", "514 555-0123"), ("name", "Tremblay"),
        ("address", "12 rue Foch")]
    for o in objects:
        assert text[o["start"]:o["end"]] == o["text"]
    assert "zoë" in lines[0]  # not escaped as \u00eb


def test_scan_pii_prints_nothing_for_text_without_personal_information(runner):
    result = runner.invoke(args=["consult", "scan-pii"], input="Huit mois d'attente.\n")
    assert result.exit_code == 0
    assert result.output == ""


def test_scan_pii_refuses_what_is_not_utf8(runner):
    result = runner.invoke(args=["consult", "scan-pii"], input=b"caf\xe9 514 555-0123")
    assert result.exit_code == 1
    assert "not UTF-8" in result.output


def test_scan_pii_explains_itself(runner):
    result = runner.invoke(args=["consult", "scan-pii", "--help"])
    assert result.exit_code == 0
    assert "standard input" in result.output


# The labelled set (tests/data/pii_labelled.jsonl), whose figures are in docs/pii.md

def _labelled_set() -> list[dict]:
    with LABELLED_SET.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_the_labelled_set_is_well_formed():
    rows = _labelled_set()
    assert len(rows) >= 240
    languages = Counter(row["lang"] for row in rows)
    assert min(languages["fr"], languages["en"]) >= 0.4 * len(rows)
    assert len({row["text"] for row in rows}) == len(rows)
    assert sum(not row["entities"] for row in rows) >= 50
    counts = Counter()
    for row in rows:
        entities = sorted(row["entities"], key=lambda e: e["start"])
        for entity in entities:
            assert entity["kind"] in KINDS
            span = row["text"][entity["start"]:entity["end"]]
            assert span == entity["text"] and span == span.strip(), (row["text"], entity)
            counts[entity["kind"]] += 1
        for before, after in zip(entities, entities[1:]):
            assert before["end"] <= after["start"]
    for kind in KINDS:
        assert counts[kind] >= (25 if kind in STRUCTURED_KINDS else 15), kind
    assert counts["name"] >= 100


def test_the_labelled_set_keeps_its_recall_and_precision():
    tp, fp, fn = Counter(), Counter(), Counter()
    for row in _labelled_set():
        expected = {(e["kind"], e["start"], e["end"]) for e in row["entities"]}
        actual = {(f.kind, f.start, f.end) for f in find_personal_information(row["text"])}
        for kind, *_ in actual & expected:
            tp[kind] += 1
        for kind, *_ in actual - expected:
            fp[kind] += 1
        for kind, *_ in expected - actual:
            fn[kind] += 1
    for kind in STRUCTURED_KINDS:
        recall = tp[kind] / (tp[kind] + fn[kind])
        assert recall >= 0.95, (kind, recall)
    precision = sum(tp.values()) / (sum(tp.values()) + sum(fp.values()))
    assert precision >= 0.9
    # names: the private persons found, public figures and places left alone
    assert tp["name"] / (tp["name"] + fn["name"]) >= 0.95
    assert tp["name"] / (tp["name"] + fp["name"]) >= 0.85
