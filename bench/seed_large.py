"""Fill one consultation with N realistic testimonies, quickly, for benchmarks.

    .venv/bin/python bench/seed_large.py 100000
    .venv/bin/python bench/seed_large.py 100000 --database-url postgresql://postgres@127.0.0.1:54330/bench_consult

The consultation (open phase, 5 themes, 9 participant categories, Québec's 17 regions)
is created by the ORM; the testimonies and their themes are written with bulk Core
inserts, in batches. The schema comes from the migrations, so on SQLite the FTS5
triggers fill the search index as the rows arrive, as they would in production.

The texts are assembled from French sentences written for this script. A fixed random
seed makes the content deterministic; only the dates follow the clock, since the
consultation must be open today.
"""
import argparse
import hashlib
import random
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: find `config` and `consult`

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, inspect, make_url, select, text  # noqa: E402

from config import DevelopmentConfig, normalise_database_url  # noqa: E402
from consult import create_app  # noqa: E402
from consult.consultations import figures  # noqa: E402
from consult.demo import THEMES  # noqa: E402
from consult.extensions import db  # noqa: E402
from consult.models import (  # noqa: E402
    Channel,
    Consultation,
    ParticipantCategory,
    Region,
    Status,
    Testimony,
    Theme,
    Visibility,
    testimony_themes,
    utcnow,
)

OUT_DIR = ROOT / "bench" / "out"
DEFAULT_DATABASE_URL = f"sqlite:///{OUT_DIR / 'seed_large.sqlite'}"
DEFAULT_SLUG = "bench"
RANDOM_SEED = 20261124
BATCH_SIZE = 5_000
MIN_CHARS, MAX_CHARS = 200, 2_000
#: A word found in about one public testimony in a thousand (pages.py searches it).
RARE_WORD = "Kuujjuaq"
RARE_SENTENCE = (
    f"À {RARE_WORD}, l'intervenante la plus proche arrive par avion une fois par mois, "
    "quand la météo le permet."
)
RARE_EVERY = 1_000


#: Participant categories, with the share of testimonies each one writes.
CATEGORIES = [
    ("Personne utilisatrice de services ou proche", 26),
    ("Travailleuse ou travailleur social", 24),
    ("Technicienne ou technicien en travail social", 10),
    ("Autre intervenante ou intervenant", 8),
    ("Étudiante ou étudiant", 8),
    ("Chercheuse, chercheur ou enseignant·e", 4),
    ("Autre profession", 5),
    ("Organisme communautaire", 10),
    ("Organisme institutionnel", 5),
]

#: Québec's administrative regions, weighted by population (thousands, rounded).
REGIONS = [
    ("Bas-Saint-Laurent", 200), ("Saguenay–Lac-Saint-Jean", 280),
    ("Capitale-Nationale", 750), ("Mauricie", 270), ("Estrie", 330), ("Montréal", 2_000),
    ("Outaouais", 400), ("Abitibi-Témiscamingue", 150), ("Côte-Nord", 90),
    ("Nord-du-Québec", 46), ("Gaspésie–Îles-de-la-Madeleine", 90),
    ("Chaudière-Appalaches", 430), ("Laval", 440), ("Lanaudière", 520),
    ("Laurentides", 630), ("Montérégie", 1_600), ("Centre-du-Québec", 250),
]

CHANNELS = [(Channel.ONLINE, 60), (Channel.ASSISTED, 10), (Channel.PAPER, 10),
            (Channel.HEARING, 10), (Channel.LOCAL_EVENT, 10)]
VISIBILITIES = [(Visibility.PUBLIC, 42), (Visibility.ANONYMOUS, 28),
                (Visibility.CONFIDENTIAL, 30)]
STATUSES = [(Status.PUBLISHED, 75), (Status.PENDING, 15), (Status.REJECTED, 5),
            (Status.WITHDRAWN, 5)]
#: How many themes a testimony touches: one, two or three.
THEME_COUNTS = [(1, 50), (2, 35), (3, 15)]

