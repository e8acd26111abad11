"""Shared value types for answers, as the scoring and recommendation code reads them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

AnswerStatus = Literal["answered", "unknown", "skipped"]


@dataclass(frozen=True)
class Interpretation:
    """What the assistant understood of a free answer.

    ``value`` is the normalised value (see the answer types in the questionnaire);
    ``unknown`` is true when the person said they do not know (value is then
    ``"ne_sait_pas"`` for oui_partiel_non questions and None otherwise).
    ``candidates`` is set only for an answer that could mean several values ("je crois
    que oui", "entre 3 et 4", "une commune et une interco"): the values a person may
    have meant, most likely first; ``value`` is then None and nothing should be stored
    before the person confirms one of them (see ``bot.understanding.interpret``).
    """

    value: Any
    unknown: bool = False
    candidates: tuple[Any, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1

    @property
    def status(self) -> AnswerStatus:
        return "unknown" if self.unknown else "answered"


@dataclass(frozen=True)
class Answer:
    """The current answer to one question, as stored."""

    question_id: str
    value: Any
    status: AnswerStatus
    raw_text: str | None = None
    # None when the respondent said it; "decoupage-administratif 6.0.0" (the official
    # division and its version) when the assistant took it from there.
    source: str | None = None

    @property
    def is_known(self) -> bool:
        return self.status == "answered"


AnswerMap = Mapping[str, Answer]
