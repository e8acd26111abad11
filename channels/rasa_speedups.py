"""Five patches of Rasa 3.6.21, applied once: two of ``RemoteAction`` (the call to the action
server), one of the policies' prediction, one of the spaCy model's loading, one of the HTTP
requests to the action server.

Only for ``rasa.__version__ == "3.6.21"`` (requirements.lock): with any other version
:func:`apply` patches nothing and logs a warning, since the patched methods may have changed.
channels/tracker_store.py calls :func:`apply` when it is imported, that is at every Rasa start
(endpoints.yml names that tracker store).

1. ``RemoteAction._validate_action_result``: Rasa calls ``jsonschema.validate`` on every answer
   of the action server, which checks the schema itself against JSON Schema's meta-schema and
   builds a new validator each time: 28 % of Rasa's time under load (benchmarks/load.md). The
   patch validates with one validator built (and its schema checked) once: the same schema,
   the same accept/reject, the same error (``best_match``, with Rasa's text appended).
2. ``RemoteAction._action_call_format``: Rasa sends the whole tracker (every event of the
   session, up to 111 KB at the end of a diagnostic) to the action server at every turn. The
   patch sends the same tracker state (slots, latest message, latest action, active loop…) but
   only the events from the user's previous message on (all events before there are two), so
   that a turn does not cost more as the conversation grows. The actions (actions/actions.py)
   read the latest message, that user event's metadata and the assistant's message just before
   it (its buttons); rasa-sdk's executor reads the tracker's state and passes the domain to the
   action, which ours do not use (endpoints.yml sets ``enable_selective_domain``: Rasa then
   sends the domain only to actions that ask for it).
3. ``MessageProcessor._predict_next_with_tracker``: to predict the next action, Rasa's policies
   rebuild the state before every action of the session (``Domain.states_for_tracker_history``,
   a copy of the tracker replayed event by event) and RulePolicy deep-copies them for a debug
   log: 1.4 ms at turn 3, 4 ms at turn 30, twice a turn (0.7 and 0.9 ms with the patch). A
   trained RulePolicy only compares the last states with its rules, a few states long. When
   RulePolicy is the only policy, no slot influences the conversation and the domain has no
   form (so every state is the latest message and the previous action), the patch hands the
   policies a tracker replayed from the latest applied events only: its last states, as many as
   the longest rule plus one, are those of the whole tracker, so the prediction is the same.
   Otherwise (another policy, a slot or a form) the whole tracker is used, as in Rasa.
4. ``SpacyNLP.load_model``: Rasa's prediction graph has two nodes of ``SpacyNLP`` (one provides
   the spaCy model, the other runs it on each message with the provided model), and each loads
   the spaCy model when it is created, so the running Rasa holds it twice (the second copy is
   never used): 140 MB of its resident memory. The patch loads each spaCy model once per
   process and hands the same one to both nodes; it is only read (``nlp.pipe``).
5. ``EndpointConfig.request``: Rasa opens a new aiohttp session, so a new connection to the
   action server, for every custom action it runs, and closes it after: connecting,
   accepting and setting both ends up cost CPU in Rasa and in the action server at every call.
   The patch sends the same request (headers, authentication, parameters, timeout, errors) on
   one session per event loop and endpoint settings, whose connections stay open between calls.
   They are dropped after :data:`KEEPALIVE_SECONDS` idle, well before the action server (Sanic,
   5 s) closes them, so that a request never goes out on a connection the server is closing.
   :func:`close_sessions` closes them when the server stops (channels/rest.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import weakref
from collections.abc import Reversible
from typing import Any

import aiohttp
import rasa
from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.core.processor import MessageProcessor
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.shared.exceptions import FileNotFoundException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

logger = logging.getLogger(__name__)

PATCHED_RASA_VERSION = "3.6.21"
# The latest message, and the previous one: what the assistant said in between (its buttons) is
# what the latest message may answer (actions/actions.py, latest_offer).
USER_MESSAGES_SENT = 2
# s: an idle connection to the action server is dropped after this, before Sanic's 5 s.
KEEPALIVE_SECONDS = 2.0
_applied = False


def compiled_response_validator() -> Any:
    """The validator of ``RemoteAction.action_response_format_spec()``, its schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


_RESPONSE_VALIDATOR = compiled_response_validator()


def validate_action_result(result: Any) -> bool:
    """As ``jsonschema.validate(result, schema)`` then Rasa's message, without re-checking the schema."""
    error: ValidationError | None = best_match(_RESPONSE_VALIDATOR.iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def recent_events(events: Reversible[Event], user_messages: int = USER_MESSAGES_SENT) -> list[Event]:
    """The events from the ``user_messages``-th latest user message on; all of them when fewer."""
    kept: list[Event] = []
    seen = 0
    for event in reversed(events):
        kept.append(event)
        if isinstance(event, UserUttered):
            seen += 1
            if seen == user_messages:
                break
    kept.reverse()
    return kept


def action_call_format(action: RemoteAction, tracker: DialogueStateTracker, domain: Domain) -> dict[str, Any]:
    """Rasa's request to the action server, with the recent events only."""
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in recent_events(tracker.events)]
    result: dict[str, Any] = {
        "next_action": action.name(),
        "sender_id": tracker.sender_id,
        "tracker": state,
        "version": rasa.__version__,
    }
    if not action._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(
        action.name()
    ):
        result["domain"] = domain.as_dict()
    return result


def longest_rule(policy: RulePolicy) -> int:
    """How many states the longest rule of a trained RulePolicy compares with the conversation."""
    keys = [key for table in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH) for key in policy.lookup.get(table, {})]
    return max((len(RulePolicy._rule_key_to_state(key)) for key in keys), default=0)


