"""Time the text analysis of testimonies (consult/synthesis/analysis.py) on generated texts.

    .venv/bin/python bench/analyse_texts.py --sizes 1000,10000,50000
    .venv/bin/python bench/analyse_texts.py --sizes 1000,50000 --compare   # with and without spaCy

For each size, generates N French testimonies deterministically (seeded): seven
subjects (housing, waiting lists, youth protection, mental health, rural access,
training, working conditions), each testimony mostly about one subject with a few
generic sentences and sometimes one from another subject; about 5% are copies of a
handful of form letters with small edits (a changed word, a name, a signature). Each
size runs in a fresh process so that peak memory (ru_maxrss) is that size's own.

Prints a markdown table: wall time per phase, peak memory, topics and duplicate groups
found, and the adjusted Rand index of the topics against the generator's subjects. The
analysis lemmatises with spaCy (``consult.nlp``) unless ``--words``; ``--compare`` runs
each size both ways. The peak memory of a run with spaCy includes the French model.
"""
import argparse
import json
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: find `consult`

SUBJECTS = {
    "logement": [
        "Le loyer de mon appartement a augmenté de {pct} % en {n} ans et je ne peux plus suivre.",
        "Nous vivons à cinq dans un trois pièces insalubre, avec de la moisissure dans les chambres.",
        "La liste d'attente pour un logement social à {ville} dépasse {n} ans.",
        "Le propriétaire refuse de faire les réparations du chauffage depuis l'hiver dernier.",
        "Après l'expulsion, ma famille a dormi dans la voiture pendant {n} semaines.",
        "Les refuges pour personnes itinérantes sont pleins dès dix-huit heures.",
        "Trouver un logement abordable avec un chèque d'aide au loyer est presque impossible.",
        "Le bail a été résilié sans motif et le tribunal du logement tarde à entendre la cause.",
        "Les logements accessibles aux fauteuils roulants sont rares et trop chers.",
        "Une travailleuse du refuge m'a aidé à remplir la demande de logement subventionné.",
        "La crise du logement pousse des familles entières vers les motels.",
        "Le dépôt de garantie et le premier loyer représentent deux mois de revenus.",
    ],
    "attente": [
        "J'attends un rendez-vous avec une travailleuse sociale depuis {n} mois.",
        "Le délai pour obtenir une évaluation au CLSC de {ville} est de {n} semaines.",
        "Ma demande est restée dans la liste d'attente sans aucune nouvelle du guichet d'accès.",
        "Chaque fois que j'appelle, on me dit que mon dossier est en traitement.",
        "Les délais d'attente pour l'évaluation en ergothérapie sont devenus interminables.",
        "Personne ne m'a expliqué ma place sur la liste ni le temps d'attente prévu.",
        "Pendant l'attente, la situation de ma mère s'est beaucoup détériorée.",
        "Le triage au guichet unique renvoie les demandes d'un service à l'autre.",
        "On m'a proposé un rendez-vous dans {n} mois, à deux heures de route.",
        "La liste d'attente pour le soutien à domicile compte plus de {n} cents personnes.",
        "Le dossier a été fermé parce que je n'ai pas rappelé dans les délais.",
        "Les rappels téléphoniques arrivent pendant mes heures de travail.",
    ],
    "jeunesse": [
        "La protection de la jeunesse a retiré mes enfants sans nous accompagner ensuite.",
        "Les jeunes placés en famille d'accueil changent trop souvent d'intervenant.",
        "À dix-huit ans, les jeunes sortent du centre jeunesse sans logement ni soutien.",
        "Le signalement fait par l'école a mis des mois à être évalué par la DPJ.",
        "Ma fille a connu {n} familles d'accueil différentes avant ses douze ans.",
        "Les intervenantes de la DPJ portent chacune plus de {n} dossiers d'enfants.",
        "Les parents ne comprennent pas le jugement du tribunal de la jeunesse.",
        "Un éducateur stable a tout changé pour mon fils au centre de réadaptation.",
        "Les adolescents en fugue du centre jeunesse se retrouvent exploités.",
        "Le plan d'intervention de l'enfant n'a jamais été révisé avec la famille.",
        "La transition vers la vie adulte des jeunes placés doit être préparée plus tôt.",
        "Les grands-parents qui accueillent leurs petits-enfants ne reçoivent aucune aide.",
    ],
    "sante_mentale": [
        "Après ma crise d'anxiété, j'ai attendu {n} mois pour voir un psychologue.",
        "Les urgences psychiatriques renvoient les personnes suicidaires chez elles.",
        "La dépression de mon conjoint a été prise en charge trop tard.",
        "Les médicaments sont remboursés mais la psychothérapie reste hors de prix.",
        "Le suivi en santé mentale s'arrête dès que la crise est passée.",
        "Les pairs aidants du groupe communautaire m'ont sauvé la vie.",
        "Les psychiatres sont trop peu nombreux à {ville} pour la population.",
        "La détresse psychologique des étudiants augmente et les services débordent.",
        "Mon fils schizophrène n'a plus de suivi depuis sa sortie de l'hôpital.",
        "Les lignes d'écoute en prévention du suicide manquent de bénévoles la nuit.",
        "L'épuisement et le burn-out des proches aidants ne sont pas reconnus.",
        "Une équipe mobile de crise devrait intervenir avec la police.",
    ],
    "rural": [
        "Dans notre village, le point de service le plus proche est à {n} kilomètres.",
        "Sans voiture, il est impossible de se rendre aux rendez-vous en ville.",
        "Le transport collectif ne passe que deux fois par semaine dans la municipalité.",
        "Internet haute vitesse n'arrive pas au rang, donc pas de téléconsultation.",
        "Les organismes communautaires ruraux couvrent un territoire immense.",
        "Les agriculteurs en détresse n'osent pas demander d'aide au village.",
        "L'hiver, les routes de la région de {ville} sont fermées et les visites annulées.",
        "Le CLSC du village a fermé et le médecin vient une journée par mois.",
        "Les aînés isolés de la campagne n'ont plus de visites à domicile.",
        "Le covoiturage organisé par la paroisse remplace le transport adapté.",
        "Les distances en région éloignée coûtent cher en essence aux familles.",
        "Les intervenants en milieu rural roulent des heures entre deux visites.",
    ],
    "formation": [
        "Les stages en travail social ne sont pas rémunérés et les étudiantes s'endettent.",
        "La formation initiale prépare mal aux réalités de l'intervention de crise.",
        "Le programme de baccalauréat devrait inclure plus de cours sur les Premières Nations.",
        "La formation continue est offerte pendant les heures de travail, impossible d'y aller.",
        "Les superviseurs de stage manquent de temps pour accompagner les stagiaires.",
        "Le cégep de {ville} a fermé sa technique en travail social faute d'inscriptions.",
        "Les diplômés étrangers attendent des années la reconnaissance de leurs compétences.",
        "L'ordre professionnel exige des heures de formation sans les financer.",
        "Un mentorat des nouvelles diplômées réduirait les départs la première année.",
        "Les cours universitaires devraient enseigner l'approche antiraciste.",
        "La simulation clinique aide les étudiants à pratiquer l'entrevue.",
        "Les bourses de stage annoncées n'ont jamais été versées aux étudiants.",
    ],
    "travail": [
        "Je gère {n} dossiers à la fois et je n'ai plus le temps d'écouter les gens.",
        "Les heures supplémentaires obligatoires mènent à l'épuisement professionnel.",
        "Le salaire des intervenantes communautaires est inférieur à celui du réseau public.",
        "La paperasse administrative prend la moitié de ma semaine de travail.",
        "Plusieurs collègues ont quitté la profession après un congé de maladie.",
        "La gestion par indicateurs de performance nie le sens de notre métier.",
        "Les agressions contre les travailleuses sociales ne sont pas déclarées.",
        "Le roulement du personnel empêche toute relation de confiance avec les usagers.",
        "Les postes à temps partiel précaires font fuir les jeunes professionnelles.",
        "La charge de travail a doublé depuis la réorganisation du réseau.",
        "Notre syndicat réclame des ratios de dossiers par intervenante.",
        "Le télétravail a isolé les équipes et réduit le soutien clinique.",
    ],
}
#: Per subject: who, what happens, and a detail; combined freely into sentences.
PHRASES = {
    "logement": (["Le propriétaire", "La régie", "Notre coopérative", "Le locateur", "L'office municipal",
                  "Le concierge", "La famille voisine", "Le comité logement"],
                 ["a augmenté le loyer", "refuse les réparations", "menace d'éviction", "a vendu l'immeuble",
                  "a repris le logement", "ignore la moisissure", "exige un dépôt", "coupe le chauffage"],
                 ["malgré le bail signé", "en plein hiver", "sans avis écrit", "avant la rénovation",
                  "pour louer plus cher", "au mois de juillet", "près du métro", "dans le quartier"]),
    "attente": (["Le guichet d'accès", "La réceptionniste du CLSC", "Le centre de services", "L'infirmière de liaison",
                 "Le service de triage", "Le médecin de famille", "La plateforme de rendez-vous", "Le coordonnateur"],
                ["a reporté l'évaluation", "a perdu la demande", "a mis le dossier en attente",
                 "a annulé le rendez-vous", "n'a jamais rappelé", "a prolongé le délai", "a fermé la demande",
                 "a transféré la référence"],
                ["sans explication", "pour la troisième fois", "faute de personnel", "après des mois",
                 "malgré l'urgence", "jusqu'à l'automne", "par simple courriel", "sans date prévue"]),
    "jeunesse": (["L'intervenante de la DPJ", "La famille d'accueil", "Le centre jeunesse", "Le juge",
                  "L'éducateur", "Le signalement", "La travailleuse de suivi", "L'école"],
                 ["a placé l'enfant", "a changé l'adolescent de foyer", "a retiré la garde",
                  "a révisé le plan d'intervention", "a limité les visites parentales", "a suivi la fugue",
                  "a accompagné le jeune", "a rencontré les parents"],
                 ["sans consulter les grands-parents", "à la majorité", "pendant la fugue", "au tribunal",
                  "après le signalement", "en famille d'accueil", "avant l'audience", "au centre de réadaptation"]),
    "sante_mentale": (["Le psychiatre", "La psychologue", "L'équipe de crise", "Le groupe d'entraide",
                       "La ligne d'écoute", "L'urgence psychiatrique", "Le pair aidant", "La clinique externe"],
                      ["a prescrit des antidépresseurs", "a refusé l'hospitalisation", "a suivi la détresse",
                       "a évalué le risque suicidaire", "a offert une thérapie", "a calmé l'angoisse",
                       "a traité la psychose", "a rompu le suivi"],
                      ["après la crise d'anxiété", "en pleine dépression", "pendant la nuit", "au congé",
                       "malgré les idées suicidaires", "après le burn-out", "lors de la rechute",
                       "sans suivi thérapeutique"]),
    "rural": (["Le village", "La municipalité", "Le transport adapté", "Le point de service",
               "La MRC", "L'autobus régional", "Le dispensaire", "La paroisse"],
              ["est à des kilomètres", "a perdu son CLSC", "n'a plus de médecin", "n'offre aucun transport",
               "manque d'internet", "a fermé le bureau", "organise le covoiturage", "isole les aînés"],
              ["en région éloignée", "sur le rang", "en hiver", "à la campagne", "loin de la ville",
               "pour les agriculteurs", "sans voiture", "sur la route enneigée"]),
    "formation": (["Le stage", "Le programme universitaire", "La superviseure", "Le cégep",
                   "L'ordre professionnel", "La formation continue", "Le mentorat", "La bourse"],
                  ["n'est pas rémunéré", "prépare mal aux entrevues", "manque de cours cliniques",
                   "exige des crédits", "n'a pas reconnu le diplôme", "aide les stagiaires",
                   "forme les étudiantes", "finance les cours"],
                  ["au baccalauréat", "en technique", "à la maîtrise", "pendant la session",
                   "pour les diplômés étrangers", "en supervision", "à l'université", "après la diplomation"]),
    "travail": (["La gestionnaire", "Le syndicat", "La réorganisation", "L'employeur",
                 "La direction du CISSS", "L'équipe", "La convention collective", "Le chef de service"],
                ["impose des heures supplémentaires", "ajoute des dossiers", "réduit le salaire",
                 "mesure la performance", "remplace les collègues absents", "multiplie la paperasse",
                 "refuse les congés", "augmente la charge"],
                ["jusqu'à l'épuisement", "sans prime", "avec des postes précaires", "malgré les agressions",
                 "en temps partiel", "après le congé de maladie", "pour les intervenantes", "chaque semaine"]),
}
GENERIC = [
    "Je témoigne aujourd'hui parce que notre expérience doit être entendue.",
    "Merci de prendre le temps de lire ce témoignage.",
    "J'espère que les commissaires tiendront compte de notre situation.",
    "Je vis à {ville} depuis {n} ans.",
    "Je suis mère de {n} enfants et je travaille à temps plein.",
    "Nous avons besoin de changements concrets et rapides.",
    "Il faut écouter les personnes concernées avant de décider.",
    "Je préfère garder l'anonymat pour ce témoignage.",
]
CITIES = ["Montréal", "Québec", "Gatineau", "Rimouski", "Saguenay", "Sherbrooke", "Trois-Rivières",
          "Val-d'Or", "Gaspé", "Laval", "Longueuil", "Sept-Îles", "Rouyn-Noranda", "Drummondville"]
