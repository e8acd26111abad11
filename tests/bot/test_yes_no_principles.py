"""Principles of yes / partly / no answers that the rules hold (issue 10: fewer values stored wrong).

Each sentence is written for these tests, from the principle it states; none comes from an
evaluation set (tests/nlu_dev, tests/nlu_holdout, tests/nlu_blind) nor from the reader corpora.
"""

from __future__ import annotations

import pytest

from bot.questionnaire import default_questionnaire
from bot.understanding import context, interpret
from bot.understanding.context import read_in_context
from bot.understanding.reader import Reading
from bot.understanding.yes_no import says_outright, yes_partly_no

QUESTIONNAIRE = default_questionnaire()


@pytest.mark.parametrize(
    "text",
    [
        "aucun souci, nous avons une convention avec le syndicat",
        "aucun problème là-dessus, il y a une clause type dans nos marchés",
        "jamais eu de difficulté, on a un tableau tenu à jour",
        "oui, ça ne nous pose aucun problème",
        "ce n'est pas compliqué, on le fait à chaque chantier",
        "rien à redire, c'est en place depuis 2018",
    ],
)
def test_a_set_phrase_with_a_negative_word_is_no_negation(text: str) -> None:
    assert yes_partly_no(text) == "oui"


@pytest.mark.parametrize(
    "text",
    [
        "sans aucun doute",
        "ça ne fait aucun doute pour nous",
        "c'est certain",
        "j'en suis sûre",
        "sûr et certain, la délibération est passée",
        "plus que jamais",
        "il ne nous manque rien",
    ],
)
def test_certainty_and_nothing_missing_mean_yes(text: str) -> None:
    assert yes_partly_no(text) == "oui"


def test_certain_as_a_share_is_still_partly() -> None:
    assert yes_partly_no("certains services seulement") == "en_partie"
    assert yes_partly_no("certaines écoles ont des capteurs") == "en_partie"


@pytest.mark.parametrize(
    "text",
    [
        "c'est en service depuis quelques années",
        "on le fait depuis plusieurs mois",
        "mis en place il y a quelques années par l'ancienne équipe",
    ],
)
def test_a_duration_is_no_share_of_the_whole(text: str) -> None:
    assert yes_partly_no(text) == "oui"


@pytest.mark.parametrize(
    "text",
    [
        "non seulement on publie, mais on met à jour chaque semaine",
        "pas seulement pour la mairie, tous nos sites sont équipés",
    ],
)
def test_not_only_is_not_a_restriction(text: str) -> None:
    assert yes_partly_no(text) != "en_partie"


@pytest.mark.parametrize(
    "text",
    [
        "rien n'a été engagé de ce côté",
        "aucune étude n'est en cours",
        "ce n'est même pas en projet",
        "on n'y a jamais vraiment pensé",
        "le chantier n'est pas à l'ordre du jour",
    ],
)
def test_a_start_or_a_plan_denied_is_no(text: str) -> None:
    assert yes_partly_no(text) == "non"


@pytest.mark.parametrize(
    "text",
    [
        "Non, c'est la directrice qui garde tout en main",
        "non, tout le monde fait comme il l'entend",
        "Non. Il y a un logiciel différent dans chaque pôle.",
    ],
)
def test_a_no_and_its_reason_stay_no(text: str) -> None:
    assert yes_partly_no(text) == "non"


@pytest.mark.parametrize(
    "text",
    [
        "non, mais les écoles oui",  # the other word, said in a later clause
        "non, mais on a un tableur partagé",  # a contrast
    ],
)
def test_a_no_opposed_by_a_later_clause_is_not_read_alone(text: str) -> None:
    assert yes_partly_no(text) == "en_partie"


@pytest.mark.parametrize(
    "text",
    [
        "une minorité des agents",
        "une poignée de bâtiments",
        "presque tous les services",
        "on n'en est pas très loin",
        "pas à chaque fois",
        "pas tout le temps",
        "pas officiellement, c'est le secrétaire qui s'en charge",
        "elle fait office de référente sans être nommée",
        "juste pour la cantine",
    ],
)
def test_a_share_a_near_miss_or_an_unofficial_arrangement_is_partly(text: str) -> None:
    assert yes_partly_no(text) == "en_partie"


def test_almost_nothing_is_still_no() -> None:
    assert yes_partly_no("presque rien, deux réunions en dix ans") != "en_partie"


