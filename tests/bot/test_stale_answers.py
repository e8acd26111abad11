"""An answer for a question that has moved on (second tab, double click, retry) is refused.

Clients send back the ``question_id`` of the question they show; the actions hand it to
:meth:`DiagnosticConversation.in_context`, which the engine answers before anything else. A
turn here is what an action does: ``in_context`` first, then the action's own method.
"""

from __future__ import annotations

import pytest

from bot.dialogue import DiagnosticConversation, Reply
from tests.bot.replies import asked, stored
from tests.web.conftest import finished_diagnostic

SENDER = "onglets-test"
STALE = "déjà traitée"


def answer(
    engine: DiagnosticConversation,
    text: str | None,
    question_id: str | None,
    choice: str | None = None,
    intent: str = "answer",
) -> list[Reply]:
    """One ``action_answer`` turn, as actions/actions.py runs it."""
    refused = engine.in_context(SENDER, text, intent, 0.9, question_id=question_id)
    return refused if refused is not None else engine.answer(SENDER, text, choice)


def revisions(engine: DiagnosticConversation, question_id: str) -> list:
    record = engine.store.latest_for_sender(SENDER)
    return engine.store.revisions(record.id, question_id)


def start_named(engine: DiagnosticConversation) -> None:
    """Start, and answer the first question (the name; no division here: kept as typed)."""
    engine.start(SENDER)
    answer(engine, "Cahors", "nom_collectivite")


def test_an_answer_for_the_pending_question_is_stored(engine) -> None:
    engine.start(SENDER)
    replies = answer(engine, "Cahors", "nom_collectivite")
    assert "C'est noté : Cahors." in replies[0].text
    assert asked(replies) == "type_collectivite"
    replies = answer(engine, "une commune", "type_collectivite")
    assert "C'est noté : Commune." in replies[0].text
    assert asked(replies) == "population"
    assert stored(engine, SENDER, "raw_text") == {
        "nom_collectivite": ("Cahors", "Cahors"),
        "type_collectivite": ("commune", "une commune"),
    }


def test_a_second_answer_to_the_same_question_is_refused_and_nothing_stored(engine) -> None:
    """Two tabs answer the same question: the second answer is not filed under the next one."""
    start_named(engine)
    answer(engine, None, "type_collectivite", choice="commune")
    before = engine.store.latest_for_sender(SENDER)

    replies = answer(engine, None, "type_collectivite", choice="intercommunalite")

    assert STALE in replies[0].text and "rien n'a été enregistré" in replies[0].text
    assert asked(replies) == "population"  # the pending question, asked again
    assert replies[-1].custom["position"] == 3
    assert stored(engine, SENDER, "raw_text") == {
        "nom_collectivite": ("Cahors", "Cahors"),
        "type_collectivite": ("commune", "Commune"),
    }
    assert revisions(engine, "type_collectivite") == []
    after = engine.store.latest_for_sender(SENDER)
    assert (after.current_question_id, after.failed_attempts, after.status) == (
        before.current_question_id, before.failed_attempts, before.status
    )  # fmt: skip


def test_a_typed_double_send_does_not_answer_the_next_question(engine) -> None:
    engine.start(SENDER)
    answer(engine, "Saint-Martin", "nom_collectivite")
    answer(engine, "commune", "type_collectivite")
    answer(engine, "12 000", "population")
    replies = answer(engine, "12 000", "population")  # the same text again, with its question
    assert STALE in replies[0].text and asked(replies) == "nombre_agents"
    assert "nombre_agents" not in stored(engine, SENDER, "raw_text")
    assert stored(engine, SENDER, "raw_text")["population"] == (12000, "12 000")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("pourquoi cette question ?", "ask_why"),
        ("je ne sais pas", "dont_know"),
        ("passer", "skip"),
        ("oui", "affirm"),
        ("yeah", "other_language"),
    ],
)
def test_any_message_for_a_stale_question_is_refused_before_its_action(engine, text, intent) -> None:
    """in_context answers first: no action (skip, "je ne sais pas"...) runs on the next question."""
    start_named(engine)
    answer(engine, "commune", "type_collectivite")
    replies = engine.in_context(SENDER, text, intent, 0.99, question_id="type_collectivite")
    assert replies is not None and STALE in replies[0].text
    assert asked(replies) == "population"
    assert set(stored(engine, SENDER, "raw_text")) == {"nom_collectivite", "type_collectivite"}