NAMES = ["Marie", "Jean", "Sophie", "Luc", "Nathalie", "Pierre", "Isabelle", "Marc", "Julie", "André"]
FORM_LETTERS = [
    ("travail", "Madame, Monsieur les commissaires, en tant qu'intervenante du réseau public, je demande "
     "l'adoption immédiate de ratios de dossiers par intervenante, la fin des heures supplémentaires "
     "obligatoires et un salaire équitable pour les travailleuses communautaires. La charge de travail "
     "actuelle met en danger les usagers comme le personnel. Recevez mes salutations."),
    ("logement", "Nous, locataires signataires, demandons un moratoire sur les évictions, la construction "
     "de dix mille logements sociaux par année et un registre public des loyers. Le droit au logement "
     "est un droit fondamental que la commission doit défendre dans ses recommandations."),
    ("jeunesse", "Comme parent d'un enfant suivi par la protection de la jeunesse, je demande que chaque "
     "famille ait un intervenant stable, un plan d'intervention révisé avec elle tous les six mois et "
     "un accompagnement des jeunes jusqu'à vingt-cinq ans après leur placement."),
    ("sante_mentale", "Je signe cette lettre pour réclamer l'accès gratuit à la psychothérapie, des équipes "
     "mobiles de crise dans chaque région et la fin des congés prématurés des urgences psychiatriques. "
     "La santé mentale ne peut plus attendre."),
    ("rural", "Citoyennes et citoyens de la région, nous exigeons le maintien des points de service dans "
     "les villages, un transport adapté financé et l'internet haute vitesse pour permettre les "
     "téléconsultations. La ruralité n'est pas une région de seconde classe."),
]
EDITS = [("demande", "réclame"), ("immédiate", "rapide"), ("chaque", "toute"), ("nous", "nous tous"),
         ("droit", "vrai droit"), ("région", "région administrative"), ("financé", "bien financé")]


