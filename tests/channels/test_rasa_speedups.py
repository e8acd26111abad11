"""channels/rasa_speedups.py: the action server's answer checked as jsonschema.validate checks it,
and a request to the action server that does not grow with the conversation."""

from __future__ import annotations

import functools
import inspect
import json
from typing import Any

import jsonschema
import pytest
import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk import Tracker

from actions import actions as actions_module
from actions.actions import latest_entity, latest_intent, latest_question_id, latest_text
from channels import rasa_speedups
from channels import tracker_store as _applies_the_patches  # noqa: F401  (as every Rasa start does)
from tests.channels.conftest import START, session_start, turn_events

VALID = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "a", "value": 1}], "responses": [{"text": "Bonjour"}]},
    {"events": [{"event": "action", "name": "action_listen"}, {"event": "followup", "name": "x"}]},
    {"responses": [{"text": "x", "buttons": [{"title": "Oui", "payload": "/affirm"}], "custom": {"a": 1}}]},
]
INVALID = [
    [],
    "texte",
    {"events": "aucun"},
    {"events": [{"name": "sans type"}]},
    {"events": [{"event": "inconnu"}]},
    {"events": [{"event": "slot", "value": 1}]},
    {"events": [{"event": "action", "name": 3}]},
    {"responses": ["texte"]},
    {"events": [{"event": "slot", "name": "a", "value": 1}, 7]},
]
SCHEMA = RemoteAction.action_response_format_spec()


def outcome(check: Any, response: Any) -> tuple[str, ...] | None:
    """None when accepted; the error's message, path and keyword when refused."""
    try:
        check(response)
    except jsonschema.ValidationError as error:
        return error.message, json.dumps(list(error.absolute_path)), str(error.validator)
    return None


@pytest.mark.parametrize("response", VALID + INVALID)
def test_the_compiled_validator_accepts_and_refuses_as_jsonschema_validate(response: Any) -> None:
    expected = outcome(lambda value: jsonschema.validate(value, SCHEMA), response)
    got = outcome(RemoteAction("action_answer", None)._validate_action_result, response)
    assert (got is None) == (response in VALID)
    if expected is None:
        assert got is None
    else:
        message, path, keyword = expected
        assert got == (message + got[0][len(message) :], path, keyword)
        assert got[0].startswith(message + ". Failed to validate Action server response from API")


def rasa_tracker(turns: int) -> DialogueStateTracker:
    events: list[Event] = session_start(START - 1)
    for number in range(1, turns + 1):
        events += turn_events(number, START + 10 * number)
    return DialogueStateTracker.from_events("conversation-0001", events)


def action(selective: bool) -> RemoteAction:
    endpoint = EndpointConfig("http://127.0.0.1:5055/webhook", enable_selective_domain=selective)
    return RemoteAction("action_answer", endpoint)


def test_the_request_holds_the_tracker_state_and_the_events_of_the_last_two_messages(domain: Domain) -> None:
    tracker = rasa_tracker(30)
    request = action(selective=True)._action_call_format(tracker, domain)
    full = tracker.current_state(EventVerbosity.ALL)
    assert request["tracker"] == {**full, "events": full["events"][-10:]}  # 5 events per turn
    assert request["tracker"]["events"][0]["event"] == "user"
    assert request["tracker"]["events"][0]["text"] == "réponse 29"
    assert (request["next_action"], request["sender_id"], request["version"]) == (
        "action_answer", "conversation-0001", rasa.__version__,
    )  # fmt: skip
    assert "domain" not in request  # no action of ours asks for it (endpoints.yml)
    assert action(selective=False)._action_call_format(tracker, domain)["domain"] == domain.as_dict()


def test_the_request_does_not_grow_with_the_conversation(domain: Domain) -> None:
    sizes = [
        len(json.dumps(action(True)._action_call_format(rasa_tracker(n), domain))) for n in (10, 30, 60, 90)
    ]
    assert max(sizes) - min(sizes) < 20  # a timestamp's digits, nothing more


@pytest.mark.parametrize("turns", [0, 1])
def test_before_a_second_message_every_event_is_sent(domain: Domain, turns: int) -> None:
    tracker = rasa_tracker(turns)
    request = action(True)._action_call_format(tracker, domain)
    assert request["tracker"]["events"] == tracker.current_state(EventVerbosity.ALL)["events"]


def readers() -> list[Any]:
    """Every ``latest_…`` reading of actions/actions.py (the tracker, and an entity's name if asked)."""
    found = []
    for name, read in vars(actions_module).items():
        if name.startswith("latest_") and callable(read):
            parameters = len(inspect.signature(read).parameters)
            found.append(read if parameters == 1 else functools.partial(read, entity="choice"))
    return found


@pytest.mark.parametrize("turns", [1, 2, 12])
def test_the_actions_read_the_same_from_the_reduced_request(domain: Domain, turns: int) -> None:
    tracker = rasa_tracker(turns)
    reduced = Tracker.from_dict(action(True)._action_call_format(tracker, domain)["tracker"])
    full = Tracker.from_dict(tracker.current_state(EventVerbosity.ALL))
    assert {latest_text, latest_intent, latest_question_id} <= set(readers())
    for read in readers():
        assert read(reduced) == read(full), read
    assert latest_question_id(reduced) == f"question_{turns}"
    assert latest_entity(reduced, "choice") == f"valeur-{turns}"
    assert (reduced.sender_id, reduced.slots, reduced.latest_action_name) == (
        full.sender_id, full.slots, full.latest_action_name,
    )  # fmt: skip


def test_another_rasa_version_is_left_unpatched(monkeypatch: pytest.MonkeyPatch) -> None:
    names = ("_validate_action_result", "_action_call_format")
    patched = {name: RemoteAction.__dict__[name] for name in names}
    monkeypatch.setattr(RemoteAction, "_validate_action_result", lambda self, result: "rasa's own")
    monkeypatch.setattr(RemoteAction, "_action_call_format", lambda self, tracker, domain: "rasa's own")
    monkeypatch.setattr(rasa_speedups, "_applied", False)
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    assert rasa_speedups.apply() is False
    assert RemoteAction("x", None)._validate_action_result({}) == "rasa's own"
    monkeypatch.setattr(rasa, "__version__", "3.6.21")
    assert rasa_speedups.apply() is True
    assert {name: RemoteAction.__dict__[name] for name in names} == patched
