"""The open-data package of a closed consultation: one zip with the public CSVs, a
Frictionless `datapackage.json` describing every field, and a README (licence and data
dictionary) in French and English."""
import io
import json
import zipfile
from datetime import datetime, timezone

from flask import current_app
from flask_babel import force_locale

from consult.exports import formats, services
from consult.models import Channel, Consultation

#: For each public CSV: (field, Table Schema type and options, English, French).
DICTIONARY = {
    "testimonies": [
        ("id", {"type": "integer"}, "Number of the testimony", "Numéro du témoignage"),
        ("received_at", {"type": "datetime"}, "When it was received (UTC)",
         "Date de réception (UTC)"),
        ("published_at", {"type": "datetime"}, "When it was published (UTC)",
         "Date de publication (UTC)"),
        ("channel", {"type": "string", "constraints": {"enum": [c.value for c in Channel]}},
         "How it was received", "Canal de réception"),
        ("themes", {"type": "string"}, "Themes, separated by « ; »",
         "Thèmes, séparés par « ; »"),
        ("participant_category", {"type": "string"}, "The author's participant category",
         "Catégorie de participant de l'auteur"),
        ("region", {"type": "string"}, "The author's region", "Région de l'auteur"),
        ("author_name", {"type": "string"},
         "The author's name, only when they chose to be named",
         "Nom de l'auteur, seulement s'il a choisi d'être nommé"),
        ("title", {"type": "string"}, "Title, as published (passages may be masked)",
         "Titre publié (des passages peuvent être masqués)"),
        ("text", {"type": "string"}, "Text, as published (passages may be masked)",
         "Texte publié (des passages peuvent être masqués)"),
    ],
    "recommendations": [
        ("number", {"type": "string"}, "Number: 1, 1.2, 1.2.a", "Numéro : 1, 1.2, 1.2.a"),
        ("level", {"type": "string",
                   "constraints": {"enum": ["orientation", "recommendation", "measure"]}},
         "Orientation, recommendation or measure", "Orientation, recommandation ou mesure"),
        ("text", {"type": "string"}, "Wording", "Libellé"),
        ("status", {"type": "string"}, "Publication status", "Statut de publication"),
        ("evidence", {"type": "integer"},
         "Testimonies cited in support (recommendations only)",
         "Témoignages cités à l'appui (recommandations seulement)"),
        ("testimonies", {"type": "string"},
         "Numbers of the published testimonies cited in support, separated by « ; »",
         "Numéros des témoignages publiés cités à l'appui, séparés par « ; »"),
    ],
    "results": [
        ("item", {"type": "integer"}, "Number of the item voted on", "Numéro de l'élément soumis au vote"),
        ("number", {"type": "string"}, "Its number in the recommendations, if it is one",
         "Son numéro dans les recommandations, s'il en est une"),
        ("text", {"type": "string"}, "Its wording", "Son libellé"),
        ("scope", {"type": "string", "constraints": {"enum": ["all", "category", "region"]}},
         "Whose votes the row counts: all, a category or a region",
         "Votes comptés par la ligne : tous, une catégorie ou une région"),
        ("group", {"type": "string"}, "The category or region (empty for all)",
         "La catégorie ou la région (vide pour tous)"),
        ("agree", {"type": "integer"}, "Votes « agree »", "Votes « d'accord »"),
        ("disagree", {"type": "integer"}, "Votes « disagree »", "Votes « pas d'accord »"),
        ("pass", {"type": "integer"}, "Votes « pass »", "Votes « passer »"),
        ("voters", {"type": "integer"}, "Voters", "Votants"),
        ("consensus", {"type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]},
         "At least 60 % agree in every category of 3 voters or more",
         "Au moins 60 % d'accord dans chaque catégorie d'au moins 3 votants"),
        ("divisive", {"type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]},
         "At least 60 % of one category agree and 60 % of another disagree",
         "Au moins 60 % d'une catégorie d'accord et 60 % d'une autre en désaccord"),
    ],
}


def descriptor(consultation: Consultation) -> dict:
    """The Frictionless Data Package descriptor of the package."""
    licence = current_app.config["OPEN_DATA_LICENCE"]
    return {
        "profile": "tabular-data-package",
        "name": consultation.slug,
        "title": consultation.title,
        "description": consultation.description,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "licenses": [licence],
        "resources": [{
            "name": name, "path": f"{name}.csv", "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "schema": {"fields": [{"name": field, **options, "description": english}
                                  for field, options, english, _french in fields],
                       "missingValues": [""]},
        } for name, fields in DICTIONARY.items()],
    }


def readme(consultation: Consultation) -> str:
    """The package's README, French then English, with the data dictionary."""
    licence = current_app.config["OPEN_DATA_LICENCE"]
    with force_locale("en"):
        english_title = consultation.shown_title
    lines = [f"# {consultation.title}", "",
             "## Français", "",
             f"Données ouvertes de la consultation « {consultation.title} », publiées à sa "
             f"clôture sous la licence {licence['title']} ({licence['path']}).",
             "Elles ne contiennent que ce que montrent les pages publiques : les témoignages "
             "publiés, dans leur texte masqué par la modération ; le nom d'un auteur "
             "seulement s'il a choisi d'être nommé ; aucune adresse courriel.",
             "Une cellule qui commence par =, +, -, @ ou une tabulation est précédée d'une "
             "apostrophe, pour qu'aucun tableur ne l'exécute comme une formule.", ""]
    lines += _dictionary(french=True)
    lines += ["## English", "",
              f"Open data of the consultation \"{english_title}\", published when it "
              f"closed under the {licence['title']} licence ({licence['path']}).",
              "It holds only what the public pages show: published testimonies, in the text "
              "masked by moderation; an author's name only when they chose to be named; no "
              "e-mail address.",
              "A cell starting with =, +, -, @ or a tab is preceded by an apostrophe, so that "
              "no spreadsheet runs it as a formula.", ""]
    lines += _dictionary(french=False)
    lines += ["`datapackage.json` describes the same fields for software "
              "(Frictionless Data Package).", ""]
    return "\n".join(lines)


def _dictionary(french: bool) -> list[str]:
    lines = []
    for name, fields in DICTIONARY.items():
        lines += [f"### {name}.csv", "",
                  "| champ | type | description |" if french else "| field | type | meaning |",
                  "| --- | --- | --- |"]
        lines += [f"| {field} | {options['type']} | {french_text if french else english} |"
                  for field, options, english, french_text in fields]
        lines.append("")
    return lines


def write_package(consultation: Consultation, target) -> None:
    """Write the zip to `target` (a path or a binary file); the CSVs are streamed into it."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in DICTIONARY:
            data = services.dataset(name, consultation, services.Kind.PUBLIC)
            with archive.open(f"{name}.csv", "w") as raw, \
                    io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                text.writelines(formats.csv_chunks(data.columns, data.rows,
                                                   lines=data.lines))
        archive.writestr("datapackage.json",
                         json.dumps(descriptor(consultation), ensure_ascii=False, indent=2))
        archive.writestr("README.md", readme(consultation))