def test_a_scattered_clause_makes_the_answer_partly() -> None:
    assert yes_partly_no("le stationnement oui, le reste c'est éparpillé") == "en_partie"


def test_outright_words() -> None:
    assert says_outright("Oui, pourquoi ?")
    assert says_outright("pas du tout")
    assert says_outright("yep")
    assert not says_outright("j'ai un chat")
    assert not says_outright("on dit crayon, pas stylo")


class FixedReader:
    def __init__(self, label: str, p: float) -> None:
        others = [other for other in ("oui", "non", "en_partie", "ne_sait_pas", "autre") if other != label]
        self.reading = Reading(((label, p), *((other, (1 - p) / 4) for other in others)))

    def read(self, text: str) -> Reading:
        return self.reading


@pytest.mark.parametrize("confidence", [0.5, 0.95])
def test_small_talk_with_a_rule_word_is_no_answer(monkeypatch: pytest.MonkeyPatch, confidence: float) -> None:
    """The classifier says small talk, the learned reader says no answer, and the rules only caught
    a word ("j'ai"): not stored, at any confidence of the classifier (the engine reads an
    off-topic message a second time with a confidence of 0.5)."""
    monkeypatch.setattr(context, "answer_reader", lambda: FixedReader("autre", 0.7))
    question = QUESTIONNAIRE.question("organisation_formation")
    decision = read_in_context(question, "j'ai un chat qui s'appelle Tigrou", "out_of_scope", confidence)
    assert decision.kind == "intent"


def test_small_talk_with_an_outright_word_is_still_an_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context, "answer_reader", lambda: FixedReader("autre", 0.7))
    question = QUESTIONNAIRE.question("organisation_formation")
    decision = read_in_context(question, "non hélas", "out_of_scope", 0.5)
    assert decision.kind == "answer"
    assert decision.interpretation is not None and decision.interpretation.value == "non"


def test_a_question_the_reader_alone_takes_for_a_value_is_confirmed(monkeypatch: pytest.MonkeyPatch) -> None:
    question = QUESTIONNAIRE.question("durable_financement")
    text = "le fonds vert, on peut le demander jusqu'en quelle année ?"
    monkeypatch.setattr(context, "answer_reader", lambda: FixedReader("en_partie", 0.85))
    decision = read_in_context(question, text, "answer", 1.0)
    assert decision.kind == "confirm" and decision.candidates == ("en_partie",)
    # The same reading without a question mark is stored; a sure reader is stored even with one.
    assert read_in_context(question, "le fonds vert est demandé", "answer", 1.0).kind == "answer"
    monkeypatch.setattr(context, "answer_reader", lambda: FixedReader("en_partie", 0.95))
    assert read_in_context(question, text, "answer", 1.0).kind == "answer"


@pytest.mark.parametrize(
    "text",
    [
        "on a renoncé l'an dernier, trop cher",
        "le projet a été abandonné",
        "on avait commencé, puis on a laissé tombé",
        "tombé à l'eau après les élections",
    ],
)
def test_given_up_is_no(text: str) -> None:
    assert yes_partly_no(text) == "non"


@pytest.mark.parametrize(
    "text",
    [
        "on aurait bien besoin d'un chef de projet",
        "nous aimerions le faire, un jour",
        "il faudrait s'y mettre",
    ],
)
def test_a_wish_or_a_need_is_no(text: str) -> None:
    assert yes_partly_no(text) == "non"


def test_a_wish_beside_what_exists_is_partly() -> None:
    assert yes_partly_no("on a un tableur, il faudrait un vrai logiciel") == "en_partie"


@pytest.mark.parametrize(
    "text",
    [
        "nous faisons nos premiers pas avec l'agglomération",
        "on avance pas à pas",
        "il ne manque plus que la signature du maire",
        "rien que pour l'éclairage",
    ],
)
def test_pas_as_a_noun_and_what_is_left_are_partly(text: str) -> None:
    assert yes_partly_no(text) == "en_partie"


@pytest.mark.parametrize("text", ["néant", "nulle part chez nous", "y a degun", "walou"])
def test_more_ways_to_say_no(text: str) -> None:
    assert yes_partly_no(text) == "non"


