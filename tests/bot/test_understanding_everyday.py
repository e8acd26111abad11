"""Everyday answers: mixed and corrected answers, regional words, units, typos, ambiguity.

The examples here are written for these tests; none comes from the held-out set
(tests/nlu_holdout/), which only measures the result (benchmarks/nlu.md).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers import Interpretation
from bot.questionnaire import NO_CHOICE, Question, default_questionnaire
from bot.understanding import interpret, normalise, parse_number
from bot.understanding.choices import mentioned_codes
from bot.understanding.lexicon import QUESTION_WORDS, THEME_WORDS
from bot.understanding.matching import one_typo_apart
from bot.understanding.numbers import read_number
from bot.understanding.text import match_form

QUESTIONNAIRE = default_questionnaire()
YES_NO = "citoyens_communication"
THEMES = "citoyens_attentes"
INITIATIVES = "infrastructures_initiatives"


def question(question_id: str) -> Question:
    return QUESTIONNAIRE.question(question_id)


def value_of(question_id: str, text: str) -> object:
    interpretation = normalise(question(question_id), text)
    return "NOT UNDERSTOOD" if interpretation is None else interpretation.value


# --- oui / en partie / non ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # one clause says yes, another no
        "pour le centre-ville oui, pour les hameaux non",
        "la voirie oui, les bâtiments non",
        "on a un référent mais il ne décide rien",
        "il y a une charte mais personne ne l'applique",
        "on suit l'électricité mais pas le gaz",
        "on informe par le journal municipal mais sans formation des usagers",
        "oui, au moins pour les écoles",
        "côté eau oui, côté énergie c'est flou",
        # a share of the whole
        "trois services sur huit",
        "2 écoles sur 5",
        "la moitié des agents",
        "un tiers des bâtiments",
        "à peu près",
        "on y est à peu près",
        # restrictions
        "on a une appli qui ne fait que les signalements",
        "un budget pour l'étude, pas pour les travaux",
        "à part les gymnases",
    ],
)
def test_mixed_and_restricted_answers_are_partly(text: str) -> None:
    assert value_of(YES_NO, text) == "en_partie"


@pytest.mark.parametrize(
    "text",
    [
        "pas encore, on attend le vote du budget",
        "non pas encore, c'est prévu en 2027",
        "pas encore : le marché est en cours",
        "bah pas encore",
        "nenni",
        "que nenni",
        "pantoute",
        "que dalle",
        "personne",
        "personne pour l'instant",
        "non, personne de dédié",
        "du tout",
        "on ne sait pas comment s'y prendre",
        "non on ne sait pas quoi faire",
        "non, aucune idée de ce qu'il faudrait",
    ],
)
def test_not_yet_and_regional_no(text: str) -> None:
    assert value_of(YES_NO, text) == "non"


@pytest.mark.parametrize(
    "text",
    [
        "non, enfin si, pour les nouveaux outils",
        "non... ah si, on fait des ateliers",
        "euh non, en fait oui",
        "tous les services y participent",
        "tout le monde est formé",
        "c'est la médiathèque qui accompagne les usagers",
        "c'est notre conseillère numérique qui s'en charge",
        "on accompagne chaque nouvel outil d'une réunion publique",
        "oui : on commence par une réunion d'information",
        "oui tous, sans exception",
    ],
)
def test_corrections_and_affirmative_statements_are_yes(text: str) -> None:
    assert value_of(YES_NO, text) == "oui"


def test_a_correction_to_partly_is_partly() -> None:
    assert value_of(YES_NO, "non, enfin si, en partie") == "en_partie"


@pytest.mark.parametrize(
    "text",
    ["4 sur 5", "12", "ils ne sont pas au courant, les services", "on dit pain, pas baguette, pourquoi ?"],
)
def test_not_a_yes_no_answer_or_not_a_dont_know(text: str) -> None:
    interpretation = normalise(question(YES_NO), text)
    assert interpretation is None or not interpretation.unknown


@pytest.mark.parametrize(
    "text", ["chépa", "chai pas", "mystère", "mystère total", "aucune info", "pas au courant"]
)
def test_everyday_dont_know(text: str) -> None:
    assert normalise(question(YES_NO), text) == Interpretation("ne_sait_pas", unknown=True)


def test_the_services_not_being_informed_is_an_answer_not_a_dont_know() -> None:
    assert value_of("strategie_services_impliques", "pas tous, la DRH n'est pas au courant") == "en_partie"


# --- ambiguity: interpret() gives the candidates, normalise() stores nothing -----------


@pytest.mark.parametrize(
    ("question_id", "text", "candidates"),
    [
        (YES_NO, "je crois que oui", ("oui", "ne_sait_pas")),
        (YES_NO, "il me semble", ("oui", "ne_sait_pas")),
        (YES_NO, "probablement", ("oui", "ne_sait_pas")),
        (YES_NO, "je ne pense pas", ("non", "ne_sait_pas")),
        (YES_NO, "a priori non", ("non", "ne_sait_pas")),
        (YES_NO, "rarement", ("en_partie", "non")),
        # Two negations that cancel: yes or partly, the words alone cannot tell.
        (YES_NO, "On n'est pas sans DPO : il est mutualisé", ("oui", "en_partie")),
        (YES_NO, "on ne peut pas dire qu'on n'ait rien fait", ("oui", "en_partie")),
        (YES_NO, "pas question de ne pas le faire", ("oui", "en_partie")),
        (YES_NO, "ce n'est pas comme si on n'avait jamais essayé", ("oui", "en_partie")),
        ("type_collectivite", "une commune dans une interco", ("commune", "intercommunalite")),
        ("role_repondant", "maire et DGS à la fois", ("elu", "direction_generale")),
        ("durable_pression_budget", "entre 3 et 4", (3, 4)),
        ("durable_pression_budget", "2 ou 3", (2, 3)),
        ("population", "12 000 habitants et 80 agents", (12_000, 80)),
    ],
)
def test_ambiguous_answers_give_candidates(question_id: str, text: str, candidates: tuple) -> None:
    interpretation = interpret(question(question_id), text)
    assert interpretation is not None
    assert interpretation.ambiguous
    assert interpretation.candidates == candidates
    assert interpretation.value is None
    assert normalise(question(question_id), text) is None


@pytest.mark.parametrize(
    ("question_id", "text"),
    [
        (YES_NO, "oui"),
        (YES_NO, "oui mais seulement pour les écoles"),
        ("population", "12 000"),
        (THEMES, "bus"),
    ],
)
def test_clear_answers_are_not_ambiguous(question_id: str, text: str) -> None:
    interpretation = interpret(question(question_id), text)
    assert interpretation == normalise(question(question_id), text)
    assert interpretation is not None and not interpretation.ambiguous


def test_candidates_outside_the_bounds_are_dropped() -> None:
    # 0 is below the population's minimum: a single candidate is no question to ask.
    assert (
        interpret(question("population"), "0 ou 12") is None
        or not interpret(question("population"), "0 ou 12").ambiguous
    )


# --- numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question_id", "text", "expected"),
    [
        ("population", "4 300 habitants au recensement de 2020", 4_300),
        ("population", "2 700 hab. (chiffres 2022)", 2_700),
        ("population", "en 2021 on comptait 5 100 habitants", 5_100),
        ("population", "3 hameaux et 950 habitants", 950),
        ("nombre_agents", "42 agents dont 6 saisonniers", 42),
        ("nombre_agents", "18 ETP pour 3 sites", 18),
        ("nombre_agents", "un seul agent", 1),
        ("nombre_agents", "une", 1),
        ("infrastructures_surface_batiments", "7 bâtiments, environ 4 200 m²", 4_200),
        ("infrastructures_surface_batiments", "4 écoles et 2 gymnases, 8 500 mètres carrés en tout", 8_500),
        ("population", "septante-deux mille", 72_000),
        ("population", "huitante habitants", 80),
        ("nombre_agents", "nonante-cinq", 95),
        ("population", "douze cents", 1_200),
    ],
)
def test_number_answering_the_question(question_id: str, text: str, expected: int) -> None:
    assert value_of(question_id, text) == expected


@pytest.mark.parametrize(
    ("question_id", "text"),
    [
        ("population", "c'est une petite ville"),
        ("population", "une commune rurale"),
        ("nombre_agents", "un peu"),
        ("population", "des milliers"),
    ],
)
def test_articles_and_vague_quantities_are_not_numbers(question_id: str, text: str) -> None:
    assert normalise(question(question_id), text) is None


def test_without_a_unit_several_numbers_stay_unread() -> None:
    assert parse_number("4 300 habitants en 2020") is None
    assert parse_number("4 300 habitants en 2020", "habitants") == 4_300
    assert read_number("42 agents et 5 000 habitants", "agents").value is None


# --- themes and choices ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("qu'on trouve à se garer", ["mobilite"]),
        ("moins de bouchons aux heures de pointe", ["mobilite"]),
        ("des pistes cyclables sûres", ["mobilite"]),
        ("la fin des dépôts sauvages", ["dechets"]),
        ("des composteurs partagés", ["dechets"]),
        ("pouvoir signaler un nid de poule depuis le téléphone", ["relation_usagers"]),
        ("payer la cantine en ligne", ["relation_usagers"]),
        ("qu'on les consulte avant les grands projets", ["participation"]),
        ("donner leur avis sur les aménagements", ["participation"]),
        ("plus de transparence", ["donnees_ouvertes"]),
        ("qu'on éteigne les lumières la nuit", ["eclairage_public"]),
        ("ampoules basse consommation dans les rues", ["eclairage_public"]),
        ("la rénovation thermique de la crèche", ["batiments"]),
        ("eclairrage, stationement et poubeles", ["eclairage_public", "dechets", "mobilite"]),
        ("lampadère et candelabre", ["eclairage_public"]),
        ("ECLAIRAGE", ["eclairage_public"]),
        ("éclairage", ["eclairage_public"]),
    ],
)
def test_themes_from_everyday_words_typos_and_accents(text: str, expected: list[str]) -> None:
    assert value_of(THEMES, text) == expected


@pytest.mark.parametrize(
    ("question_id", "text", "expected"),
    [
        ("type_collectivite", "la comcom", "intercommunalite"),
        ("type_collectivite", "une cdc de 15 communes", "intercommunalite"),
        ("type_collectivite", "conseil général", "departement"),
        ("type_collectivite", "intercomunalité", "intercommunalite"),
        ("type_collectivite", "un parc naturel régional", "autre"),
        ("role_repondant", "première adjointe", "elu"),
        ("role_repondant", "maire d'un village de 300 habitants", "elu"),
        ("role_repondant", "DGA", "direction_generale"),
        ("role_repondant", "responsable informatique", "direction_technique"),
        ("role_repondant", "gestionnaire comptable", "agent"),
        ("role_repondant", "stagiaire", "autre"),
    ],
)
def test_everyday_words_for_single_choices(question_id: str, text: str, expected: str) -> None:
    assert value_of(question_id, text) == expected


@pytest.mark.parametrize("text", ["nada", "que dalle", "pas grand-chose", "rien de particulier"])
def test_everyday_none(text: str) -> None:
    assert value_of(INITIATIVES, text) == [NO_CHOICE]


def test_a_short_word_needs_no_typo_tolerance() -> None:
    # "mairie" is 6 letters: "Marie" must not become the commune.
    assert normalise(question("type_collectivite"), "Marie") is None


@pytest.mark.parametrize(
    ("word", "name", "expected"),
    [
        ("eclairrage", "eclairage", True),
        ("eclairag", "eclairage", True),
        ("ecliarage", "eclairage", True),
        ("eclaorage", "eclairage", True),
        ("eclairage", "eclairage", False),  # equal words are an exact match, not a typo
        ("eclairages", "eclairage", True),
        ("ecrlairrage", "eclairage", False),
        ("stationnements", "stationnement", True),
    ],
)
def test_one_typo_apart(word: str, name: str, expected: bool) -> None:
    assert one_typo_apart(word, name) is expected


def test_every_lexicon_word_points_to_its_choice() -> None:
    for question_id, words in QUESTION_WORDS.items():
        q = question(question_id)
        for code, names in words.items():
            for name in names:
                assert code in mentioned_codes(q, name), f"{question_id}: {name!r}"
    themes = question(THEMES)
    for code, names in THEME_WORDS.items():
        for name in names:
            assert code in mentioned_codes(themes, name), name


def test_lexicon_words_are_written_in_the_matching_form() -> None:
    for names in [*THEME_WORDS.values(), *(n for w in QUESTION_WORDS.values() for n in w.values())]:
        for name in names:
            assert match_form(name) == name, name


# --- free text and scale --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["passer", "Je passe", "suivant", "pourquoi ?", "pourquoi vous demandez ça", "c'est quoi le but ?"],
)
def test_commands_and_questions_are_not_a_name(text: str) -> None:
    assert normalise(question("nom_collectivite"), text) is None


@pytest.mark.parametrize("text", ["Pourquoi-Pas-sur-Loire", "Saint-Passer", "La Suivante"])
def test_names_that_contain_such_words_are_kept(text: str) -> None:
    assert value_of("nom_collectivite", text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4 sur une échelle de 5", 4), ("2 sur une note de 5", 2), ("au milieu", 3), ("à mi-chemin", 3)],
)
def test_scale_everyday(text: str, expected: int) -> None:
    assert value_of("durable_pression_budget", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sur l'échelle de 1 à 5, je dirais 3.", 3),
        ("entre 1 et 5 ? disons 4", 4),
        ("la facture a doublé en 2023, donc 5 sans hésiter", 5),
        ("depuis 2022 c'est 2", 2),
    ],
)
def test_the_scale_restated_and_years_are_not_the_answer(text: str, expected: int) -> None:
    assert value_of("durable_pression_budget", text) == expected


@pytest.mark.parametrize("text", ["de 1 à 5 ?", "en 2023"])
def test_the_scale_restated_alone_gives_nothing(text: str) -> None:
    assert normalise(question("durable_pression_budget"), text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("je suis le bourgmestre", "elu"),
        ("échevine aux travaux", "elu"),
        ("directrice du pôle technique", "direction_technique"),
        ("je dirige les services de la commune", "direction_generale"),
        ("simple citoyen, juste curieux", "autre"),
        ("adjoint technique", "agent"),
    ],
)
def test_roles_in_other_words(text: str, expected: str) -> None:
    assert value_of("role_repondant", text) == expected


# --- property-based: nothing crashes, results stay well-formed ---------------------------

WORDS = [
    "oui",
    "non",
    "mais",
    "enfin",
    "si",
    "pas",
    "encore",
    "sur",
    "trois",
    "12",
    "2019",
    "habitants",
    "agents",
    "m²",
    "un",
    "une",
    "la",
    "moitié",
    "éclairage",
    "eclairrage",
    "bus",
    "se",
    "garer",
    "comcom",
    "maire",
    "DGS",
    "je",
    "crois",
    "que",
    "personne",
    "tous",
    ",",
    ":",
    "…",
    "entre",
    "et",
]
sentences = st.lists(st.sampled_from(WORDS), max_size=25).map(" ".join)
any_text = st.one_of(st.text(max_size=300), sentences)
relaxed = settings(deadline=None, max_examples=150)


@relaxed
@given(any_text)
def test_interpret_never_raises_and_candidates_are_valid(text: str) -> None:
    for q in QUESTIONNAIRE.questions:
        interpretation = interpret(q, text)
        if interpretation is None or not interpretation.ambiguous:
            assert interpretation == normalise(q, text)
            continue
        assert interpretation.value is None
        assert len(set(interpretation.candidates)) == len(interpretation.candidates) >= 2
        if q.answer_type == "oui_partiel_non":
            assert set(interpretation.candidates) <= {"oui", "en_partie", "non", "ne_sait_pas"}
        elif q.answer_type == "choix":
            assert set(interpretation.candidates) <= set(q.choice_codes())
        else:
            assert all(isinstance(c, int) for c in interpretation.candidates)
            assert all(q.minimum is None or c >= q.minimum for c in interpretation.candidates)
            assert all(q.maximum is None or c <= q.maximum for c in interpretation.candidates)


@relaxed
@given(any_text, st.sampled_from([None, "habitants", "agents", "m²", "inconnue"]))
def test_numbers_with_a_unit_never_raise(text: str, unit: str | None) -> None:
    reading = read_number(text, unit)
    assert reading.value is None or (isinstance(reading.value, int) and reading.value >= 0)
    assert not (reading.value is not None and reading.candidates)


@relaxed
@given(any_text)
def test_theme_extraction_never_raises_and_keeps_the_order(text: str) -> None:
    q = question(THEMES)
    codes = mentioned_codes(q, text)
    assert codes == [c for c in q.choice_codes() if c in codes]


@pytest.mark.parametrize(
    "text", ["que la mairie réponde vite aux habitants", "pouvoir appeler la mairie et avoir quelqu'un"]
)
def test_the_town_hall_one_calls_is_the_relation_not_the_building(text: str) -> None:
    interpretation = interpret(default_questionnaire().question("citoyens_attentes"), text)
    assert interpretation is not None and interpretation.value == ["relation_usagers"]
