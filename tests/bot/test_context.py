"""Context first: while a question is pending, a message is first read as its answer (issue 10)."""

from __future__ import annotations

import pytest

from bot.dialogue import DiagnosticConversation
from bot.messages import default_messages
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue
from bot.settings import report_url
from bot.storage import DiagnosticStore
from bot.understanding import context
from bot.understanding.context import plausible_text, read_in_context
from bot.understanding.reader import Reading, answer_reader

SENDER = "context-test"
QUESTIONNAIRE = default_questionnaire()


def question(question_id: str):
    return QUESTIONNAIRE.question(question_id)


@pytest.fixture
def engine(tmp_path) -> DiagnosticConversation:
    return DiagnosticConversation(
        store=DiagnosticStore.from_url(f"sqlite:///{tmp_path / 'd.db'}"),
        questionnaire=QUESTIONNAIRE,
        catalogue=default_catalogue(),
        messages=default_messages(),
        report_url=report_url("http://diag.test"),
    )


def at(engine: DiagnosticConversation, question_id: str) -> int:
    record = engine.store.create(SENDER)
    engine.store.update_state(record.id, current_question_id=question_id)
    return record.id


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("lancé, pas achevé", "start_diagnostic"),
        ("on s'y est mis mais c'est loin d'être terminé", "start_diagnostic"),
        ("c'est démarré mais pas fini", "start_over"),
    ],
)
def test_progress_words_are_an_answer_not_a_command(engine, text: str, intent: str) -> None:
    diagnostic = at(engine, "strategie_projet_formalise")
    replies = engine.in_context(SENDER, text, intent, 0.95)
    assert replies is not None
    assert engine.store.answers(diagnostic)["strategie_projet_formalise"].value == "en_partie"


@pytest.mark.parametrize(
    ("text", "intent"),
    [("je reprendrai plus tard", "pause"), ("pourquoi cette question ?", "ask_why"), ("merci", "thank")],
)
def test_commands_and_small_talk_still_win_when_they_are_no_answer(engine, text: str, intent: str) -> None:
    diagnostic = at(engine, "strategie_projet_formalise")
    assert engine.in_context(SENDER, text, intent, 0.95) is None
    assert engine.store.answers(diagnostic) == {}


def test_an_answer_taken_for_small_talk_is_stored(engine) -> None:
    diagnostic = at(engine, "donnees_rgpd")
    replies = engine.in_context(SENDER, "yeah", "other_language", 0.99)
    assert replies is not None
    assert engine.store.answers(diagnostic)["donnees_rgpd"].value == "oui"


@pytest.mark.parametrize("text", ["néant", "rien de tout ça", "aucune de ces thématiques"])
def test_none_of_them_at_the_multiple_choice_that_allows_it(text: str) -> None:
    decision = read_in_context(question("infrastructures_initiatives"), text)
    assert decision.kind == "answer"
    assert decision.interpretation is not None and decision.interpretation.value == ["aucune"]


def test_none_of_them_is_no_value_where_the_question_does_not_allow_it() -> None:
    assert read_in_context(question("citoyens_attentes"), "néant").kind == "not_understood"


def test_dont_know_is_stored_only_when_the_person_says_so(engine) -> None:
    diagnostic = at(engine, "donnees_rgpd")
    # The classifier says "dont_know", but the words do not: never stored as "ne sait pas".
    replies = engine.in_context(SENDER, "le truc machin", "dont_know", 0.7)
    assert replies is not None
    assert "donnees_rgpd" not in engine.store.answers(diagnostic)
    # They say it: stored by the dont_know action.
    assert read_in_context(question("donnees_rgpd"), "aucune idée", "dont_know", 0.99).kind in (
        "answer",
        "intent",
    )


def test_a_confirmation_carries_its_payload(engine) -> None:
    at(engine, "donnees_rgpd")
    replies = engine.answer(SENDER, "je crois que oui")
    custom = replies[-1].custom
    assert custom == {
        "type": "confirmation",
        "question_id": "donnees_rgpd",
        "candidates": [{"value": "oui", "label": "Oui"}, {"value": "ne_sait_pas", "label": "Je ne sais pas"}],
    }
    assert [payload for _, payload in replies[-1].buttons][:2] == [
        '/answer{"choice": "oui"}',
        '/answer{"choice": "ne_sait_pas"}',
    ]


