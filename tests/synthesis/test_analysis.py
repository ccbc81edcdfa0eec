"""Text analysis of testimonies: topics, near-duplicates, similar testimonies."""
import itertools
import random
import subprocess
import sys

import pytest

from consult.synthesis.analysis import Analysis, analyse, fold, stop_words

SUBJECTS = {
    "housing": [
        "Le loyer de notre appartement a doublé et le propriétaire refuse les réparations.",
        "La liste pour un logement social dépasse cinq ans dans notre ville.",
        "The landlord raised the rent and ignored the mould in the apartment.",
        "Nous avons été expulsés du logement en plein hiver avec les enfants.",
        "Affordable housing is impossible to find with a rent subsidy.",
        "Le bail a été résilié et le tribunal du logement tarde à entendre la cause.",
    ],
    "mental_health": [
        "J'ai attendu huit mois pour voir une psychologue après ma dépression.",
        "The psychiatric emergency sent my suicidal son home without follow-up.",
        "La psychothérapie coûte trop cher et l'anxiété ne disparaît pas.",
        "Peer support workers helped me through my depression and anxiety.",
        "Le suivi en santé mentale s'arrête dès que la crise est passée.",
        "Crisis lines for suicide prevention lack volunteers at night.",
    ],
    "rural": [
        "Le village n'a plus de médecin et le CLSC est à quatre-vingts kilomètres.",
        "Without a car, farmers cannot reach the clinic in town.",
        "Le transport collectif ne passe que deux fois par semaine dans la municipalité.",
        "Rural broadband is missing so telehealth appointments fail.",
        "Les aînés isolés de la campagne n'ont plus de visites à domicile.",
        "Winter roads close and rural home visits are cancelled.",
    ],
    "training": [
        "Les stages en travail social ne sont pas rémunérés et les étudiantes s'endettent.",
        "The university program should teach more crisis interview skills.",
        "La formation continue exige des crédits que l'ordre professionnel ne finance pas.",
        "Internship supervisors have no time for students.",
        "Le baccalauréat prépare mal aux réalités de l'intervention.",
        "Foreign graduates wait years for diploma recognition.",
    ],
}
LETTER = (
    "Madame, Monsieur les commissaires, je demande l'adoption immédiate de ratios de dossiers par "
    "intervenante, la fin des heures supplémentaires obligatoires et un salaire équitable pour les "
    "travailleuses communautaires. La charge de travail actuelle met en danger les usagers."
)
EDITS = [("demande", "réclame"), ("immédiate", "rapide"), ("équitable", "juste"), ("actuelle", "présente")]


def corpus(per_subject=12, seed=1):
    """Documents (id, text) and each id's subject."""
    rng = random.Random(seed)
    documents, subject_of = [], {}
    doc_id = 100
    for subject, sentences in SUBJECTS.items():
        combinations = list(itertools.combinations(sentences, 3))  # distinct texts, not copies
        rng.shuffle(combinations)
        for chosen in combinations[:per_subject]:
            doc_id += 1
            documents.append((doc_id, " ".join(chosen)))
            subject_of[doc_id] = subject
    return documents, subject_of


def letters(first_id=1000, copies=20):
    """The same letter copied ``copies`` times, most with a small edit or a signature."""
    out = []
    for i in range(copies):
        text = LETTER
        if i % 3:
            old, new = EDITS[i % len(EDITS)]
            text = text.replace(old, new, 1)
        if i % 2:
            text += f" Signé : personne {i}."
        out.append((first_id + i, text))
    return out


def test_topics_match_clearly_separated_subjects():
    documents, subject_of = corpus()
    result = analyse(documents, topics=4)
    assert len(result.topics) == 4
    assert sorted(i for t in result.topics for i in t.testimony_ids) == sorted(subject_of)
    for topic in result.topics:
        assert len({subject_of[i] for i in topic.testimony_ids}) == 1
        assert len(topic.top_terms) == 10
        assert len(topic.representative_ids) == 3
        assert set(topic.representative_ids) <= set(topic.testimony_ids)
    assert [t.number for t in result.topics] == [1, 2, 3, 4]