@pytest.mark.parametrize("text", ["forcément", "naturellement", "ça va de soi", "c'est clair", "wi"])
def test_more_ways_to_say_yes(text: str) -> None:
    assert yes_partly_no(text) == "oui"


def test_the_wifi_is_no_yes() -> None:
    assert yes_partly_no("wi-fi") is None


@pytest.mark.parametrize("text", ["pas forcément", "pas beaucoup", "pas grand-chose"])
def test_not_much_is_asked_not_guessed(text: str) -> None:
    interpretation = interpret(QUESTIONNAIRE.question("citoyens_communication"), text)
    assert interpretation is not None and interpretation.candidates == ("en_partie", "non")


@pytest.mark.parametrize(
    "text",
    ["je préfère ne pas répondre", "pas de commentaire", "je ne veux pas me prononcer là-dessus", "joker"],
)
def test_refusing_to_answer_is_no_value(text: str) -> None:
    assert yes_partly_no(text) is None
    decision = read_in_context(QUESTIONNAIRE.question("donnees_rgpd"), text, "answer", 1.0)
    assert decision.kind == "not_understood"
    assert read_in_context(QUESTIONNAIRE.question("donnees_rgpd"), text, "skip", 0.9).kind == "intent"


# --- denied not-knowing, drawn-out words, opposed clauses, plans (branch h/nlu) ----------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("je ne suis pas sans savoir que c'est utile, mais on n'a rien fait", "non"),
        ("nous ne sommes pas sans le savoir : nous avons un registre", "oui"),
        ("ce n'est pas que je ne sais pas, c'est que rien n'existe", "non"),
        ("c'est pas qu'on sait pas, on a seulement deux capteurs", "en_partie"),
    ],
)
def test_denied_not_knowing_is_no_dont_know(text: str, value: str) -> None:
    question = QUESTIONNAIRE.question("donnees_inventaire")
    interpretation = interpret(question, text)
    assert interpretation is not None and not interpretation.unknown
    assert interpretation.value == value


def test_not_knowing_said_plainly_is_still_dont_know() -> None:
    interpretation = interpret(QUESTIONNAIRE.question("donnees_inventaire"), "je ne sais pas du tout")
    assert interpretation is not None and interpretation.unknown
    assert interpret(QUESTIONNAIRE.question("donnees_inventaire"), "j'en sais fichtrement rien").unknown


@pytest.mark.parametrize(
    ("text", "value"), [("ouiiii", "oui"), ("NOOOON", "non"), ("nannnn", "non"), ("jamaiiis", "non")]
)
def test_drawn_out_words_are_folded(text: str, value: str) -> None:
    assert yes_partly_no(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "ouvert, pas terminé",
        "écrite mais pas adoptée",
        "installés mais c'est pas généralisé",
        "les bâtiments oui, l'éclairage pas du tout",
        "c'est loin d'être achevé",
    ],
)
def test_a_clause_that_denies_the_end_of_the_first_is_partly(text: str) -> None:
    assert yes_partly_no(text) == "en_partie"


@pytest.mark.parametrize("text", ["pour l'instant, pas lancé", "franchement, pas fait", "non, pas lancé"])
def test_a_denied_state_after_no_statement_stays_no(text: str) -> None:
    assert yes_partly_no(text) == "non"


@pytest.mark.parametrize(
    ("question_id", "text", "value"),
    [
        ("citoyens_communication", "c'est prévu à chaque lancement", "oui"),
        ("durable_financement", "une enveloppe est prévue l'an prochain", "oui"),
        ("durable_financement", "rien n'est prévu", "non"),
        ("citoyens_communication", "prévu mais pas systématique", "en_partie"),
        ("strategie_premiere_action", "c'est prévu", "en_partie"),
    ],
)
def test_planned_is_yes_where_the_question_asks_about_a_plan(question_id: str, text: str, value: str) -> None:
    interpretation = interpret(QUESTIONNAIRE.question(question_id), text)
    assert interpretation is not None and interpretation.value == value