#: How each category tends to introduce itself (same order as CATEGORIES).
OPENINGS = [
    ["Je suis mère de deux enfants et nous recevons des services depuis {n} ans.",
     "Je témoigne comme proche aidant de mon père, qui vit seul en {region}.",
     "J'ai été suivie par le réseau pendant une bonne partie de ma jeunesse.",
     "Je reçois des services en santé mentale depuis {n} ans."],
    ["Je suis travailleuse sociale en CLSC depuis {n} ans.",
     "Je pratique le travail social en protection de la jeunesse depuis {n} ans.",
     "Je suis travailleur social dans un hôpital de la région de {region}.",
     "J'exerce en milieu scolaire, auprès d'adolescents et de leurs familles."],
    ["Je suis technicienne en travail social dans une équipe jeunesse.",
     "Technicien en travail social, j'accompagne des adultes en situation d'itinérance.",
     "Je travaille comme technicienne en centre d'hébergement depuis {n} ans."],
    ["Je suis éducatrice spécialisée et je travaille aux côtés des travailleuses sociales.",
     "Psychoéducateur, je collabore chaque jour avec des équipes de travail social.",
     "J'interviens en dépendances dans un centre de réadaptation."],
    ["Je termine mon baccalauréat en travail social et je fais mon dernier stage.",
     "Étudiante en technique de travail social, je viens de finir mon stage en {region}.",
     "Je suis aux études à la maîtrise en travail social."],
    ["J'enseigne le travail social à l'université depuis {n} ans.",
     "Je mène des recherches sur les pratiques d'intervention de proximité."],
    ["Je suis infirmière et je travaille en première ligne avec des travailleuses sociales.",
     "Médecin de famille, je réfère souvent mes patients aux services sociaux.",
     "Je suis enseignante au primaire et je côtoie des familles en difficulté."],
    ["Notre organisme communautaire accueille des familles du quartier depuis {n} ans.",
     "Nous sommes une maison de jeunes en {region}.",
     "Notre organisme offre de l'hébergement d'urgence à des femmes et à leurs enfants."],
    ["Notre établissement regroupe plusieurs centaines d'intervenantes et d'intervenants.",
     "Nous représentons la direction des services sociaux d'un centre intégré de santé."],
]

