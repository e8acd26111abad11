"""Two patches of Rasa 3.6.21's ``RemoteAction`` (the call to the action server), applied once.

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
"""

from __future__ import annotations

import logging
from collections.abc import Reversible
from typing import Any

import rasa
from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

logger = logging.getLogger(__name__)

PATCHED_RASA_VERSION = "3.6.21"
# The latest message, and the previous one: what the assistant said in between (its buttons) is
# what the latest message may answer (actions/actions.py, latest_offer).
USER_MESSAGES_SENT = 2
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
        _applied = True
    return True
