"""channels/rasa_speedups.py: the action server's answer checked as jsonschema.validate checks it,
a request to the action server that does not grow with the conversation, the policies'
prediction made from the latest events only, with the same outcome, and the calls to the
action server on connections kept open."""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import random
import tempfile
import warnings
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import rasa
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.processor import MessageProcessor
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.utils.endpoints import ClientResponseError, EndpointConfig
from rasa_sdk import Tracker

from actions import actions as actions_module
from actions.actions import latest_entity, latest_intent, latest_question_id, latest_text
from channels import rasa_speedups
from channels import tracker_store as _applies_the_patches  # noqa: F401  (as every Rasa start does)
from tests.channels.conftest import ROOT, START, session_start, turn_events
from tests.keep_alive import KeepAliveServer

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


def new_policy(policy_class: type, config: dict[str, Any]) -> Any:
    storage = LocalModelStorage(Path(tempfile.mkdtemp(prefix="policy-")))
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**policy_class.get_default_config(), **config}
    return policy_class.create(config, storage, Resource("policy"), context)


@pytest.fixture(scope="module")
def rule_policy(domain: Domain) -> RulePolicy:
    """A RulePolicy trained on the project's rules, as `rasa train` trains it (config.yml)."""
    importer = TrainingDataImporter.load_from_dict(
        domain_path=str(ROOT / "domain.yml"), training_data_paths=[str(ROOT / "data")]
    )
    trackers = TrainingDataGenerator(importer.get_stories(), domain, augmentation_factor=0).generate()
    policy = new_policy(RulePolicy, {"core_fallback_threshold": 0.3, "enable_fallback_prediction": False})
    policy.train(trackers, domain)
    return policy


