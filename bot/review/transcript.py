"""Rasa's tracker events turned into a transcript: turns of user message, actions and replies.

A turn starts with a user message and holds what followed it (actions, bot messages, slot
changes) until the next one; what happens before the first message (session start,
greeting) is a turn without user message. Plain frozen dataclasses: the staff pages,
the exports and the read model all use them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from bot.review.text import is_payload
from bot.review.tracker import Event
from bot.settings import FALLBACK_INTENT
from bot.storage.models import iso_utc

# Events shown as actions, messages or slot changes; other types become markers.
HIDDEN_ACTIONS = frozenset({"action_listen"})
IGNORED_EVENTS = frozenset({"user_featurization"})
RANKING_SIZE = 5


def event_time(timestamp: float | None) -> datetime | None:
    if timestamp is None:
        return None
    try:
        return datetime.fromtimestamp(float(timestamp), tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Entity:
    entity: str
    value: Any
    start: int | None = None
    end: int | None = None
    extractor: str | None = None
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class UserMessage:
    event_id: int
    at: datetime | None
    text: str
    intent: str | None
    confidence: float | None
    entities: tuple[Entity, ...] = ()
    # The classifier's best intents (name, confidence), best first.
    ranking: tuple[tuple[str, float], ...] = ()
    # "fallback" (nlu_fallback), "low_confidence" (below the threshold) or None.
    flag: str | None = None

    @property
    def is_payload(self) -> bool:
        """A button press (``/answer{"choice": "oui"}``) rather than typed words."""
        return is_payload(self.text)

    @property
    def best_guess(self) -> str | None:
        """The best intent other than the fallback (what the classifier thought)."""
        return next((name for name, _ in self.ranking if name != FALLBACK_INTENT), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "at": iso_utc(self.at),
            "text": self.text,
            "intent": self.intent,
            "confidence": self.confidence,
            "entities": [entity.to_dict() for entity in self.entities],
            "ranking": [{"intent": name, "confidence": confidence} for name, confidence in self.ranking],
            "flag": self.flag,
        }


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class BotMessage:
    at: datetime | None
    text: str | None
    buttons: tuple[Button, ...] = ()
    custom: dict[str, Any] | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": iso_utc(self.at),
            "text": self.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in self.buttons],
            "custom": self.custom,
        }


@dataclass(frozen=True)
class ActionStep:
    at: datetime | None
    name: str
    policy: str | None = None
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": iso_utc(self.at),
            "name": self.name,
            "policy": self.policy,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class SlotChange:
    at: datetime | None
    name: str
    value: Any = field(compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"at": iso_utc(self.at), "name": self.name, "value": self.value}


@dataclass(frozen=True)
class Turn:
    index: int
    at: datetime | None
    user: UserMessage | None
    bot_messages: tuple[BotMessage, ...] = ()
    actions: tuple[ActionStep, ...] = ()
    slot_changes: tuple[SlotChange, ...] = ()
    # Other events, by type name (session_started, restart, reset_slots...).
    markers: tuple[str, ...] = ()

    @property
    def flag(self) -> str | None:
        return None if self.user is None else self.user.flag

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "at": iso_utc(self.at),
            "user": None if self.user is None else self.user.to_dict(),
            "bot_messages": [message.to_dict() for message in self.bot_messages],
            "actions": [action.to_dict() for action in self.actions],
            "slot_changes": [change.to_dict() for change in self.slot_changes],
            "markers": list(self.markers),
        }


def classify(intent: str | None, confidence: float | None, threshold: float) -> str | None:
    """ "fallback" for Rasa's nlu_fallback, "low_confidence" below the threshold, else None."""
    if intent == FALLBACK_INTENT:
        return "fallback"
    if confidence is not None and confidence < threshold:
        return "low_confidence"
    return None