def test_topic_count_is_chosen_between_4_and_12():
    documents, subject_of = corpus()
    result = analyse(documents)
    assert 4 <= len(result.topics) <= 12
    for topic in result.topics:  # never mixes two subjects
        assert len({subject_of[i] for i in topic.testimony_ids}) == 1


def test_stop_words_are_not_top_terms():
    documents, _ = corpus()
    stops = stop_words()
    assert {"les", "des", "the", "and", "pour", "etre"} <= stops
    for topic in analyse(documents, topics=4).topics:
        assert not {fold(term) for term in topic.top_terms} & stops


def test_the_forms_of_a_word_and_its_family_meet_in_one_term():
    waiting = [(i, text) for i, text in enumerate([
        "J'ai attendu huit mois un rendez-vous au CLSC.",
        "L'attente pour un rendez-vous est interminable.",
        "Nous attendons toujours un rendez-vous, sans nouvelles.",
        "Mon fils attend son rendez-vous depuis l'hiver.",
    ], start=1)]
    housing = [(i, text) for i, text in enumerate([
        "Le loyer de notre logement a doublé cette année.",
        "Les loyers des logements sociaux augmentent encore.",
        "Notre logement est insalubre et le loyer trop cher.",
        "Un logement abordable, avec un loyer juste, reste introuvable.",
    ], start=10)]
    result = analyse(waiting + housing, topics=2)
    labels = {tuple(sorted(t.testimony_ids)): t.top_terms for t in result.topics}
    assert "attente" in labels[(1, 2, 3, 4)]  # attendu, attente, attendons, attend
    assert {"loyer", "logement"} <= set(labels[(10, 11, 12, 13)])  # plurals join too
    assert not {"attendu", "attendons", "loyers", "logements"} & {
        term for terms in labels.values() for term in terms}


def test_topic_labels_keep_their_accents():
    documents, _ = corpus()
    terms = {term for topic in analyse(documents, topics=4).topics for term in topic.top_terms}
    assert {term for term in terms if term != fold(term)}  # e.g. "santé", "étudiant"
    assert all(term == term.lower() for term in terms)


def test_english_words_are_lemmatised_too():
    documents = [(1, "The children were waiting for their assessments."),
                 (2, "My child waited two years for an assessment."),
                 (3, "Children wait and wait for an assessment.")]
    terms = analyse(documents, topics=1).topics[0].top_terms
    assert {"child", "wait", "assessment"} <= set(terms)
    assert not {"children", "waiting", "waited", "assessments"} & set(terms)


def test_without_lemmas_the_words_are_counted_as_written():
    documents = [(1, "Les logements et le logement."), (2, "Un logement, des logements.")]
    terms = analyse(documents, topics=1, lemmatise=False).topics[0].top_terms
    assert {"logement", "logements"} <= set(terms)