def generate(n: int, seed: int = 0) -> tuple[list[tuple[int, str]], list[str]]:
    """N testimonies (id, text) and the subject each was written about."""
    rng = random.Random(seed)
    subjects = sorted(SUBJECTS)
    documents, labels = [], []
    for i in range(n):
        if rng.random() < 0.05:
            subject, text = FORM_LETTERS[rng.randrange(len(FORM_LETTERS))]
            if rng.random() < 0.7:  # a small edit
                old, new = EDITS[rng.randrange(len(EDITS))]
                text = text.replace(old, new, 1)
            if rng.random() < 0.5:  # a signature
                text += f" {rng.choice(NAMES)}, {rng.choice(CITIES)}."
        else:
            subject = subjects[rng.randrange(len(subjects))]
            sentences = rng.sample(SUBJECTS[subject], rng.randint(2, 4))
            who, what, detail = PHRASES[subject]
            for _ in range(rng.randint(2, 4)):
                sentences.insert(rng.randrange(len(sentences) + 1),
                                 f"{rng.choice(who)} {rng.choice(what)} {rng.choice(detail)}.")
            for _ in range(rng.randint(0, 2)):
                sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(GENERIC))
            if rng.random() < 0.3:  # people rarely stay on one subject
                other = subjects[rng.randrange(len(subjects))]
                sentences.append(rng.choice(SUBJECTS[other]))
            text = " ".join(sentences)
        text = text.format_map(_Slots(rng))
        documents.append((i + 1, text))
        labels.append(subject)
    return documents, labels