def _entities(raw: Any) -> tuple[Entity, ...]:
    entities = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("entity"), str):
            continue
        start, end = item.get("start"), item.get("end")
        entities.append(
            Entity(
                entity=item["entity"],
                value=item.get("value"),
                start=start if isinstance(start, int) else None,
                end=end if isinstance(end, int) else None,
                extractor=_text(item.get("extractor")),
                confidence=_number(item.get("confidence_entity")),
            )
        )
    return tuple(entities)


def user_message(event: Event, threshold: float) -> UserMessage:
    """The user message of a ``user`` event (text, intent, confidence, entities, flag)."""
    data = event.data
    parse_data = data.get("parse_data") if isinstance(data.get("parse_data"), dict) else {}
    intent_data = parse_data.get("intent") if isinstance(parse_data.get("intent"), dict) else {}
    intent = event.intent_name or _text(intent_data.get("name"))
    confidence = _number(intent_data.get("confidence"))
    ranking = []
    for item in parse_data.get("intent_ranking") or []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            ranking.append((item["name"], _number(item.get("confidence")) or 0.0))
    text = _text(data.get("text")) or _text(parse_data.get("text")) or ""
    return UserMessage(
        event_id=event.id,
        at=event_time(event.timestamp),
        text=text,
        intent=intent,
        confidence=confidence,
        entities=_entities(parse_data.get("entities")),
        ranking=tuple(ranking[:RANKING_SIZE]),
        flag=classify(intent, confidence, threshold),
    )


def _bot_message(event: Event) -> BotMessage:
    data = event.data
    payload = data.get("data") if isinstance(data.get("data"), dict) else {}
    buttons = []
    for item in payload.get("buttons") or []:
        if isinstance(item, dict):
            buttons.append(Button(title=str(item.get("title") or ""), payload=str(item.get("payload") or "")))
    custom = payload.get("custom")
    return BotMessage(
        at=event_time(event.timestamp),
        text=_text(data.get("text")),
        buttons=tuple(buttons),
        custom=custom if isinstance(custom, dict) else None,
    )


class _TurnBuilder:
    def __init__(self, index: int, at: datetime | None, user: UserMessage | None) -> None:
        self.index, self.at, self.user = index, at, user
        self.bot: list[BotMessage] = []
        self.actions: list[ActionStep] = []
        self.slots: list[SlotChange] = []
        self.markers: list[str] = []

    def empty(self) -> bool:
        return self.user is None and not (self.bot or self.actions or self.slots or self.markers)

    def build(self) -> Turn:
        return Turn(
            index=self.index,
            at=self.at,
            user=self.user,
            bot_messages=tuple(self.bot),
            actions=tuple(self.actions),
            slot_changes=tuple(self.slots),
            markers=tuple(self.markers),
        )


def build_turns(events: Iterable[Event], threshold: float) -> list[Turn]:
    """The conversation's turns, in order (events must be in Rasa's order, by id)."""
    turns: list[Turn] = []
    current: _TurnBuilder | None = None
    for event in events:
        at = event_time(event.timestamp)
        if event.type_name == "user":
            if current is not None and not current.empty():
                turns.append(current.build())
            current = _TurnBuilder(len(turns), at, user_message(event, threshold))
            continue
        if current is None:
            current = _TurnBuilder(0, at, None)
        if event.type_name == "bot":
            current.bot.append(_bot_message(event))
        elif event.type_name == "action":
            name = event.action_name or _text(event.data.get("name")) or "?"
            if name not in HIDDEN_ACTIONS:
                current.actions.append(
                    ActionStep(
                        at=at,
                        name=name,
                        policy=_text(event.data.get("policy")),
                        confidence=_number(event.data.get("confidence")),
                    )
                )
        elif event.type_name == "slot":
            current.slots.append(
                SlotChange(at=at, name=str(event.data.get("name")), value=event.data.get("value"))
            )
        elif event.type_name not in IGNORED_EVENTS:
            current.markers.append(event.type_name)
    if current is not None and not current.empty():
        turns.append(current.build())
    return turns