#: Sentences by subject; each theme draws from a few subjects (THEME_TOPICS).
TOPICS = {
    "attente": [
        "Nous avons attendu {n} mois sur une liste d'attente avant un premier rendez-vous.",
        "Pendant l'attente, personne ne nous a appelés pour savoir comment nous allions.",
        "Les listes d'attente s'allongent et les situations s'aggravent pendant ce temps.",
        "On nous a dit que le délai serait de quelques semaines; il a été de {n} mois.",
        "Quand le suivi commence enfin, la crise est souvent passée ou devenue urgente.",
        "L'accueil psychosocial fait ce qu'il peut, mais l'attente décourage les gens.",
        "Il faudrait au moins un contact régulier avec les personnes en attente de services.",
    ],
    "logement": [
        "Trouver un logement abordable est devenu presque impossible dans notre quartier.",
        "Plusieurs familles que j'accompagne consacrent plus de la moitié de leur revenu au loyer.",
        "Sans logement stable, aucun plan d'intervention ne tient plus de quelques semaines.",
        "Les refuges débordent dès l'automne et les listes pour un HLM comptent des centaines de noms.",
        "Une éviction peut défaire en un mois des années de travail avec une famille.",
        "Le soutien communautaire en logement devrait être financé de façon permanente.",
    ],
    "protection_jeunesse": [
        "En protection de la jeunesse, chaque intervenante porte beaucoup trop de dossiers.",
        "Les jeunes placés changent de famille d'accueil trop souvent.",
        "Le signalement n'est qu'un début; ce sont les services qui suivent qui comptent.",
        "Les parents ont besoin d'être accompagnés, pas seulement évalués.",
        "Les jeunes qui quittent un centre de réadaptation à dix-huit ans se retrouvent seuls.",
        "Le roulement du personnel oblige les enfants à raconter leur histoire encore et encore.",
    ],
    "sante_mentale": [
        "En santé mentale, l'accès à un suivi psychosocial reste beaucoup trop long.",
        "Mon fils a fait trois passages à l'urgence avant d'obtenir un suivi.",
        "Les proches ne savent pas à qui s'adresser quand la situation se détériore.",
        "Le soutien par les pairs a fait une vraie différence dans mon rétablissement.",
        "Les services en santé mentale devraient aller vers les gens au lieu de les attendre.",
        "L'anxiété et la détresse des jeunes ont beaucoup augmenté depuis quelques années.",
    ],
    "communautaire": [
        "Les organismes communautaires comblent les trous du réseau sans en avoir les moyens.",
        "Notre financement est renouvelé d'année en année, ce qui empêche toute planification.",
        "C'est l'organisme du quartier qui nous a tenus debout pendant les pires mois.",
        "Les bénévoles s'épuisent et le recrutement devient difficile.",
        "La collaboration entre le réseau public et le communautaire dépend trop des personnes.",
        "Nous recevons de plus en plus de références du réseau, sans financement supplémentaire.",
    ],
    "formation": [
        "La formation initiale prépare mal à la réalité du terrain.",
        "Les stages sont essentiels, mais les milieux manquent de superviseures disponibles.",
        "La formation continue se fait trop souvent sur notre temps personnel.",
        "Il faudrait mieux reconnaître les savoirs d'expérience des personnes concernées.",
        "La recherche en travail social devrait être plus proche des équipes de terrain.",
        "Les nouvelles intervenantes arrivent seules devant des situations très complexes.",
    ],
    "ruralite": [
        "En région rurale, le bureau le plus proche est à plus d'une heure de route.",
        "Sans transport en commun, se rendre à un rendez-vous demande une journée entière.",
        "Une seule intervenante couvre parfois plusieurs municipalités.",
        "La connexion Internet ne permet pas toujours les rencontres à distance.",
        "Les services spécialisés sont concentrés dans les grands centres.",
        "Dans un petit village, tout le monde se connaît, ce qui freine les demandes d'aide.",
    ],
    "conditions": [
        "Je passe près de la moitié de ma semaine à remplir des outils de saisie.",
        "Chaque heure devant l'écran est une heure que je ne passe pas avec les familles.",
        "La charge de travail pousse plusieurs collègues à quitter la profession.",
        "Les équipes changent sans cesse et les postes restent vacants pendant des mois.",
        "On nous demande des statistiques plutôt que du jugement professionnel.",
        "Le temps supplémentaire est devenu la norme plutôt que l'exception.",
        "Qu'on allège la reddition de comptes et qu'on nous fasse confiance.",
    ],
    "reconnaissance": [
        "Le travail social reste mal compris, même à l'intérieur du réseau.",
        "Les techniciennes font le même travail de terrain sans la même reconnaissance.",
        "Notre expertise est rarement consultée quand les décisions se prennent.",
        "Le public connaît surtout le travail social par les situations qui tournent mal.",
        "La profession mérite une place à la table où se décident les orientations.",
    ],
    "participation": [
        "Les personnes concernées devraient participer aux décisions qui les touchent.",
        "On nous consulte souvent une fois que tout est déjà décidé.",
        "Les comités d'usagers manquent de moyens pour jouer leur rôle.",
        "Une consultation comme celle-ci est un bon début, à condition qu'elle ait des suites.",
        "La gouvernance du réseau est trop loin des communautés.",
        "Les organismes devraient siéger aux tables où se répartit le financement.",
    ],
}
#: Sentences that fit any theme.
GENERAL = [
    "Les besoins sont plus complexes qu'il y a dix ans.",
    "Ce qui aide vraiment, c'est une personne qui prend le temps d'écouter.",
    "Les services existent, mais il faut savoir où frapper.",
    "Chaque changement d'intervenante oblige à tout recommencer.",
    "La pandémie a laissé des traces que l'on voit encore aujourd'hui.",
    "Le coût de la vie touche maintenant des familles qui n'avaient jamais demandé d'aide.",
    "Les démarches administratives découragent bien des personnes.",
    "On parle beaucoup de prévention, mais les moyens vont surtout aux urgences.",
]
THEME_TOPICS = [
    ["reconnaissance", "conditions"],
    ["conditions", "protection_jeunesse"],
    ["attente", "logement", "ruralite", "sante_mentale"],
    ["formation"],
    ["participation", "communautaire"],
]

CLOSINGS = [
    "Merci de prendre le temps de lire ce témoignage.",
    "J'espère que cette consultation mènera à des changements concrets.",
    "Nous avons besoin de moins de promesses et de plus de moyens.",
    "Je reste malgré tout attachée à ce travail et aux personnes que j'accompagne.",
]

#: Titles, by theme (same order as THEMES); a testimony's first theme picks its title.
TITLES = [
    ["Une profession méconnue", "Reconnaître les techniciennes", "Une place à la table",
     "Ce que le travail social apporte"],
    ["Moins de formulaires, plus de rencontres", "Trop de dossiers",
     "Quand l'urgence devient la norme", "Le roulement du personnel"],
    ["Huit mois d'attente", "Un logement avant tout", "Loin de tout",
     "La route pour un rendez-vous", "Pour un vrai suivi en santé mentale",
     "Des jeunes laissés seuls"],
    ["Des stages mieux encadrés", "Former la relève", "Les savoirs d'expérience",
     "La recherche au service du terrain"],
    ["Écouter les premières personnes concernées", "Le communautaire à bout de souffle",
     "Financer à la mission", "Être consultés pour vrai", "Ce qui nous a aidés"],
]
#: Share of testimonies without a title.
UNTITLED = 0.15
DISPLAY_NAMES = [
    "Mère de Rosemont", "Intervenante en protection", "Travailleur de rue",
    "Étudiante en stage", "Proche aidant", "Technicienne en CLSC", "Organisme de Rimouski",
    "Un père inquiet", "Travailleuse sociale scolaire", "Chercheuse",
]
#: Share of testimonies that leave an address for news of their testimony.
WITH_CONTACT = 0.2


