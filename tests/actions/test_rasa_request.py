"""Every action works on the request Rasa sends once channels/rasa_speedups.py has trimmed it
(the latest message's events only, no domain): run through rasa-sdk's executor, as the action
server runs them, on a conversation Rasa recorded turn after turn."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk.executor import ActionExecutor

from actions.actions import DiagnosticAction
from bot.messages import default_messages
from channels import rasa_speedups
from channels import tracker_store as _applies_the_patches  # noqa: F401  (as every Rasa start does)

SENDER = "conversation-actions-0001"
# (action, what the user typed, the intent, its entities): a conversation using every action
TURNS: list[tuple[str, str, str, list[dict[str, Any]]]] = [
    ("action_welcome", "bonjour", "greet", []),
    ("action_start_diagnostic", "on commence", "start_diagnostic", []),
    ("action_answer", "une commune", "answer", [{"entity": "choice", "value": "commune"}]),
    ("action_explain_question", "pourquoi ?", "ask_why", []),
    ("action_define_term", "c'est quoi la réversibilité ?", "ask_definition",
     [{"entity": "term", "value": "réversibilité"}]),
    ("action_answer", "Cahors", "answer", []),
    ("action_dont_know", "je ne sais pas", "dont_know", []),
    ("action_skip", "/skip", "skip", []),
    ("action_small_talk", "merci", "thank", []),
    ("action_off_topic", "quel temps fait-il ?", "out_of_scope", []),
    ("action_other_language", "what is this", "other_language", []),
    ("action_correct_answer", "changer le type", "correct_previous",
     [{"entity": "subject", "value": "type de collectivité"}]),
    ("action_current_question", "on en était où ?", "help", []),
    ("action_pause", "je reviens plus tard", "pause", []),
    ("action_restart_diagnostic", "recommencer", "start_over", []),
]  # fmt: skip


def test_every_action_answers_the_trimmed_request(engine: Any) -> None:
    domain = Domain.load("domain.yml")
    endpoint = EndpointConfig("http://127.0.0.1:5055/webhook", enable_selective_domain=True)
    executor = ActionExecutor()
    for cls in DiagnosticAction.__subclasses__():
        executor.register_action(cls)
    apology = default_messages().say("storage_error")
    tracker = DialogueStateTracker.from_events(
        SENDER, [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    )
    assert {name for name, *_ in TURNS} == {cls().name() for cls in DiagnosticAction.__subclasses__()}
    for name, text, intent, entities in TURNS:
        parse = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": entities}
        tracker.update(UserUttered(text, parse["intent"], entities, parse_data=parse))
        request = RemoteAction(name, endpoint)._action_call_format(tracker, domain)
        users = [event for event in request["tracker"]["events"] if event["event"] == "user"]
        assert "domain" not in request and 1 <= len(users) <= 2 and users[-1]["text"] == text
        response = asyncio.run(executor.run(request))
        assert rasa_speedups.validate_action_result(response)
        texts = [message.get("text") for message in response["responses"]]
        assert texts and apology not in texts, (name, texts)
        tracker.update(ActionExecuted(name))
        tracker.update(ActionExecuted("action_listen"))
    record = engine.store.latest_for_sender(SENDER)
    assert record is not None
