"""The actions read the question a message answers (its metadata) and hand it to the engine."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import (
    ActionAnswer,
    ActionDontKnow,
    ActionSkip,
    ActionStartDiagnostic,
    DiagnosticAction,
    latest_question_id,
)

SENDER = "action-onglets"


def tracker(
    text: str,
    intent: str,
    entities: list[dict] | None = None,
    metadata: dict[str, Any] | None = None,
    events: list[dict] | None = None,
) -> Tracker:
    latest: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
    }
    if metadata is not None:
        latest["metadata"] = metadata
    return Tracker(
        sender_id=SENDER, slots={}, latest_message=latest, events=events or [], paused=False,
        followup_action=None, active_loop={}, latest_action_name="action_listen",
    )  # fmt: skip


def run(action: DiagnosticAction, text: str, intent: str, question_id: str | None = None,
        entities: list[dict] | None = None) -> list[dict]:  # fmt: skip
    metadata = {"question_id": question_id} if question_id else None
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker(text, intent, entities, metadata), {}))
    return dispatcher.messages


def test_the_question_id_comes_from_the_metadata_or_the_user_event() -> None:
    assert (
        latest_question_id(tracker("oui", "answer", metadata={"question_id": "donnees_rgpd"}))
        == "donnees_rgpd"
    )
    # Rasa keeps the metadata on the user event, not in the parse data.
    events = [{"event": "user", "text": "oui", "metadata": {"question_id": "population"}},
              {"event": "action", "name": "action_listen"}]  # fmt: skip
    assert latest_question_id(tracker("oui", "answer", events=events)) == "population"
    assert latest_question_id(tracker("oui", "answer")) is None
    assert latest_question_id(tracker("oui", "answer", metadata={"question_id": 3})) is None


def test_a_stale_button_stores_nothing_and_asks_the_pending_question(engine) -> None:
    run(ActionStartDiagnostic(), "commencer", "start_diagnostic")
    run(ActionSkip(), "/skip", "skip", "nom_collectivite")
    choice = [{"entity": "choice", "value": "commune"}]
    run(ActionAnswer(), '/answer{"choice": "commune"}', "answer", "type_collectivite", choice)
    other = [{"entity": "choice", "value": "departement"}]
    late = run(ActionAnswer(), '/answer{"choice": "departement"}', "answer", "type_collectivite", other)
    assert "déjà traitée" in late[0]["text"]
    assert late[-1]["custom"]["question_id"] == "population"
    # Neither "passer" nor "je ne sais pas" sent for the old question touches the next one.
    run(ActionSkip(), "/skip", "skip", "type_collectivite")
    run(ActionDontKnow(), "/dont_know", "dont_know", "type_collectivite")
    record = engine.store.latest_for_sender(SENDER)
    answers = engine.store.answers(record.id)
    assert set(answers) == {"nom_collectivite", "type_collectivite"}
    assert answers["type_collectivite"].value == "commune"
    assert record.current_question_id == "population"