@dataclass
class SeedResult:
    """What seed() did: the consultation it created, how many rows, how long it took."""

    consultation_id: int
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else float("inf")


class BenchConfig(DevelopmentConfig):
    """Development settings (no debug mode) with a fixed secret. Pages are made at every
    request: the benches in one process time the work of a page, not the copy kept for
    visitors (bench/throughput.py measures both under gunicorn)."""

    SECRET_KEY = "bench-only-not-secret"
    PAGE_CACHE_SECONDS = 0


def make_app(database_url: str) -> Flask:
    """The application on `database_url`, migrated if its tables are missing."""
    url = make_url(normalise_database_url(database_url))
    if url.drivername == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database).resolve()  # relative to here, not to the instance folder
        path.parent.mkdir(parents=True, exist_ok=True)
        url = url.set(database=str(path))
    app = create_app(BenchConfig,
                     SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False))
    with app.app_context():
        if not inspect(db.engine).has_table(Testimony.__tablename__):
            upgrade()
    return app


def _weighted(choices: list[tuple]) -> tuple[list, list[int]]:
    values, weights = zip(*choices)
    return list(values), list(weights)


class TestimonyFactory:
    """Deterministic rows for the testimonies table and its theme links."""

    def __init__(self, rng: random.Random, consultation: Consultation, n: int):
        self.rng = rng
        self.n = n
        self.theme_ids = [t.id for t in consultation.themes]
        self.category_ids = [c.id for c in consultation.categories]
        self.category_weights = [weight for _name, weight in CATEGORIES]
        self.region_ids = [r.id for r in consultation.regions]
        self.region_weights = [weight for _name, weight in REGIONS]
        self.region_names = [r.name for r in consultation.regions]
        self.channels = _weighted(CHANNELS)
        self.visibilities = _weighted(VISIBILITIES)
        self.statuses = _weighted(STATUSES)
        self.theme_counts = _weighted(THEME_COUNTS)
        self.start = consultation.opens_at
        self.span = (utcnow() - timedelta(days=1)) - self.start
        self.public_count = 0

    def _sentence(self, template: str) -> str:
        if "{" not in template:
            return template
        return template.format(n=self.rng.randint(2, 18),
                               region=self.rng.choice(self.region_names))

    def _body(self, category: int, themes: list[int], rare: bool) -> str:
        rng = self.rng
        target = rng.randint(MIN_CHARS, MAX_CHARS)
        pool = GENERAL + [s for theme in themes for topic in THEME_TOPICS[theme]
                          for s in TOPICS[topic]]
        sentences = [self._sentence(rng.choice(OPENINGS[category]))]
        if rare:
            sentences.append(RARE_SENTENCE)
        length = sum(len(sentence) + 1 for sentence in sentences)
        unused: list[str] = []
        while length < target:
            if not unused:  # every sentence of the pool once, in random order, then again
                unused = rng.sample(pool, len(pool))
            sentence = self._sentence(unused.pop())
            sentences.append(sentence)
            length += len(sentence) + 1
        if length > MAX_CHARS:
            length -= len(sentences.pop()) + 1
        if rng.random() < 0.3 and length + 80 < MAX_CHARS:
            sentences.append(rng.choice(CLOSINGS))
        return " ".join(sentences)

    def row(self, index: int, consultation_id: int) -> tuple[dict, list[int]]:
        """The testimony number `index` (0-based) and the positions of its themes."""
        rng = self.rng
        category = rng.choices(range(len(CATEGORIES)), self.category_weights)[0]
        themes = rng.sample(range(len(self.theme_ids)), rng.choices(*self.theme_counts)[0])
        visibility = rng.choices(*self.visibilities)[0]
        status = rng.choices(*self.statuses)[0]
        # Same rule as consult.testimonies.services.refresh_public_copy.
        shown = status is Status.PUBLISHED and visibility is not Visibility.CONFIDENTIAL
        rare = shown and self.public_count % RARE_EVERY == 0
        if shown:
            self.public_count += 1
        title = None if rng.random() < UNTITLED else rng.choice(TITLES[themes[0]])
        body = self._body(category, themes, rare)
        created = self.start + self.span * (index / self.n)
        published = status is Status.PUBLISHED or (
            status is Status.WITHDRAWN and rng.random() < 0.5
        )
        published_at = created + timedelta(hours=rng.randint(2, 48)) if published else None
        row = {
            "consultation_id": consultation_id,
            "author_id": None,
            "title": title,
            "body": body,
            "public_title": title if shown else None,
            "public_body": body if shown else None,
            "is_public": shown,
            "category_id": self.category_ids[category],
            "region_id": rng.choices(self.region_ids, self.region_weights)[0],
            "channel": rng.choices(*self.channels)[0],
            "visibility": visibility,
            "display_name": rng.choice(DISPLAY_NAMES) if visibility is Visibility.PUBLIC else None,
            "contact_email": (f"participant{index}@example.org"
                              if rng.random() < WITH_CONTACT else None),
            "receipt_token_hash": hashlib.sha256(
                f"bench-{consultation_id}-{index}".encode()).hexdigest(),
            "submission_key": None,
            "status": status,
            "consented_at": created,
            "created_at": created,
            "updated_at": published_at or created,
            "published_at": published_at,
        }
        return row, themes