@pytest.mark.parametrize(
    "text",
    [
        "vous pouvez répéter ?",
        "pardon, je n'ai pas compris",
        "'; DROP TABLE diagnostics; --",
        "SELECT * FROM communes",
        "oui",
        "<script>alert(1)</script>",
        "sorry, I don't speak French",
        "we are a small town",
    ],
)
def test_a_name_looks_like_a_name(text: str) -> None:
    assert not plausible_text(question("nom_collectivite"), text)
    assert read_in_context(question("nom_collectivite"), text).kind == "not_understood"


@pytest.mark.parametrize(
    "text", ["Saint-Martin-de-Crau", "Communauté de communes du Val d'Ille", "Plouguerneau"]
)
def test_names_are_kept_as_written(text: str) -> None:
    decision = read_in_context(question("nom_collectivite"), text)
    assert decision.kind == "answer"
    assert decision.interpretation is not None and decision.interpretation.value == text


def test_the_learned_reader_reads_statements_without_yes_or_no() -> None:
    reader = answer_reader()
    assert reader.read("ça tourne depuis l'an dernier").label == "oui"
    assert reader.read("en aucun cas").label == "non"
    assert reader.read("pourquoi vous me demandez ça ?").label == "autre"


@pytest.mark.parametrize(
    ("text", "intent", "confidence"),
    [("Montcuq", "greet", 0.59), ("Plouguerneau", "other_language", 0.7), ("Les Abymes", "help", 0.47)],
)
def test_a_name_the_classifier_is_unsure_of_is_kept(text: str, intent: str, confidence: float) -> None:
    decision = read_in_context(question("nom_collectivite"), text, intent, confidence)
    assert decision.kind == "answer"
    assert decision.interpretation is not None and decision.interpretation.value == text


@pytest.mark.parametrize(
    ("text", "intent", "confidence"),
    [
        ("pause", "pause", 0.99),
        ("on fait une pause", "pause", 0.6),
        ("bonjour", "greet", 0.6),
        ("t'es un robot ?", "bot_challenge", 0.5),
    ],
)
def test_what_is_not_a_name_still_goes_to_its_intent(text: str, intent: str, confidence: float) -> None:
    decision = read_in_context(question("nom_collectivite"), text, intent, confidence)
    assert decision.kind in ("intent", "not_understood")


def test_two_negations_that_cancel_are_confirmed() -> None:
    decision = read_in_context(question("donnees_rgpd"), "On n'est pas sans DPO : il est mutualisé")
    assert decision.kind == "confirm"
    assert set(decision.candidates) == {"oui", "en_partie"}


class FixedReader:
    def __init__(self, *probabilities: tuple[str, float]) -> None:
        self.reading = Reading(probabilities)

    def read(self, text: str) -> Reading:
        return self.reading


@pytest.mark.parametrize(
    ("reading", "kind"),
    [
        ((("oui", 0.65), ("non", 0.25), ("autre", 0.10)), "confirm"),
        ((("oui", 0.55), ("non", 0.35), ("autre", 0.10)), "answer"),
        ((("non", 0.95), ("oui", 0.05)), "answer"),
        # The reader hardly hears "non" at all: ask rather than store a word the rules caught.
        ((("oui", 0.55), ("non", 0.11), ("autre", 0.34)), "confirm"),
        ((("autre", 0.90), ("non", 0.05), ("oui", 0.05)), "confirm"),
    ],
)
def test_the_rules_are_stored_unless_the_reader_leans_the_other_way(
    monkeypatch: pytest.MonkeyPatch, reading: tuple[tuple[str, float], ...], kind: str
) -> None:
    """ "c'est suivi de près, on n'a pas le choix": the rules read "non" (a "pas")."""
    monkeypatch.setattr(context, "answer_reader", lambda: FixedReader(*reading))
    text = "c'est suivi de près, on n'a pas le choix"
    decision = read_in_context(question("durable_suivi_consommations"), text)
    assert decision.kind == kind
    if kind == "confirm":
        assert decision.candidates[0] == "non" and len(decision.candidates) >= 2
    else:
        assert decision.interpretation is not None and decision.interpretation.value == "non"


