"""Rasa custom actions: each one hands a kind of user turn to the diagnostic engine.

The actions only translate: they read the message (text, entities) from the
tracker, call one method of :class:`bot.dialogue.DiagnosticConversation`, and send
its replies. What to say and what to store is decided in ``bot/``.
"""

from __future__ import annotations

import json
import logging
from abc import ABCMeta, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import conversation
from bot.dialogue import DiagnosticConversation, Reply
from bot.messages import default_messages
from bot.storage import STORAGE_ERRORS, describe_fault
from bot.storage.faults import UNEXPECTED, error_summary
from bot.understanding.reader import answer_reader
from bot.web.validation import QUESTION_ID

logger = logging.getLogger(__name__)

# Load (or train, the first time) the learned answer reader when the server starts, not on
# the first answer; reading once also loads its spaCy model, which the reader otherwise loads on
# the first answer it reads (11 to 20 s on a busy machine: the door would answer « trop lent »).
answer_reader().read("oui")


def latest_text(tracker: Tracker) -> str | None:
    """The user's words; None for a button payload such as ``/skip``."""
    text = tracker.latest_message.get("text")
    if not isinstance(text, str) or text.startswith("/"):
        return None
    return text


def latest_entity(tracker: Tracker, entity: str) -> str | None:
    value = next(tracker.get_latest_entity_values(entity), None)
    return value if isinstance(value, str) and value else None


def latest_intent(tracker: Tracker) -> tuple[str | None, float]:
    """The classifier's intent and confidence (``nlu_fallback`` when it was unsure)."""
    intent = tracker.latest_message.get("intent") or {}
    name = intent.get("name")
    return (name if isinstance(name, str) else None), float(intent.get("confidence") or 0.0)


def latest_question_id(tracker: Tracker) -> str | None:
    """The question the user's message answers, when the client said (the message's metadata,
    set by channels/rest.py from the door's ``question_id``); None otherwise."""
    metadata = tracker.latest_message.get("metadata")
    if not isinstance(metadata, dict):
        user = next((e for e in reversed(tracker.events) if e.get("event") == "user"), None)
        metadata = user.get("metadata") if user else None
    question_id = metadata.get(QUESTION_ID) if isinstance(metadata, dict) else None
    return question_id if isinstance(question_id, str) and question_id else None


