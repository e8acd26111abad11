"""French formatting of numbers, dates and stored answers, for the pages people read."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.answers import Answer
from bot.messages import default_messages
from bot.questionnaire import Question, yes_partly_no_label
from bot.settings import TIMEZONE

PARIS = ZoneInfo(TIMEZONE)
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
NARROW_NBSP = "\u202f"


def number(value: float | int | None, thousands: str = NARROW_NBSP) -> str:
    """12 000 ; 42,5 ; « – » when there is no value. Pages separate thousands with a narrow
    no-break space; the conversation, with a plain space (``thousands=" "``)."""
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", thousands).replace(".", ",")
    return f"{int(value):,}".replace(",", thousands)


def percent(ratio: float | None) -> str:
    return "–" if ratio is None else f"{number(round(ratio * 100))}{NARROW_NBSP}%"


def date(value: datetime | str | None) -> str:
    """« 25 novembre 2026 à 18 h 05 » (heure de Paris)."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = value.astimezone(PARIS)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year} à {local.hour} h {local.minute:02d}"


def answer_value(question: Question, answer: Answer) -> str:
    """What was answered, as a page shows it: "Question passée", "Je ne sais pas" (the label of
    the value ne_sait_pas), or the value."""
    if answer.status == "skipped":
        return default_messages().say("skipped_label")
    if answer.status == "unknown":
        return yes_partly_no_label("ne_sait_pas")
    return value_label(question, answer.value)


def value_label(question: Question, value: Any, thousands: str = NARROW_NBSP) -> str:
    """A stored value as a person reads it: choices by their labels, numbers the French way."""
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(question.label_of(str(code)) for code in value) or "–"
    if question.answer_type == "nombre" and isinstance(value, (int, float)) and not isinstance(value, bool):
        unit = f" {question.unit}" if question.unit else ""
        return f"{number(value, thousands)}{unit}"
    if question.is_closed:
        return question.label_of(str(value))
    return str(value)