def test_the_first_word_or_a_correction_wins_over_a_leaning_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.understanding.reader import Reading

    class Leaning:
        def read(self, text: str) -> Reading:
            others = (("oui", 0.1), ("non", 0.1), ("ne_sait_pas", 0.05), ("autre", 0.05))
            return Reading((("en_partie", 0.7), *others))

    monkeypatch.setattr(context, "answer_reader", lambda: Leaning())
    question = QUESTIONNAIRE.question("organisation_pilote")
    said = [("Non, c'est le maire qui garde tout", "non"), ("non, enfin oui, depuis mars", "oui")]
    for text, value in said:
        decision = read_in_context(question, text)
        assert decision.kind == "answer" and decision.interpretation.value == value
    # Without a first word the same disagreement is asked.
    assert read_in_context(question, "c'est le maire qui garde tout").kind == "confirm"


@pytest.mark.parametrize(
    "text",
    [
        "nous informons les usagers, mais l'aide reste limitée",
        "il y a un comité, mais il est peu suivi",
        "on a un inventaire mais les fiches datent de 2012",
    ],
)
def test_a_reservation_on_what_is_there_is_partly(text: str) -> None:
    assert yes_partly_no(text) == "en_partie"


@pytest.mark.parametrize(
    "text",
    ["je ne peux pas vous dire", "pas en mesure de répondre", "je l'ignore", "je n'ai pas l'information"],
)
def test_not_knowing_in_other_words(text: str) -> None:
    interpretation = interpret(QUESTIONNAIRE.question("organisation_formation"), text)
    assert interpretation is not None and interpretation.unknown


@pytest.mark.parametrize(
    "text",
    [
        "on va s'y mettre, mais pas encore",
        "ça viendra, pas encore",
        "nous allons le faire mais pas encore",
        "on y viendra, pas encore aujourd'hui",
    ],
)
def test_what_will_come_but_not_yet_is_no(text: str) -> None:
    assert yes_partly_no(text) == "non"


def test_what_will_come_on_top_of_what_is_there_stays_partly() -> None:
    assert yes_partly_no("on va l'étendre, mais pas encore partout") == "en_partie"


@pytest.mark.parametrize(
    "text",
    [
        "deux scénarios sont écrits, il faut trancher",
        "le plan est rédigé, reste à le faire voter",
        "on doit encore valider la liste",
        "une short-list, il nous reste à choisir",
    ],
)
def test_a_last_step_still_to_take_is_partly(text: str) -> None:
    assert yes_partly_no(text) == "en_partie"


def test_a_last_step_after_nothing_done_is_no() -> None:
    assert yes_partly_no("rien de fait, il faut choisir") == "non"


@pytest.mark.parametrize(
    ("question_id", "text", "value"),
    [
        ("donnees_inventaire", "l'inventaire est commencé", "en_partie"),
        ("organisation_formation", "c'est déjà lancé pour une partie des agents", "en_partie"),
        ("strategie_premiere_action", "on sait très bien par quoi commencer", "oui"),
    ],
)
def test_a_start_spoken_of_as_a_state_is_an_answer_not_a_command(
    monkeypatch: pytest.MonkeyPatch, question_id: str, text: str, value: str
) -> None:
    """The classifier hears "commencer" and "lancé" as a command to start; the reader as no
    answer: the rules' value is stored all the same."""
    monkeypatch.setattr(context, "answer_reader", lambda: FixedReader("autre", 0.8))
    decision = read_in_context(QUESTIONNAIRE.question(question_id), text, "start_diagnostic", 0.95)
    assert decision.kind == "answer"
    assert decision.interpretation is not None and decision.interpretation.value == value


def test_a_start_of_the_diagnostic_itself_is_still_a_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context, "answer_reader", lambda: FixedReader("autre", 0.8))
    question = QUESTIONNAIRE.question("donnees_inventaire")
    decision = read_in_context(
        question, "j'ai déjà commencé le questionnaire la semaine dernière", "start_diagnostic", 0.95
    )
    assert decision.kind == "intent"
    assert read_in_context(question, "on commence ?", "start_diagnostic", 0.95).kind == "intent"


@pytest.mark.parametrize(
    ("text", "value"),
    [("Oui, pourquoi ? Vous en doutez ?", "oui"), ("non, pourquoi, il le faudrait ?", "non")],
)
def test_a_first_word_then_why_we_ask_is_an_answer(
    monkeypatch: pytest.MonkeyPatch, text: str, value: str
) -> None:
    monkeypatch.setattr(context, "answer_reader", lambda: FixedReader("autre", 0.9))
    decision = read_in_context(QUESTIONNAIRE.question("donnees_rgpd"), text, "ask_why", 0.97)
    assert decision.kind == "answer"
    assert decision.interpretation is not None and decision.interpretation.value == value