def latest_offer(tracker: Tracker) -> tuple[str, ...]:
    """The choice codes of the buttons of the assistant's last message before the user's one
    (a confirmation's "Oui" / "Non"...), so that typing "oui" is that click."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return ()
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            buttons = (event.get("data") or {}).get("buttons") or []
            return tuple(
                code for button in buttons if isinstance(button, dict)
                for code in [_choice_of(button.get("payload"))] if code is not None
            )  # fmt: skip
    return ()


def _choice_of(payload: Any) -> str | None:
    """The choice code of an ``/answer{"choice": …}`` button payload."""
    prefix = "/answer"
    if not isinstance(payload, str) or not payload.startswith(prefix + "{"):
        return None
    try:
        entities = json.loads(payload[len(prefix) :])
    except ValueError:
        return None
    choice = entities.get("choice") if isinstance(entities, dict) else None
    return choice if isinstance(choice, str) else None


def send(dispatcher: CollectingDispatcher, replies: list[Reply]) -> None:
    for reply in replies:
        buttons = [{"title": title, "payload": payload} for title, payload in reply.buttons]
        dispatcher.utter_message(text=reply.text, buttons=buttons, json_message=reply.custom)


class DiagnosticAction(Action, metaclass=ABCMeta):
    """Runs one engine method; a storage failure gets a French apology, nothing is lost.

    The whole turn (the context-first reading, then the action's own method) is one
    transaction of the store: when the database fails (locked, read-only, full,
    unreachable), nothing of the turn is stored, the fault is logged and the person is
    asked to say it again in a moment. The next turn uses the database again, without
    a restart.
    """

    @abstractmethod
    def replies(self, engine: DiagnosticConversation, tracker: Tracker) -> list[Reply]: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            engine = conversation()
            with engine.store.turn():
                # Context first: a message typed while a question is pending answers it, unless
                # it is clearly something else (bot/understanding/context.py).
                # A message for a question that has moved on (second tab, double click,
                # retry) is refused there too: nothing stored, the pending question again.
                replies = engine.in_context(
                    tracker.sender_id,
                    latest_text(tracker),
                    *latest_intent(tracker),
                    question_id=latest_question_id(tracker),
                    offered=latest_offer(tracker),
                )
                if replies is None:
                    replies = self.replies(engine, tracker)
        except STORAGE_ERRORS as error:
            fault = describe_fault(error)
            logger.error(
                "Diagnostic store fault (%s) in %s: nothing of this turn was stored, the user is "
                "asked to repeat. %s",
                fault, self.name(), error_summary(error),
                exc_info=fault == UNEXPECTED,  # the traceback only when the cause is unknown
            )  # fmt: skip
            replies = [Reply(default_messages().say("storage_error"))]
        except Exception:
            # Anything else (a ValueError, a KeyError…) is a bug of the engine, not a fault of
            # the store: logged with its traceback as such; the turn's transaction was rolled
            # back, and the next message is handled as usual.
            logger.exception(
                "Bug in the diagnostic engine in %s: nothing of this turn was stored.", self.name()
            )
            replies = [Reply(default_messages().say("engine_error"))]
        send(dispatcher, replies)
        return []


class ActionWelcome(DiagnosticAction):
    def name(self) -> str:
        return "action_welcome"

    def replies(self, engine: DiagnosticConversation, tracker: Tracker) -> list[Reply]:
        return engine.welcome(tracker.sender_id)


class ActionStartDiagnostic(DiagnosticAction):
    def name(self) -> str:
        return "action_start_diagnostic"

    def replies(self, engine: DiagnosticConversation, tracker: Tracker) -> list[Reply]:
        return engine.start(tracker.sender_id)


class ActionRestart(DiagnosticAction):
    def name(self) -> str:
        return "action_restart_diagnostic"

    def replies(self, engine: DiagnosticConversation, tracker: Tracker) -> list[Reply]:
        return engine.restart(tracker.sender_id)


class ActionAnswer(DiagnosticAction):
    def name(self) -> str:
        return "action_answer"

    def replies(self, engine: DiagnosticConversation, tracker: Tracker) -> list[Reply]:
        return engine.answer(tracker.sender_id, latest_text(tracker), latest_entity(tracker, "choice"))


class ActionOffTopic(DiagnosticAction):
    def name(self) -> str:
        return "action_off_topic"

    def replies(self, engine: DiagnosticConversation, tracker: Tracker) -> list[Reply]:
        return engine.off_script(
            tracker.sender_id, latest_text(tracker), "off_topic", latest_intent(tracker)[1]
        )


class ActionOtherLanguage(DiagnosticAction):
    def name(self) -> str:
        return "action_other_language"

    def replies(self, engine: DiagnosticConversation, tracker: Tracker) -> list[Reply]:
        return engine.off_script(
            tracker.sender_id, latest_text(tracker), "other_language", latest_intent(tracker)[1]
        )


class ActionSmallTalk(DiagnosticAction):
    """Thanks, "are you a robot?", an insult, a request for help: a reply, then the question."""

    def name(self) -> str:
        return "action_small_talk"

    def replies(self, engine: DiagnosticConversation, tracker: Tracker) -> list[Reply]:
        intent, _ = latest_intent(tracker)
        kind = intent if intent in ("thank", "bot_challenge", "insult", "help") else "help"
        return engine.small_talk(tracker.sender_id, kind)


class ActionDontKnow(DiagnosticAction):
    def name(self) -> str:
        return "action_dont_know"

    def replies(self, engine: DiagnosticConversation, tracker: Tracker) -> list[Reply]:
        return engine.dont_know(tracker.sender_id, latest_text(tracker))


class ActionSkip(DiagnosticAction):
    def name(self) -> str:
        return "action_skip"

    def replies(self, engine: DiagnosticConversation, tracker: Tracker) -> list[Reply]:
        return engine.skip(tracker.sender_id)


class ActionExplain(DiagnosticAction):
    def name(self) -> str:
        return "action_explain_question"

    def replies(self, engine: DiagnosticConversation, tracker: Tracker) -> list[Reply]:
        return engine.explain(tracker.sender_id)


class ActionDefine(DiagnosticAction):
    def name(self) -> str:
        return "action_define_term"

    def replies(self, engine: DiagnosticConversation, tracker: Tracker) -> list[Reply]:
        return engine.define(tracker.sender_id, latest_entity(tracker, "term"), latest_text(tracker))


class ActionCorrect(DiagnosticAction):
    def name(self) -> str:
        return "action_correct_answer"

    def replies(self, engine: DiagnosticConversation, tracker: Tracker) -> list[Reply]:
        return engine.correct(tracker.sender_id, latest_entity(tracker, "subject"), latest_text(tracker))


class ActionPause(DiagnosticAction):
    def name(self) -> str:
        return "action_pause"

    def replies(self, engine: DiagnosticConversation, tracker: Tracker) -> list[Reply]:
        return engine.pause(tracker.sender_id)


class ActionCurrentQuestion(DiagnosticAction):
    def name(self) -> str:
        return "action_current_question"

    def replies(self, engine: DiagnosticConversation, tracker: Tracker) -> list[Reply]:
        return engine.current_question(tracker.sender_id)
