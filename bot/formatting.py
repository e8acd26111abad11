"""French formatting of numbers, dates and stored answers, for the pages people read."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.answers import Answer
from bot.questionnaire import Question
from bot.settings import TIMEZONE

PARIS = ZoneInfo(TIMEZONE)
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
NARROW_NBSP = "\u202f"


def number(value: float | int | None) -> str:
    """12 000 ; 42,5 ; « – » when there is no value."""
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", NARROW_NBSP).replace(".", ",")
    return f"{int(value):,}".replace(",", NARROW_NBSP)


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
    """What was answered, as a person reads it."""
    if answer.status == "skipped":
        return "Question passée"
    if answer.status == "unknown":
        return "Je ne sais pas"
    return value_label(question, answer.value)


def value_label(question: Question, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(question.label_of(str(code)) for code in value) or "–"
    if question.answer_type == "nombre" and isinstance(value, (int, float)) and not isinstance(value, bool):
        unit = f" {question.unit}" if question.unit else ""
        return f"{number(value)}{unit}"
    if question.is_closed:
        return question.label_of(str(value))
    return str(value)