def reader_of(monkeypatch: pytest.MonkeyPatch, *reading: tuple[str, float]) -> None:
    monkeypatch.setattr(context, "answer_reader", lambda: FixedReader(*reading))


@pytest.mark.parametrize(
    ("text", "reading", "stored"),
    [
        # The rules' value with no support from the reader: asked, with the reader's values too.
        ("on a la fibre jusqu'à la salle des fêtes", (("autre", 0.8), ("non", 0.12), ("oui", 0.08)), None),
        ("bonjour, on a un souci avec le lien", (("autre", 0.9), ("oui", 0.06), ("non", 0.04)), None),
        # Some support is enough: the rules are a precise first pass.
        ("on a la fibre jusqu'à la salle des fêtes", (("autre", 0.6), ("oui", 0.35), ("non", 0.05)), "oui"),
        # A single word, the person's own first word, need no support.
        ("nenni", (("autre", 0.95), ("non", 0.05)), "non"),
        ("Oui, le syndicat gère.", (("autre", 0.7), ("en_partie", 0.25), ("oui", 0.05)), "oui"),
        # A start spoken of as a state is an answer, whatever the reader hears.
        ("le plan est commencé", (("autre", 0.9), ("en_partie", 0.05), ("oui", 0.05)), "en_partie"),
    ],
)
def test_a_value_the_reader_hardly_hears_is_confirmed(
    monkeypatch: pytest.MonkeyPatch, text: str, reading: tuple[tuple[str, float], ...], stored: str | None
) -> None:
    reader_of(monkeypatch, *reading)
    decision = read_in_context(question("infrastructures_reseaux"), text)
    if stored is None:
        assert decision.kind == "confirm"
        assert decision.source == "rules, reader against"
    else:
        assert decision.kind == "answer"
        assert decision.interpretation is not None and decision.interpretation.value == stored


@pytest.mark.parametrize(
    "text",
    [
        "oui c'est bien la mairie qui gère ce site ?",
        "il y a un DPO au syndicat, ça suffit ?",
        "on a un DPO mutualisé, ça compte ?",
    ],
)
def test_a_value_word_inside_a_question_is_confirmed_even_if_the_reader_hears_it(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    reader_sure_of(monkeypatch, "oui", 0.99)
    decision = read_in_context(question("donnees_rgpd"), text, "answer", 1.0)
    assert decision.kind == "confirm"


def test_a_first_word_said_apart_before_a_question_is_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    reader_sure_of(monkeypatch, "oui", 0.95)
    decision = read_in_context(question("donnees_rgpd"), "Oui. Vous voulez son nom ?", "answer", 1.0)
    assert decision.kind == "answer"
    assert decision.interpretation is not None and decision.interpretation.value == "oui"


def test_a_first_word_said_apart_is_not_overruled_by_not_knowing_further_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "non, et on ne sait pas qui pourrait s'en charger"
    reader_sure_of(monkeypatch, "non", 0.9)
    decision = read_in_context(question("organisation_pilote"), text)
    assert decision.kind == "confirm"
    assert decision.candidates == ("non", "ne_sait_pas")
    # The reader hears "I don't know" too: stored as such.
    reader_sure_of(monkeypatch, "ne_sait_pas", 0.9)
    decision = read_in_context(question("organisation_pilote"), text)
    assert decision.kind == "answer" and decision.interpretation is not None
    assert decision.interpretation.unknown
    # Without a first word said apart, "je ne sais pas" is stored.
    reader_sure_of(monkeypatch, "non", 0.9)
    decision = read_in_context(question("organisation_pilote"), "je ne sais pas qui s'en charge")
    assert decision.kind == "answer" and decision.interpretation is not None
    assert decision.interpretation.unknown


def test_the_reader_corpus_is_validated_when_loaded(tmp_path) -> None:
    from bot.understanding.reader import LABELS, corpus_examples

    shipped = corpus_examples()
    assert len(shipped) >= 1_000
    assert {label for _, label in shipped} == LABELS
    wrong = tmp_path / "corpus.yml"
    wrong.write_text('- {question: donnees_rgpd, text: "ouais", label: peut_etre}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="exemple invalide"):
        corpus_examples(wrong)


def reader_sure_of(monkeypatch: pytest.MonkeyPatch, label: str, p: float = 0.95) -> None:
    others = [other for other in ("oui", "non", "en_partie", "ne_sait_pas", "autre") if other != label]
    reading = ((label, p), *((other, (1 - p) / 4) for other in others))
    monkeypatch.setattr(context, "answer_reader", lambda: FixedReader(*reading))


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Non, rien n'est prévu de ce côté-là.", "non"),
        ("Oui, un AMO nous accompagne depuis le début.", "oui"),
    ],
)
def test_the_first_word_and_a_sure_reader_win_over_a_word_further_on(
    monkeypatch: pytest.MonkeyPatch, text: str, stored: str
) -> None:
    reader_sure_of(monkeypatch, stored)
    decision = read_in_context(question("citoyens_communication"), text)
    assert decision.kind == "answer"
    assert decision.interpretation is not None and decision.interpretation.value == stored