def states_compared(policies: list[Any], domain: Domain) -> int | None:
    """How many of the latest states the policies look at; None when it may be all of them.

    Only RulePolicy alone, in a domain without forms and without slots that influence the
    conversation, is known to look at its longest rule's length of states only.
    """
    if not policies or not all(type(policy) is RulePolicy for policy in policies):
        return None
    if domain.form_names or any(slot.influence_conversation for slot in domain.slots):
        return None
    return max(longest_rule(policy) for policy in policies)


def recent_tracker(tracker: DialogueStateTracker, domain: Domain, states: int) -> DialogueStateTracker:
    """A tracker of the latest applied events, whose last ``states`` states are ``tracker``'s.

    The kept events start at the action before a user message (usually ``action_listen``), so
    that the state before every later action holds the same latest message and previous
    action; at least ``states + 1`` actions are kept. The tracker itself when it is that short.
    """
    events = tracker.applied_events()
    actions = 0
    user_seen = False
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, ActionExecuted):
            actions += 1
            if user_seen:
                return DialogueStateTracker.from_events(tracker.sender_id, events[index:], slots=domain.slots)
        elif isinstance(event, UserUttered) and actions > states:
            user_seen = True
    return tracker


_compared_states: weakref.WeakKeyDictionary[MessageProcessor, int | None] = weakref.WeakKeyDictionary()


def _states_compared_by(processor: MessageProcessor) -> int | None:
    """``states_compared`` for this processor's trained policies, found once per processor."""
    if processor not in _compared_states:
        nodes = getattr(processor.graph_runner, "_instantiated_nodes", {})
        components = [getattr(node, "_component", None) for node in nodes.values()]
        policies = [component for component in components if isinstance(component, Policy)]
        _compared_states[processor] = states_compared(policies, processor.domain)
    return _compared_states[processor]


def _predict_next_with_tracker(self: MessageProcessor, tracker: DialogueStateTracker) -> PolicyPrediction:
    if not tracker.followup_action:  # Rasa clears a follow-up action on the tracker itself
        states = _states_compared_by(self)
        if states is not None:
            tracker = recent_tracker(tracker, self.domain, states)
    return _rasa_predict_next_with_tracker(self, tracker)


_rasa_predict_next_with_tracker = MessageProcessor._predict_next_with_tracker


_spacy_models: dict[str, SpacyModel] = {}


def load_spacy_model(spacy_model_name: str) -> SpacyModel:
    """``SpacyNLP.load_model``, once per model name and process."""
    if spacy_model_name not in _spacy_models:
        _spacy_models[spacy_model_name] = _rasa_load_spacy_model(spacy_model_name)
    return _spacy_models[spacy_model_name]


_rasa_load_spacy_model = SpacyNLP.load_model


# Per event loop: (headers, authentication) -> the session requests with those settings share.
_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, aiohttp.ClientSession]]
_sessions = weakref.WeakKeyDictionary()


def pooled_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """The running loop's open session for ``endpoint``'s headers and authentication."""
    per_loop = _sessions.setdefault(asyncio.get_running_loop(), {})
    key = (tuple(sorted(endpoint.headers.items())), tuple(sorted(endpoint.basic_auth.items())))
    session = per_loop.get(key)
    if session is None or session.closed:
        auth = aiohttp.BasicAuth(**endpoint.basic_auth) if endpoint.basic_auth else None
        session = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
        )
        per_loop[key] = session
    return session


async def close_sessions() -> None:
    """Closes the running loop's sessions (their connections with them)."""
    for session in _sessions.pop(asyncio.get_running_loop(), {}).values():
        await session.close()


async def _request(
    self: EndpointConfig,
    method: str = "post",
    subpath: str | None = None,
    content_type: str | None = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Any:
    """Rasa's ``EndpointConfig.request`` on :func:`pooled_session` instead of a new session."""
    headers = {"Content-Type": content_type} if content_type else {}
    headers.update(kwargs.pop("headers", None) or {})
    headers.update(self.headers or {})
    sslcontext = None
    if self.cafile:
        try:
            sslcontext = ssl.create_default_context(cafile=self.cafile)
        except FileNotFoundError as e:
            path = os.path.abspath(self.cafile)
            raise FileNotFoundException(f"Failed to find certificate file, '{path}' does not exist.") from e
    async with pooled_session(self).request(
        method,
        concat_url(self.url, subpath),
        headers=headers,
        params=self.combine_parameters(kwargs),
        compress=compress,
        ssl=sslcontext,
        **kwargs,
    ) as response:
        if response.status >= 400:
            raise ClientResponseError(response.status, response.reason, await response.content.read())
        try:
            return await response.json()
        except aiohttp.ContentTypeError:
            return None


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    return validate_action_result(result)


def apply() -> bool:
    """Patches ``RemoteAction`` (once); False, and nothing patched, on another Rasa version."""
    global _applied
    if rasa.__version__ != PATCHED_RASA_VERSION:
        logger.warning(
            "channels.rasa_speedups: Rasa %s is not %s, RemoteAction is left as it is.",
            rasa.__version__,
            PATCHED_RASA_VERSION,
        )
        return False
    if not _applied:
        RemoteAction._validate_action_result = _validate_action_result
        RemoteAction._action_call_format = action_call_format
        MessageProcessor._predict_next_with_tracker = _predict_next_with_tracker
        SpacyNLP.load_model = staticmethod(load_spacy_model)
        EndpointConfig.request = _request
        _applied = True
    return True