def test_without_a_question_id_nothing_changes(engine) -> None:
    engine.start(SENDER)
    assert engine.in_context(SENDER, "pourquoi ?", "ask_why", 0.99) is None
    assert engine.in_context(SENDER, "pourquoi ?", "ask_why", 0.99, question_id="nom_collectivite") is None
    assert engine.stale(SENDER, "nom_collectivite") is None


def test_a_question_under_correction_is_the_pending_one(engine) -> None:
    start_named(engine)
    answer(engine, "commune", "type_collectivite")
    answer(engine, "12 000", "population")
    engine.correct(SENDER, "population", "je veux changer la population")

    late = answer(engine, "180", "nombre_agents")  # the question shown before the correction
    assert STALE in late[0].text and asked(late) == "population"
    assert "nombre_agents" not in stored(engine, SENDER, "raw_text")

    done = answer(engine, "quinze mille", "population")
    assert "corrigée : 15 000 habitants" in "\n".join(r.text for r in done)
    assert stored(engine, SENDER, "raw_text")["population"] == (15000, "quinze mille")
    again = answer(engine, "seize mille", "population")  # the same correction, sent twice
    assert STALE in again[0].text and asked(again) == "nombre_agents"
    assert [r.value for r in revisions(engine, "population")] == [12000]


def test_a_confirmation_button_answers_its_question_once(engine) -> None:
    start_named(engine)
    confirm = answer(engine, "une commune et une interco", "type_collectivite")
    assert confirm[0].custom == {
        "type": "confirmation",
        "question_id": "type_collectivite",
        "candidates": [
            {"value": "commune", "label": "Commune"},
            {"value": "intercommunalite", "label": "Intercommunalité"},
        ],
    }
    answer(engine, None, "type_collectivite", choice="intercommunalite")
    late = answer(engine, None, "type_collectivite", choice="commune")  # the other button, later
    assert STALE in late[0].text
    assert stored(engine, SENDER, "raw_text") == {
        "nom_collectivite": ("Cahors", "Cahors"),
        "type_collectivite": ("intercommunalite", "Intercommunalité"),
    }


def test_an_unknown_question_id_is_refused_too(engine) -> None:
    engine.start(SENDER)
    replies = answer(engine, "commune", "question_inconnue")
    assert STALE in replies[0].text and asked(replies) == "nom_collectivite"
    assert stored(engine, SENDER, "raw_text") == {}


def test_a_late_answer_after_the_end_says_the_diagnostic_is_finished(engine) -> None:
    record = finished_diagnostic(engine.store, SENDER)
    before = stored(engine, SENDER, "raw_text")
    replies = answer(engine, "non", "durable_evaluation")
    assert STALE in replies[0].text
    assert "terminé" in replies[1].text
    assert replies[1].buttons == (("Recommencer un diagnostic", "/start_over"),)
    assert stored(engine, SENDER, "raw_text") == before
    assert engine.store.latest_for_sender(SENDER).id == record.id


def test_a_paused_diagnostic_takes_an_answer_to_its_pending_question(engine) -> None:
    engine.start(SENDER)
    answer(engine, "Cahors", "nom_collectivite")
    engine.pause(SENDER)
    late = answer(engine, "Cahors", "nom_collectivite")
    assert STALE in late[0].text and asked(late) == "type_collectivite"
    assert engine.store.latest_for_sender(SENDER).status == "en_pause"  # nothing written
    replies = answer(engine, "une commune", "type_collectivite")
    assert asked(replies) == "population"
    assert stored(engine, SENDER, "raw_text")["type_collectivite"] == ("commune", "une commune")