def test_importing_the_application_does_not_load_the_language_models():
    code = ("import sys; from config import TestConfig; from consult import create_app; "
            "create_app(TestConfig); print('spacy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_near_duplicates_are_grouped_and_counted_once():
    documents, subject_of = corpus()
    copies = letters()
    result = analyse(documents + copies, topics=4)
    assert result.duplicate_groups == [[i for i, _ in copies]]
    letter_ids = {i for i, _ in copies}
    letter_topics = [t for t in result.topics if letter_ids & set(t.testimony_ids)]
    assert len(letter_topics) == 1  # all the copies follow their representative
    assert letter_ids <= set(letter_topics[0].testimony_ids)
    for topic in result.topics:
        assert len(letter_ids & set(topic.representative_ids)) <= 1
    # counted once: twenty copies weigh as one testimony and do not take a topic from the subjects
    found = [{subject_of[i] for i in t.testimony_ids if i not in letter_ids} for t in result.topics]
    assert sorted(s.pop() for s in found if len(s) == 1) == sorted(SUBJECTS)
    for doc_id, similar in result.similar.items():
        found = [i for i, _ in similar]
        assert len(found) == len(set(found))
        assert len(letter_ids & set(found)) <= (0 if doc_id in letter_ids else 1)


def test_similar_testimonies_share_the_subject():
    documents, subject_of = corpus()
    result = analyse(documents, topics=4)
    assert set(result.similar) == set(subject_of)
    for doc_id, similar in result.similar.items():
        assert len(similar) == 5
        assert doc_id not in [i for i, _ in similar]
        scores = [s for _, s in similar]
        assert scores == sorted(scores, reverse=True)
        assert all(0 < s <= 1.0001 for s in scores)
        same = sum(subject_of[i] == subject_of[doc_id] for i, _ in similar)
        assert same >= 4


def test_deterministic_and_independent_of_input_order():
    documents, _ = corpus()
    documents += letters()
    first = analyse(documents)
    assert analyse(documents) == first
    shuffled = documents[:]
    random.Random(7).shuffle(shuffled)
    assert analyse(shuffled) == first
    assert analyse(documents, seed=0) == first


@pytest.mark.parametrize(
    "documents",
    [[], [(7, "Le loyer a doublé et le propriétaire refuse les réparations.")], [(1, "le la les the and"), (2, "")]],
)
def test_tiny_inputs(documents):
    result = analyse(documents)
    assert isinstance(result, Analysis)
    ids = sorted(i for t in result.topics for i in t.testimony_ids)
    assert ids == sorted(i for i, _ in documents)
    assert result.duplicate_groups == []
    assert set(result.similar) == {i for i, _ in documents}
    if len(documents) == 1:
        assert result.topics[0].representative_ids == [7]
        assert "loyer" in result.topics[0].top_terms
        assert result.similar == {7: []}


CAMPAIGN = (
    "Mesdames et messieurs les commissaires, comme parent {word} du quartier, je vous écris pour que "
    "les maisons de la famille reçoivent un financement stable sur cinq ans. Aujourd'hui les équipes "
    "passent leurs soirées à remplir des demandes de subvention au lieu d'accueillir les familles. "
    "Je vous remercie de votre écoute. {signature}"
)
OTHER_CAMPAIGN = (
    "Aux commissaires : je signe cette lettre pour réclamer des autobus entre les villages et "
    "l'hôpital régional, le soir comme la fin de semaine. Sans voiture, un rendez-vous chez le "
    "spécialiste coûte une journée de congé et un taxi hors de prix. {signature}"
)
WORDS = ["inquiet", "épuisé", "engagé", "bénévole", "solidaire"]
FIRST_NAMES = ["Anouk", "Basile", "Capucine", "Dorian", "Elsa", "Fabien", "Gisèle", "Hugo", "Inès", "Jules"]
LAST_NAMES = ["Arsenault", "Bélanger", "Charron", "Desjardins", "Émond", "Fréchette", "Gauthier",
              "Hébert", "Isabelle", "Jolicoeur", "Kirouac", "Lachance", "Marchand", "Nolin",
              "Ouimet", "Paquette", "Quintal", "Rioux", "Savard", "Thibault"]


def campaign(letter, first_id, copies=200):
    """``copies`` copies of ``letter``, each with one word changed and its own signature."""
    return [
        (first_id + i, letter.format(
            word=WORDS[i % len(WORDS)],
            signature=f"{FIRST_NAMES[i % 10]} {LAST_NAMES[i // 10 % 20]}",
        ))
        for i in range(copies)
    ]


def test_one_form_letter_sent_200_times_is_one_group():
    copies = campaign(CAMPAIGN, 5000)
    result = analyse(copies)
    assert result.duplicate_groups == [[i for i, _ in copies]]


def test_two_form_letters_among_testimonies_stay_two_groups():
    documents, subject_of = corpus()
    first = campaign(CAMPAIGN, 5000, copies=120)
    second = campaign(OTHER_CAMPAIGN, 6000, copies=80)
    result = analyse(documents + first + second, topics=4)
    assert result.duplicate_groups == [[i for i, _ in first], [i for i, _ in second]]