def mixed_tracker(domain: Domain, turns: int, seed: int, last: str) -> DialogueStateTracker:
    """A session of ``turns`` messages of any intent, each followed by an action, a reply and a
    listen; it ends on a user message (``last="user"``) or on the action after it."""
    draw = random.Random(seed)
    events: list[Event] = session_start(START - 1)
    for number in range(turns + 1):
        intent = draw.choice(domain.intents)
        events.append(UserUttered(f"message {number}", intent={"name": intent, "confidence": 0.9}))
        if number == turns and last == "user":
            break
        events.append(ActionExecuted(draw.choice(domain.user_actions)))
        if number == turns:
            break
        events += [BotUttered(f"réponse {number}"), ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events(f"conversation-{seed}", events, slots=domain.slots)


def test_the_policy_compares_its_longest_rule_only(rule_policy: RulePolicy, domain: Domain) -> None:
    longest = rasa_speedups.longest_rule(rule_policy)
    assert 2 <= longest <= 4  # every rule of data/rules.yml: an intent, then an action
    assert rasa_speedups.states_compared([rule_policy], domain) == longest


def test_another_policy_a_slot_or_a_form_keeps_the_whole_tracker(
    rule_policy: RulePolicy, domain: Domain
) -> None:
    memoization = new_policy(MemoizationPolicy, {})
    assert rasa_speedups.states_compared([rule_policy, memoization], domain) is None
    assert rasa_speedups.states_compared([], domain) is None
    slot = {"type": "text", "mappings": [{"type": "custom"}]}
    quiet_slot = {**slot, "influence_conversation": False}
    with_form = {"slots": {"note": quiet_slot}, "forms": {"profil_form": {"required_slots": ["note"]}}}
    with warnings.catch_warnings():  # Rasa warns of any slot that slot auto-fill is gone since 3.0
        warnings.simplefilter("ignore", UserWarning)
        influencing, quiet = ({"slots": {"phase": slot}}, {"slots": {"note": quiet_slot}})
        assert rasa_speedups.states_compared([rule_policy], Domain.from_dict(influencing)) is None
        assert rasa_speedups.states_compared([rule_policy], Domain.from_dict(quiet)) == 2
        assert rasa_speedups.states_compared([rule_policy], Domain.from_dict(with_form)) is None


@pytest.mark.parametrize("turns", [0, 1, 2, 3, 12, 30])
def test_a_recent_tracker_ends_with_the_same_states(domain: Domain, turns: int) -> None:
    tracker = rasa_tracker(turns)
    recent = rasa_speedups.recent_tracker(tracker, domain, 2)
    full_states = tracker.past_states(domain)
    recent_states = recent.past_states(domain)
    if recent is tracker:
        assert turns <= 2  # too short to cut
        return
    assert len(recent.events) < len(tracker.events) and len(recent_states) - 1 > 2
    assert recent_states[1:] == full_states[-(len(recent_states) - 1) :]  # all but its empty start
    assert recent.latest_message == tracker.latest_message
    assert recent.latest_action_name == tracker.latest_action_name


@pytest.mark.parametrize("last", ["user", "action"])
def test_the_rules_predict_the_same_from_the_recent_events(
    rule_policy: RulePolicy, domain: Domain, last: str
) -> None:
    states = rasa_speedups.states_compared([rule_policy], domain)
    assert states is not None
    cut = 0
    for seed in range(60):
        tracker = mixed_tracker(domain, turns=seed % 20, seed=seed, last=last)
        recent = rasa_speedups.recent_tracker(tracker, domain, states)
        cut += recent is not tracker
        full = rule_policy.predict_action_probabilities(tracker, domain)
        short = rule_policy.predict_action_probabilities(recent, domain)
        assert (short.probabilities, short.policy_name, short.events) == (
            full.probabilities, full.policy_name, full.events,
        ), seed  # fmt: skip
    assert cut > 40


def test_a_follow_up_action_is_taken_from_the_whole_tracker(domain: Domain) -> None:
    tracker = rasa_tracker(12)
    tracker.trigger_followup_action("action_answer")
    processor = MessageProcessor.__new__(MessageProcessor)
    processor.domain = domain
    prediction = rasa_speedups._predict_next_with_tracker(processor, tracker)
    assert domain.action_names_or_texts[prediction.max_confidence_index] == "action_answer"
    assert tracker.followup_action is None  # cleared on the conversation's own tracker, as Rasa does


def test_a_spacy_model_is_loaded_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[str] = []

    def load(name: str) -> Any:
        loaded.append(name)
        return object()

    monkeypatch.setattr(rasa_speedups, "_rasa_load_spacy_model", load)
    monkeypatch.setattr(rasa_speedups, "_spacy_models", {})
    provided = SpacyNLP.load_model("fr_core_news_sm")  # the node that provides the model
    run = SpacyNLP.load_model("fr_core_news_sm")  # the node that runs it: the same one
    other = SpacyNLP.load_model("fr_core_news_md")
    assert provided is run and other is not run
    assert loaded == ["fr_core_news_sm", "fr_core_news_md"]


def test_another_rasa_version_is_left_unpatched(monkeypatch: pytest.MonkeyPatch) -> None:
    names = ("_validate_action_result", "_action_call_format")
    patched = {name: RemoteAction.__dict__[name] for name in names}
    assert MessageProcessor._predict_next_with_tracker is rasa_speedups._predict_next_with_tracker
    assert SpacyNLP.load_model is rasa_speedups.load_spacy_model
    monkeypatch.setattr(RemoteAction, "_validate_action_result", lambda self, result: "rasa's own")
    monkeypatch.setattr(RemoteAction, "_action_call_format", lambda self, tracker, domain: "rasa's own")
    monkeypatch.setattr(MessageProcessor, "_predict_next_with_tracker", lambda self, tracker: "rasa's own")
    monkeypatch.setattr(SpacyNLP, "load_model", staticmethod(lambda name: "rasa's own"))
    monkeypatch.setattr(EndpointConfig, "request", "rasa's own")
    monkeypatch.setattr(rasa_speedups, "_applied", False)
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    assert rasa_speedups.apply() is False
    assert RemoteAction("x", None)._validate_action_result({}) == "rasa's own"
    assert SpacyNLP.load_model("fr_core_news_sm") == "rasa's own"
    assert EndpointConfig.request == "rasa's own"
    monkeypatch.setattr(rasa, "__version__", "3.6.21")
    assert rasa_speedups.apply() is True
    assert {name: RemoteAction.__dict__[name] for name in names} == patched


def test_calls_to_the_action_server_share_one_open_connection() -> None:
    async def run() -> KeepAliveServer:
        nothing = {"events": [], "responses": []}
        server = KeepAliveServer(nothing)
        url = await server.start()
        endpoint = EndpointConfig(f"{url}/webhook", headers={"X-Diagnostic-Secret": "s3cret"})
        try:
            for call in range(5):
                server.expect(1)
                assert await endpoint.request(json={"call": call}, method="post") == nothing
            assert server.open == 1
            await rasa_speedups.close_sessions()  # as when Rasa stops (channels/rest.py)
            await asyncio.wait_for(server.all_closed.wait(), 10)
        finally:
            await server.stop()
        return server

    server = asyncio.run(run())
    assert server.connections == 1
    assert len(server.heads) == 5
    assert all(b"x-diagnostic-secret: s3cret" in head.lower() for head in server.heads)
    assert all(b"content-type: application/json" in head.lower() for head in server.heads)


def test_an_error_of_the_action_server_is_raised_as_rasa_raises_it() -> None:
    async def run() -> ClientResponseError:
        server = KeepAliveServer({"error": "boom"}, status=500)
        url = await server.start()
        try:
            with pytest.raises(ClientResponseError) as raised:
                await EndpointConfig(f"{url}/webhook").request(json={}, method="post")
            return raised.value
        finally:
            await rasa_speedups.close_sessions()
            await server.stop()

    error = asyncio.run(run())
    assert error.status == 500
    assert json.loads(error.text) == {"error": "boom"}