def test_why_without_a_first_word_is_still_a_question(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context, "answer_reader", lambda: FixedReader("autre", 0.9))
    question = QUESTIONNAIRE.question("donnees_rgpd")
    assert read_in_context(question, "pourquoi cette question ?", "ask_why", 0.97).kind == "intent"
    assert read_in_context(question, "oui mais pourquoi cette question ?", "ask_why", 0.97).kind == "intent"


def test_a_one_word_german_no() -> None:
    assert yes_partly_no("nein") == "non"
    assert yes_partly_no("Nein !") == "non"


@pytest.mark.parametrize(
    "text",
    [
        "on le connaît de façon très approximative",
        "grosso modo",
        "à la louche, oui",
        "dans les grandes lignes",
    ],
)
def test_known_or_done_roughly_is_partly(text: str) -> None:
    assert yes_partly_no(text) == "en_partie"


@pytest.mark.parametrize("text", ["c'est moi, la secrétaire de mairie", "Moi-même.", "ben c'est moi"])
def test_the_person_asked_about_is_the_speaker(text: str) -> None:
    assert yes_partly_no(text) == "oui"


@pytest.mark.parametrize(
    "text",
    [
        # Nothing (done) without…
        "on ne signe aucune convention sans l'avis du DPO",
        "pas une semaine sans qu'on relève les compteurs",
        "plus rien ne se décide sans le comité",
        # Not one that is not…
        "il n'y a pas un service qui ne soit pas équipé",
        # A privative verb denied.
        "on n'oublie jamais de publier le compte rendu",
        "aucune donnée n'a été oubliée dans le registre",
        "les outils ne manquent pas",
        "on ne laisse rien au hasard",
        "rien ne nous échappe sur ce sujet",
    ],
)
def test_two_negations_that_cancel_are_confirmed_as_yes_or_partly(text: str) -> None:
    question = QUESTIONNAIRE.question("durable_suivi_consommations")
    interpretation = interpret(question, text)
    assert interpretation is not None and interpretation.ambiguous
    assert interpretation.candidates == ("oui", "en_partie")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("on n'a pas de plan", "non"),
        ("on manque de moyens", None),
        ("non, on n'a rien ratifié", "non"),
        ("aucun référent, sans doute faute de temps", None),
    ],
)
def test_one_negation_stays_what_it_was(text: str, value: str | None) -> None:
    from bot.understanding.yes_no import hedge_candidates

    assert hedge_candidates(text) in ((), ("oui", "ne_sait_pas"))
    if value is not None:
        assert yes_partly_no(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("il y a un panneau d'affichage, c'est tout", "en_partie"),
        ("nous avons un référent, sans plus", "en_partie"),
        ("on dispose d'un tableur et rien de plus", "en_partie"),
        ("non, c'est tout", "non"),
        ("oui, c'est tout", "oui"),
        ("c'est tout à fait en place", "oui"),
        ("il n'y a rien, c'est tout", "non"),
    ],
)
def test_what_is_there_and_nothing_more_is_partly(text: str, value: str) -> None:
    assert yes_partly_no(text) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("le conseil en discute mais personne ne décide", True),
        ("on a un tableur, par contre il n'est plus tenu", True),
        ("non mais on y pense", False),
        ("rien de formalisé mais on y réfléchit", False),
        ("oui mais pas partout", False),
        ("on aimerait, mais pas de budget", False),
        ("personne ne décide", False),
    ],
)
def test_a_statement_then_a_denial(text: str, expected: bool) -> None:
    from bot.understanding.yes_no import statement_then_denial

    assert statement_then_denial(text) is expected


def test_a_no_only_in_the_clause_after_a_contrast_is_confirmed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context, "answer_reader", lambda: FixedReader("non", 0.7))
    question = QUESTIONNAIRE.question("strategie_portage_politique")
    decision = read_in_context(question, "le conseil en discute mais personne ne décide")
    assert decision.kind == "confirm" and decision.candidates == ("en_partie", "non")
    # Said first, the "non" is the answer.
    decision = read_in_context(question, "Non. Le conseil en discute mais personne ne décide.")
    assert decision.kind == "answer" and decision.interpretation is not None
    assert decision.interpretation.value == "non"
