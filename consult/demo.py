"""The demonstration consultation, modelled on a États généraux of social work.

The texts are invented for the demonstration; names of people in them are fictitious.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from consult.accounts import services as accounts
from consult.extensions import db
from consult.hearings import services as hearings
from consult.i18n import local_to_utc, utc_to_local
from consult.models import (
    Channel,
    ConsentMethod,
    Consultation,
    Hearing,
    LocalEvent,
    MemberRole,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Registration,
    ParticipantCategory,
    Region,
    RejectionReason,
    Role,
    Status,
    Theme,
    Visibility,
    utcnow,
)
from consult.moderation import services as moderation
from consult.testimonies import services as testimonies

DEMO_SLUG = "etats-generaux-travail-social"

#: The demonstration accounts' addresses end with this.
DEMO_EMAIL_DOMAIN = "@demo.consult.example"

#: One demonstration account per role: its label and its role in the consultation.
DEMO_PEOPLE = [("admin", None), ("moderator", Role.MODERATOR),
               ("commissioner", Role.COMMISSIONER), ("facilitator", Role.FACILITATOR),
               ("participant", None)]

THEMES = [
    ("Reconnaissance du travail social",
     "La place du travail social dans le réseau et dans la société."),
    ("Conditions de pratique",
     "Charge de travail, tâches administratives, autonomie professionnelle."),
    ("Accès et proximité des services",
     "Listes d'attente, services de quartier, présence dans les territoires."),
    ("Formation et connaissances",
     "Formation initiale et continue, stages, recherche et savoirs d'expérience."),
    ("Participation et gouvernance",
     "La voix des personnes concernées et des organismes dans les décisions."),
]

CATEGORIES = [
    "Personne utilisatrice de services ou proche",
    "Travailleuse ou travailleur social",
    "Technicienne ou technicien en travail social",
    "Autre intervenante ou intervenant",
    "Étudiante ou étudiant",
    "Chercheuse, chercheur ou enseignant·e",
    "Autre profession",
    "Organisme communautaire",
    "Organisme institutionnel",
]

REGIONS = [
    "Bas-Saint-Laurent", "Saguenay–Lac-Saint-Jean", "Capitale-Nationale", "Mauricie",
    "Estrie", "Montréal", "Outaouais", "Abitibi-Témiscamingue", "Côte-Nord",
    "Nord-du-Québec", "Gaspésie–Îles-de-la-Madeleine", "Chaudière-Appalaches", "Laval",
    "Lanaudière", "Laurentides", "Montérégie", "Centre-du-Québec",
]

REJECTION_REASONS = [
    "Renseignements permettant d'identifier une personne",
    "Propos haineux, injurieux ou diffamatoires",
    "Publicité",
    "Hors sujet",
]

P, A, C = Visibility.PUBLIC, Visibility.ANONYMOUS, Visibility.CONFIDENTIAL
ON, AS, PA, HE, LE = (Channel.ONLINE, Channel.ASSISTED, Channel.PAPER, Channel.HEARING,
                      Channel.LOCAL_EVENT)
PUB, PEN, REJ, CHG, WIT = (Status.PUBLISHED, Status.PENDING, Status.REJECTED,
                           Status.CHANGES_REQUESTED, Status.WITHDRAWN)

#: (title, text, theme numbers, category number, region number, channel, visibility,
#:  display name, status)
TESTIMONIES = [
    ("Huit mois d'attente",
     "Ma fille a attendu huit mois avant de rencontrer quelqu'un au CLSC. Pendant ce temps, "
     "c'est l'organisme du quartier qui nous a tenus debout. Quand le suivi a enfin commencé, "
     "l'intervenante était excellente, mais elle changeait de poste trois mois plus tard.",
     [2], 0, 5, ON, P, "Mère de Rosemont", PUB),
    ("Moins de formulaires, plus de rencontres",
     "Je passe près de la moitié de ma semaine à remplir des outils de saisie qui ne servent à "
     "personne que je connaisse. Chaque heure devant l'écran est une heure que je ne passe pas "
     "avec les familles. Qu'on allège la reddition de comptes et qu'on nous fasse confiance.",
     [1], 1, 2, ON, P, "Intervenante en protection", PUB),
    (None,
     "Les techniciennes font le même travail de terrain que les professionnelles, sans la même "
     "reconnaissance ni le même salaire. Dans mon équipe, on nous confie les dossiers lourds "
     "quand ça arrange, puis on nous rappelle nos limites quand vient le temps de signer.",
     [0, 1], 2, 15, ON, A, None, PUB),
    ("Le travail de groupe oublié",
     "À l'université, on nous parle beaucoup d'intervention individuelle. Les approches de "
     "groupe et l'organisation communautaire sont survolées en quelques semaines alors que "
     "c'est exactement ce que les milieux nous demandent en stage.",
     [3], 4, 4, ON, P, "Étudiante en 3e année", PUB),
    ("Un bureau ouvert au village",
     "Depuis que le point de service a fermé, il faut faire 90 kilomètres pour voir une "
     "travailleuse sociale. Beaucoup de gens âgés ne le font tout simplement pas. Un bureau "
     "ouvert deux jours par semaine au village changerait tout.",
     [2], 0, 10, PA, A, None, PUB),
    ("Les organismes portent le filet social",
     "Notre organisme reçoit chaque semaine des personnes qui n'ont obtenu aucune réponse du "
     "réseau public. Nous le faisons avec des budgets par projet qui changent chaque année. "
     "Un financement à la mission, stable, nous permettrait de garder notre personnel.",
     [0, 4], 7, 0, ON, P, "Maison de la famille du Kamouraska", PUB),
    ("Écouter les personnes concernées",
     "Personne ne m'a jamais demandé mon avis sur les services que je reçois depuis dix ans. "
     "Je serais prête à siéger à un comité si on m'expliquait comment et si on remboursait "
     "le transport.",
     [4], 0, 12, AS, P, "Ginette", PUB),
    (None,
     "Je travaille en santé mentale dans un hôpital. On nous demande de justifier chaque "
     "intervention par un diagnostic. Les problèmes de logement, de revenu, de solitude "
     "n'entrent dans aucune case, alors qu'ils expliquent souvent tout le reste.",
     [0], 1, 5, ON, A, None, PUB),
    ("Sécurisation culturelle",
     "Dans notre communauté, la méfiance envers les services sociaux a des racines anciennes. "
     "Les intervenantes qui prennent le temps d'apprendre notre histoire et de travailler avec "
     "nos aînés obtiennent des résultats que les autres n'obtiennent pas.",
     [3, 2], 3, 8, LE, P, "Conseil de bande, comité santé", PUB),
    ("Stages non rémunérés",
     "J'ai fait mon dernier stage à temps plein en travaillant le soir dans une épicerie. Je "
     "connais trois camarades qui ont abandonné pour des raisons financières. Les stages "
     "devraient être rémunérés.",
     [3], 4, 6, ON, P, "Étudiant, Gatineau", PUB),
    ("La recherche doit revenir sur le terrain",
     "Nos résultats de recherche dorment dans des revues que les praticiennes n'ont pas le "
     "temps de lire. Il faut des lieux où chercheurs et intervenants produisent ensemble des "
     "connaissances utiles.",
     [3], 5, 2, HE, P, "Professeur en travail social", PUB),
    (None,
     "Mon fils vit avec une déficience intellectuelle. Chaque changement d'intervenant nous "
     "oblige à tout raconter depuis le début. Il en a eu six en quatre ans.",
     [2], 0, 13, PA, A, None, PUB),
    ("Une voix commune",
     "Entre l'ordre professionnel, les syndicats, les regroupements communautaires et les "
     "écoles, personne ne parle d'une seule voix pour le travail social. Un forum permanent "
     "aiderait à peser dans les décisions publiques.",
     [4, 0], 8, 2, HE, P, "Regroupement régional", PUB),
    ("Épuisement",
     "Après quinze ans, je pense à quitter la profession. Ce n'est pas le travail avec les "
     "personnes qui m'épuise, c'est de ne jamais pouvoir faire ce que je sais qu'il faudrait "
     "faire.",
     [1], 1, 3, ON, A, None, PUB),
    ("Travailler hors des murs",
     "Nos meilleures interventions se font dans les parcs, les HLM, les cafés. Quand on nous "
     "ramène au bureau pour des raisons de statistiques, on perd les personnes les plus "
     "isolées.",
     [2, 1], 3, 5, LE, P, "Travailleur de rue", PUB),
    ("Climate anxiety among young people",
     "More and more of the teenagers I meet talk about the future of the planet as a source "
     "of real distress. Social work training should prepare us to work with that, and with "
     "communities hit by floods and fires.",
     [3], 1, 6, ON, P, "School social worker", PUB),
    ("Access for English speakers",
     "In our region it is hard to find services in English. Elderly people in particular give "
     "up when they are told to wait for an interpreter.",
     [2], 6, 4, ON, A, None, PUB),
    ("Médiation familiale",
     "La médiation familiale nous a évité des années de procédures. Pourtant, peu de parents "
     "savent qu'elle existe et qu'une partie est couverte.",
     [2], 0, 11, ON, P, "Père de deux enfants", PUB),
    ("Situation d'un proche",
     "Mon frère est suivi depuis deux ans et je crains pour sa sécurité. Je ne veux pas que "
     "ce témoignage soit publié, mais je veux que les commissaires sachent comment les "
     "transitions entre établissements se passent réellement.",
     [2], 0, 1, ON, C, None, PUB),
    ("Signalement",
     "Je décris ici une situation de mon milieu de travail que je ne peux pas rendre publique. "
     "Des décisions cliniques sont prises par des gestionnaires sans consulter l'équipe.",
     [1, 4], 1, 14, HE, C, None, PUB),
    (None,
     "Dans une petite équipe, tout le monde se reconnaîtrait si je donnais des détails. Je "
     "confie ce témoignage aux commissaires seulement.",
     [1], 2, 9, PA, C, None, PEN),
    ("Comités d'usagers",
     "Les comités d'usagers existent sur papier mais ils ne reçoivent l'information qu'après "
     "les décisions. Il faudrait les consulter en amont.",
     [4], 0, 16, AS, P, "Comité des usagers", PEN),
    ("Formation continue",
     "Les formations continues sont offertes à Montréal ou à Québec. Pour nous, c'est deux "
     "jours de route. Plus de formations en ligne et des libérations payées aideraient.",
     [3, 1], 1, 7, ON, P, "Intervenante, Rouyn-Noranda", PEN),
    (None,
     "Je voudrais que le travail social soit enseigné dès le cégep comme un choix de carrière "
     "valorisé, et pas comme un plan B.",
     [0, 3], 6, 3, ON, A, None, PEN),
    ("Les proches aidants",
     "Je m'occupe de ma mère depuis cinq ans. On m'a offert du répit une seule fois. Les "
     "proches aidants devraient avoir une intervenante attitrée.",
     [2], 0, 11, LE, P, "Proche aidante", PEN),
    ("Publicité",
     "Visitez notre site pour des produits miracles contre le stress.",
     [0], 6, 5, ON, P, "Vendeur", REJ),
    ("Trop de détails",
     "Mon intervenante, madame Tremblay du CLSC de la rue principale, m'a dit que mon dossier "
     "serait fermé si je ne venais pas mardi.",
     [2], 0, 0, ON, P, "Usager", CHG),
    ("Retiré par son auteur",
     "Je retire ce texte : je préfère en parler lors de l'assemblée locale.",
     [4], 7, 2, ON, A, None, WIT),
    ("Une gouvernance de proximité",
     "Les décisions sur les services de notre territoire se prennent loin d'ici. Une instance "
     "locale où siègent des citoyens, des organismes et des intervenantes rapprocherait les "
     "décisions des besoins réels.",
     [4, 2], 7, 0, LE, P, "Table de concertation locale", PUB),
    ("Le rôle préventif",
     "Quand on intervient seulement en situation de crise, on arrive toujours trop tard. La "
     "prévention devrait avoir son budget protégé.",
     [0], 1, 12, ON, P, "Travailleuse sociale, Laval", PUB),
    ("Mémoire d'un regroupement",
     "Notre regroupement dépose un mémoire sur la place des organismes communautaires dans "
     "l'organisation des services sociaux et propose une entente de partenariat à long terme.",
     [4, 0], 7, 15, ON, P, "Regroupement des organismes communautaires", PUB),
    ("Accueil des personnes immigrantes",
     "Les familles nouvellement arrivées ne savent pas à quelle porte frapper. Des "
     "intervenantes issues des communautés et des services d'interprétation feraient une "
     "grande différence.",
     [2, 3], 3, 5, AS, A, None, PUB),
]


def _consultation() -> Consultation:
    now = utcnow()
    consultation = Consultation(
        slug=DEMO_SLUG,
        title="États généraux du travail social (démonstration)",
        description=(
            "Une consultation publique sur l'avenir du travail social. Personnes qui reçoivent "
            "des services et leurs proches, intervenantes et intervenants, étudiantes et "
            "étudiants, chercheurs, organismes communautaires et institutionnels : toutes et "
            "tous sont invités à témoigner de ce qu'ils vivent et de ce qu'ils proposent.\n\n"
            "Les témoignages sont lus par les commissaires, qui en tireront des orientations, "
            "des recommandations et des mesures soumises au vote lors d'un sommet."
        ),
        opens_at=now - timedelta(days=45),
        synthesis_at=now + timedelta(days=60),
        vote_at=now + timedelta(days=120),
        closes_at=now + timedelta(days=150),
    )
    consultation.themes = [
        Theme(name=name, description=description, position=i)
        for i, (name, description) in enumerate(THEMES)
    ]
    consultation.categories = [ParticipantCategory(name=n, position=i) for i, n in enumerate(CATEGORIES)]
    consultation.regions = [Region(name=n, position=i) for i, n in enumerate(REGIONS)]
    consultation.rejection_reasons = [
        RejectionReason(name=n, position=i) for i, n in enumerate(REJECTION_REASONS)]
    db.session.add(consultation)
    db.session.commit()
    return consultation


def reset_demo_passwords(password_factory: Callable[[], str]) -> list[tuple[str, str, str]]:
    """Give each demonstration account that exists a new password (its sessions end).

    Returns (role, e-mail, password) for each account whose password changed.
    """
    changed = []
    for label, _role in DEMO_PEOPLE:
        email = label + DEMO_EMAIL_DOMAIN
        user = accounts.find_user(email)
        if user is not None:
            password = password_factory()
            accounts.set_password(user, password)
            changed.append((label, email, password))
    return changed


def load_demo(password_factory: Callable[[], str]) -> list[tuple[str, str, str]]:
    """Create the consultation, its testimonies and one account per role.

    Returns (role, e-mail, password) for each account created.
    """
    consultation = _consultation()
    created = []
    users = {}
    for label, role in DEMO_PEOPLE:
        password = password_factory()
        email = label + DEMO_EMAIL_DOMAIN
        if label == "admin":
            user = accounts.create_admin(email, "Admin", password)
        else:
            user = accounts.create_confirmed_user(email, label.capitalize(), password)
        if role is not None:
            accounts.grant_role(user, consultation, role)
        users[label] = user
        created.append((label, email, password))

    outreach = _outreach(consultation, users)
    for index, (title, body, themes, category, region, channel, visibility, name, status) in (
        enumerate(TESTIMONIES)
    ):
        content = {
            "title": title,
            "body": body,
            "theme_ids": [consultation.themes[t].id for t in themes],
            "category_id": consultation.categories[category].id,
            "region_id": consultation.regions[region].id,
            "visibility": visibility,
            "display_name": name,
        }
        online = channel is Channel.ONLINE
        author = users["participant"] if index % 7 == 0 and online else None
        testimony, _token = testimonies.submit_testimony(
            consultation, content, author=author, send_receipt=False,
            provenance=testimonies.ONLINE if online else testimonies.Provenance(
                channel=channel, consent_method=ConsentMethod.SIGNED_FORM,
                entered_by=users["facilitator"], organisation=outreach.organisation,
                event=outreach.event if channel is Channel.LOCAL_EVENT else None),
        )
        _moderate(testimony, status, users["moderator"], consultation)
    hearings.record_notes(outreach.hearing, {
        "title": "Audition du regroupement des usagers",
        "body": "Le regroupement a décrit des délais d'attente qui ont doublé en deux ans dans "
                "les petites municipalités, et des usagers qui renoncent faute de transport. "
                "Il demande des points de service mobiles et un suivi par la même personne.",
        "theme_ids": [t.id for t in outreach.hearing.themes], "category_id": None,
        "region_id": consultation.regions[0].id, "visibility": Visibility.CONFIDENTIAL,
        "display_name": None}, users["commissioner"])
    return created


@dataclass
class Outreach:
    organisation: Organisation
    event: LocalEvent
    hearing: Hearing


def _outreach(consultation: Consultation, users: dict) -> Outreach:
    """A community organisation run by the facilitator, with a past event (where the
    paper testimonies were gathered) and two coming ones; another organisation waiting
    for approval; a hearing held and one to come."""
    now = utcnow().replace(second=0, microsecond=0)

    def local_slot(days: int, hour: int = 18, hours: int = 2) -> dict:
        """From half past `hour`, site time, `days` days from today, for `hours` hours."""
        day = (utc_to_local(now) + timedelta(days=days)).date()
        starts = local_to_utc(datetime.combine(day, time(hour, 30)))
        return {"starts_at": starts, "ends_at": starts + timedelta(hours=hours)}

    bas_saint_laurent, estrie = consultation.regions[0], consultation.regions[4]
    organisation = Organisation(
        consultation=consultation, name="Carrefour communautaire du Bas-Saint-Laurent",
        kind=OrganisationKind.COMMUNITY, region=bas_saint_laurent,
        status=OrganisationStatus.APPROVED, decided_at=now, decided_by_id=users["admin"].id,
        description="Un carrefour d'organismes de Rimouski et des environs qui tient des "
                    "cafés-rencontres pour recueillir la parole des personnes qui utilisent "
                    "les services sociaux, en particulier celles qui n'iront pas en ligne.",
        members=[Membership(user=users["facilitator"], role=MemberRole.OWNER)])
    waiting = Organisation(
        consultation=consultation, name="Table jeunesse de l'Estrie",
        kind=OrganisationKind.COMMUNITY, region=estrie,
        description="Une table de concertation des organismes jeunesse de l'Estrie.",
        members=[Membership(user=users["participant"], role=MemberRole.OWNER)])
    past = LocalEvent(
        consultation=consultation, organisation=organisation, region=bas_saint_laurent,
        title="Café-rencontre : les services près de chez nous",
        description="Une rencontre ouverte pour parler de l'accès aux services sociaux "
                    "dans les petites municipalités. Des formulaires papier sont offerts.",
        **local_slot(-10), place="Salle paroissiale, Rimouski", capacity=30, attendance=23,
        themes=[consultation.themes[2], consultation.themes[4]],
        report="Vingt-trois personnes présentes, dont une majorité d'aînés. Les "
               "échanges ont porté sur le transport et les délais. Quatre témoignages "
               "écrits sur papier ont été remis et saisis par l'animatrice.")
    coming = [
        LocalEvent(consultation=consultation, organisation=organisation,
                   region=bas_saint_laurent, title="Soirée d'échange : la prévention",
                   description="Comment mieux prévenir plutôt que d'intervenir en crise ?",
                   **local_slot(12), place="Bibliothèque municipale, Matane", capacity=2,
                   themes=[consultation.themes[0]]),
        LocalEvent(consultation=consultation, organisation=organisation,
                   title="Atelier en ligne : témoigner de sa pratique",
                   **local_slot(20, hour=12, hours=1), capacity=None,
                   online_url="https://visio.example.org/atelier",
                   themes=[consultation.themes[3]]),
    ]
    held, scheduled = (
        Hearing(consultation=consultation, heard=heard, organisation_name=name, starts_at=at,
                place="Québec", themes=themes, created_by_id=users["commissioner"].id)
        for heard, name, at, themes in (
            ("Porte-parole du regroupement des usagers", "Regroupement des usagers",
             local_slot(-5, hour=10)["starts_at"], consultation.themes[2:3]),
            ("Ordre professionnel", "Ordre des travailleurs sociaux",
             local_slot(8, hour=10)["starts_at"], consultation.themes[3:4])))
    # Three people for two seats: the agenda shows a waiting list.
    db.session.add_all([organisation, waiting, past, *coming, held, scheduled] + [
        Registration(event=coming[0], user=users[person])
        for person in ("participant", "moderator", "commissioner")])
    db.session.commit()
    return Outreach(organisation, past, held)


def _moderate(testimony, status: Status, moderator, consultation: Consultation) -> None:
    """Take the decision the demonstration shows, as a moderator would."""
    if status is Status.PUBLISHED:
        moderation.publish(testimony, moderator, testimony.version)
    elif status is Status.REJECTED:
        reason = next(r for r in consultation.rejection_reasons if r.name == "Publicité")
        moderation.reject(testimony, moderator, testimony.version, reason, "")
    elif status is Status.CHANGES_REQUESTED:
        moderation.request_changes(
            testimony, moderator, testimony.version,
            "Merci de retirer le nom de votre intervenante et l'adresse du CLSC : "
            "ils permettraient de la reconnaître.")
    elif status is Status.WITHDRAWN:
        testimonies.withdraw_testimony(testimony)