class _Slots(dict):
    def __init__(self, rng: random.Random):
        super().__init__()
        self.rng = rng

    def __missing__(self, key: str) -> str:
        if key == "ville":
            return self.rng.choice(CITIES)
        if key == "pct":
            return str(self.rng.randint(10, 60))
        return str(self.rng.randint(2, 18))


def run_one(n: int, seed: int, lemmatise: bool) -> dict:
    from sklearn.metrics import adjusted_rand_score

    from consult.synthesis.analysis import analyse

    documents, labels = generate(n, seed)
    start = time.perf_counter()
    result = analyse(documents, seed=seed, lemmatise=lemmatise)
    wall = time.perf_counter() - start
    predicted = {doc_id: t.number for t in result.topics for doc_id in t.testimony_ids}
    ari = adjusted_rand_score(labels, [predicted[doc_id] for doc_id, _ in documents])
    copies = sum(len(g) for g in result.duplicate_groups)
    return {
        "n": n,
        "lemmas": "spaCy" if lemmatise else "words",
        **{phase: round(s, 2) for phase, s in result.timings.items()},
        "total": round(wall, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "topics": len(result.topics),
        "dup_groups": len(result.duplicate_groups),
        "dup_docs": copies,
        "ari": round(ari, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--words", action="store_true", help="count words as written, no spaCy")
    parser.add_argument("--compare", action="store_true", help="run each size with and without spaCy")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process: one size
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.seed, not args.words)))
        return
    ways = [True, False] if args.compare else [args.words]
    import numpy, scipy, sklearn, spacy  # noqa: E401

    print(f"Python {platform.python_version()}, numpy {numpy.__version__}, scipy {scipy.__version__}, "
          f"scikit-learn {sklearn.__version__}, spaCy {spacy.__version__}\n")
    print("| testimonies | terms | vectorise s | duplicates s | cluster s | similar s | total s | peak RSS MB "
          "| topics | duplicate groups (testimonies) | ARI vs subjects |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in (int(s) for s in args.sizes.split(",")):
        for words in ways:
            command = [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)]
            out = subprocess.run(command + ["--words"] * words,
                                 check=True, capture_output=True, text=True).stdout
            _row(json.loads(out.strip().splitlines()[-1]))


def _row(r: dict) -> None:
    print(f"| {r['n']:,} | {r['lemmas']} | {r['vectorise']} | {r['duplicates']} | {r['cluster']} | {r['similar']} "
          f"| {r['total']} | {r['peak_mb']} | {r['topics']} | {r['dup_groups']} ({r['dup_docs']}) "
          f"| {r['ari']} |", flush=True)


if __name__ == "__main__":
    main()
