"""The custom actions hand each turn to the engine and send its replies, payload included."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import (
    ActionAnswer,
    ActionCorrect,
    ActionDefine,
    ActionDontKnow,
    ActionOffTopic,
    ActionPause,
    ActionSkip,
    ActionStartDiagnostic,
    ActionWelcome,
    DiagnosticAction,
)
from bot.messages import default_messages

SENDER = "action-test"


def tracker(text: str, intent: str, entities: list[dict] | None = None) -> Tracker:
    return Tracker(
        sender_id=SENDER,
        slots={},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9},
                        "entities": entities or []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action: DiagnosticAction, text: str, intent: str, entities: list[dict] | None = None) -> list[dict]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker(text, intent, entities), {}))
    assert events == []
    return dispatcher.messages


def test_every_action_name_is_declared_in_the_domain() -> None:
    import yaml

    declared = set(yaml.safe_load(Path("domain.yml").read_text(encoding="utf-8"))["actions"])
    names = {cls().name() for cls in DiagnosticAction.__subclasses__()}
    assert names == declared


def test_start_sends_the_question_with_buttons_and_payload(engine) -> None:
    run(ActionWelcome(), "bonjour", "greet")
    messages = run(ActionStartDiagnostic(), "/start_diagnostic", "start_diagnostic")
    question = messages[-1]
    assert question["custom"]["question_id"] == "nom_collectivite"
    assert question["buttons"] == [{"title": "Passer", "payload": "/skip"}]
    question = run(ActionSkip(), "/skip", "skip")[-1]
    assert question["custom"]["question_id"] == "type_collectivite"
    assert {"title": "Commune", "payload": '/answer{"choice": "commune"}'} in question["buttons"]


def test_a_button_choice_entity_is_the_answer(engine) -> None:
    run(ActionStartDiagnostic(), "commencer", "start_diagnostic")
    run(ActionSkip(), "/skip", "skip")
    run(ActionAnswer(), '/answer{"choice": "departement"}', "answer",
        [{"entity": "choice", "value": "departement"}])
    record = engine.store.latest_for_sender(SENDER)
    stored = engine.store.answers(record.id)["type_collectivite"]
    assert stored.value == "departement" and stored.raw_text == "Département"


def test_payload_texts_are_not_stored_as_raw_text(engine) -> None:
    run(ActionStartDiagnostic(), "commencer", "start_diagnostic")
    run(ActionSkip(), "/skip", "skip")
    run(ActionAnswer(), "commune", "answer")
    run(ActionDontKnow(), "/dont_know", "dont_know")
    record = engine.store.latest_for_sender(SENDER)
    assert engine.store.answers(record.id)["population"].raw_text is None


def test_entities_reach_the_engine(engine) -> None:
    run(ActionStartDiagnostic(), "commencer", "start_diagnostic")
    definition = run(ActionDefine(), "c'est quoi le truc ?", "ask_definition",
                     [{"entity": "term", "value": "réversibilité"}])
    assert "récupérer ses données" in definition[0]["text"]
    run(ActionAnswer(), "Cahors", "answer")
    run(ActionAnswer(), "commune", "answer")
    correction = run(ActionCorrect(), "changer le type", "correct_previous",
                     [{"entity": "subject", "value": "type de collectivité"}])
    assert correction[-1]["custom"]["question_id"] == "type_collectivite"


def test_a_dead_store_gets_a_french_apology_and_keeps_the_answers(engine) -> None:
    run(ActionStartDiagnostic(), "commencer", "start_diagnostic")
    run(ActionAnswer(), "Cahors", "answer")
    run(ActionAnswer(), "commune", "answer")
    database = Path(engine.store.engine.url.database)
    engine.store.engine.dispose()
    kept = database.with_suffix(".kept")
    database.rename(kept)
    database.mkdir()  # the database is now a folder: every access fails
    messages = run(ActionPause(), "je reprendrai plus tard", "pause")
    assert [m["text"] for m in messages] == [default_messages().say("storage_error")]
    database.rmdir()
    kept.rename(database)
    record = engine.store.latest_for_sender(SENDER)
    assert engine.store.answers(record.id)["type_collectivite"].value == "commune"


def test_a_bug_in_the_engine_is_no_store_fault(engine, monkeypatch, caplog) -> None:
    """A ValueError from the engine is a bug: logged as such, its own apology, the turn undone,
    and the conversation goes on."""
    run(ActionStartDiagnostic(), "commencer", "start_diagnostic")
    run(ActionAnswer(), "Cahors", "answer")

    def broken(*args, **kwargs):
        engine.store.update_state(engine.store.latest_for_sender(SENDER).id, current_question_id="population")
        raise ValueError("a bug")

    with monkeypatch.context() as patch:
        patch.setattr(engine, "pause", broken)
        messages = run(ActionPause(), "je reprendrai plus tard", "pause")
    assert [m["text"] for m in messages] == [default_messages().say("engine_error")]
    assert default_messages().say("engine_error") != default_messages().say("storage_error")
    assert "Bug in the diagnostic engine" in caplog.text and "store fault" not in caplog.text
    record = engine.store.latest_for_sender(SENDER)
    assert record.current_question_id == "type_collectivite"  # the half-done turn was undone
    messages = run(ActionAnswer(), "commune", "answer")
    assert engine.store.answers(record.id)["type_collectivite"].value == "commune"
    assert messages[-1]["custom"]["question_id"] == "population"


def test_a_message_the_classifier_is_sure_is_off_topic_is_not_stored_as_the_name(engine) -> None:
    """The off-topic action reads the message with the classifier's own confidence, as the
    context-first reading did: a second, less sure reading would take it for a name."""
    run(ActionStartDiagnostic(), "commencer", "start_diagnostic")
    messages = run(ActionOffTopic(), "Quelle belle journée", "out_of_scope")
    assert messages[0]["text"] == default_messages().say("off_topic")
    assert messages[-1]["custom"]["question_id"] == "nom_collectivite"
    record = engine.store.latest_for_sender(SENDER)
    assert "nom_collectivite" not in engine.store.answers(record.id)