def _create_consultation(slug: str) -> Consultation:
    if db.session.execute(select(Consultation.id).filter_by(slug=slug)).first():
        raise SystemExit(f"A consultation {slug!r} already exists here: "
                         "use another --slug or a fresh database.")
    now = utcnow()
    consultation = Consultation(
        slug=slug,
        title="États généraux du travail social (données de banc d'essai)",
        description="Consultation générée par bench/seed_large.py.",
        opens_at=now - timedelta(days=60),
        synthesis_at=now + timedelta(days=30),
        vote_at=now + timedelta(days=60),
        closes_at=now + timedelta(days=90),
        themes=[Theme(name=name, description=description, position=i)
                for i, (name, description) in enumerate(THEMES)],
        categories=[ParticipantCategory(name=name, position=i)
                    for i, (name, _weight) in enumerate(CATEGORIES)],
        regions=[Region(name=name, position=i) for i, (name, _weight) in enumerate(REGIONS)],
    )
    db.session.add(consultation)
    db.session.flush()
    return consultation


def seed(n: int, slug: str = DEFAULT_SLUG, random_seed: int = RANDOM_SEED) -> SeedResult:
    """Create the consultation `slug` with `n` testimonies; call in an app context."""
    started = time.perf_counter()
    consultation = _create_consultation(slug)
    factory = TestimonyFactory(random.Random(random_seed), consultation, n)
    # Ids are given, not returned: RETURNING in a guaranteed order costs one statement a row.
    last_id = db.session.execute(select(func.coalesce(func.max(Testimony.id), 0))).scalar_one()
    for first in range(0, n, BATCH_SIZE):
        rows, links = [], []
        for index in range(first, min(first + BATCH_SIZE, n)):
            row, themes = factory.row(index, consultation.id)
            row["id"] = last_id + 1 + index
            rows.append(row)
            links += [{"testimony_id": row["id"], "theme_id": factory.theme_ids[theme]}
                      for theme in themes]
        db.session.execute(insert(Testimony.__table__), rows)
        db.session.execute(insert(testimony_themes), links)
    figures.recount(consultation.id)  # the rows went around the ORM that keeps them
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(
            "SELECT setval(pg_get_serial_sequence('testimonies', 'id'), max(id)) FROM testimonies"
        ))
    db.session.commit()
    after_bulk_load()
    return SeedResult(consultation.id, n, time.perf_counter() - started)


def after_bulk_load() -> None:
    """On PostgreSQL, what autovacuum would soon do after a bulk load: fresh statistics
    and visibility map."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def count_public(consultation_id: int) -> int:
    """How many testimonies of the consultation the public can read."""
    return db.session.execute(
        select(func.count()).select_from(Testimony)
        .where(Testimony.consultation_id == consultation_id, Testimony.is_public.is_(True))
    ).scalar_one()


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=_positive, help="number of testimonies to create")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL,
                        help=f"database to fill (default: {DEFAULT_DATABASE_URL})")
    parser.add_argument("--slug", default=DEFAULT_SLUG,
                        help=f"slug of the consultation to create (default: {DEFAULT_SLUG})")
    args = parser.parse_args()
    app = make_app(args.database_url)
    with app.app_context():
        result = seed(args.n, args.slug)
        public = count_public(result.consultation_id)
    print(f"{result.rows:,} testimonies ({public:,} public) in consultation {args.slug!r} "
          f"in {result.seconds:.1f} s: {result.rows_per_second:,.0f} rows/s")


if __name__ == "__main__":
    main()