def test_without_the_first_word_the_same_disagreement_is_confirmed(monkeypatch: pytest.MonkeyPatch) -> None:
    # (Not "rien n'est prévu": the rules now read that denied plan as "non" too.)
    reader_sure_of(monkeypatch, "non")
    decision = read_in_context(question("strategie_premiere_action"), "une réunion est prévue de ce côté-là")
    assert decision.kind == "confirm"


def test_dont_know_in_a_negative_sentence_needs_the_reader_and_the_classifier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ("Je ne suis pas en mesure de répondre" is now one of the rules' "I don't know" phrases.)
    text = "Je ne suis pas la bonne personne pour répondre."
    reader_sure_of(monkeypatch, "ne_sait_pas")
    decision = read_in_context(question("citoyens_besoins_connus"), text, "dont_know", 0.97)
    assert decision.kind == "answer" and decision.interpretation is not None
    assert decision.interpretation.unknown
    # The classifier hears an answer: ask.
    assert read_in_context(question("citoyens_besoins_connus"), text, "answer", 1.0).kind == "confirm"


def test_a_hedge_the_reader_is_sure_of_is_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "je crois que oui, le DGS en a parlé en réunion"
    reader_sure_of(monkeypatch, "oui")
    decision = read_in_context(question("strategie_projet_formalise"), text)
    assert decision.kind == "answer"
    assert decision.interpretation is not None and decision.interpretation.value == "oui"
    reader_sure_of(monkeypatch, "oui", 0.7)
    assert read_in_context(question("strategie_projet_formalise"), text).kind == "confirm"


def test_a_value_inside_a_question_is_confirmed_not_stored() -> None:
    text = "c'est quoi la différence entre interco et agglo ?"
    decision = read_in_context(question("type_collectivite"), text, "answer", 1.0)
    assert decision.kind == "confirm"
    assert decision.candidates == ("intercommunalite",)
    assert read_in_context(question("type_collectivite"), "une interco", "answer", 1.0).kind == "answer"


def test_a_yes_or_no_inside_a_question_the_reader_does_not_hear_is_confirmed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reader_sure_of(monkeypatch, "autre", 0.4)
    decision = read_in_context(question("donnees_rgpd"), "non mais c'est obligatoire ?", "answer", 1.0)
    assert decision.kind == "confirm" and decision.candidates == ("non",)
    reader_sure_of(monkeypatch, "non", 0.9)
    decision = read_in_context(question("donnees_rgpd"), "non, c'est obligatoire ?", "answer", 1.0)
    assert decision.kind == "answer"


def test_a_message_is_folded_once_for_all_its_readers() -> None:
    from bot.understanding.text import _fold_once, fold, match_form

    question = default_questionnaire().question("strategie_projet_formalise")
    text = "Franchement, on s'y est mis l'an dernier mais c'est loin d'être terminé (test de pliage)"
    fold.cache_clear()
    match_form.cache_clear()
    _fold_once.cache_clear()
    read_in_context(question, text)
    # The rules, the learned reader and the context share the message folded at the entry point.
    assert _fold_once.cache_info().misses == 1
    folded, matched = fold.cache_info(), match_form.cache_info()
    read_in_context(question, text)
    assert fold.cache_info().misses == folded.misses and match_form.cache_info().misses == matched.misses
