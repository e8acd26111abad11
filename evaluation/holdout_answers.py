"""Scoring answer normalisation on the held-out answers (tests/nlu_holdout/answers.yml).

Each held-out answer names a question, the text typed and the value that should be
stored (``null``: the message must not be stored as an answer to that question).
An answer counts as right when ``normalise`` returns exactly that value; for a
``null`` label, when it returns nothing (neither a value nor "ne sait pas").
Shared by the benchmark (scripts/bench_nlu.py) and tests/nlu/.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.questionnaire import Question, Questionnaire, default_questionnaire
from bot.understanding.answers import normalise

HOLDOUT_ANSWERS = Path(__file__).resolve().parents[1] / "tests" / "nlu_holdout" / "answers.yml"


@dataclass(frozen=True)
class LabelledAnswer:
    question_id: str
    text: str
    value: Any


@dataclass
class TypeScore:
    right: int = 0
    total: int = 0
    failures: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # question, text, expected, got

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 1.0


def load_answers(path: Path | str = HOLDOUT_ANSWERS) -> list[LabelledAnswer]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [LabelledAnswer(item["question"], str(item["text"]), item["value"]) for item in raw]


def answer_type_key(question: Question) -> str:
    """The answer type, with single and multiple choices told apart ("choix", "choix_multiple")."""
    if question.answer_type == "choix" and question.multiple:
        return "choix_multiple"
    return question.answer_type


def stored_value(question: Question, text: str) -> Any:
    """What the engine would store: the value, or None when nothing is stored.

    An ambiguous reading is not stored (the engine asks for confirmation instead).
    """
    interpretation = normalise(question, text)
    if interpretation is None or getattr(interpretation, "ambiguous", False):
        return None
    if interpretation.unknown and interpretation.value is None:
        return "<ne sait pas>"  # stored as unknown: never what a null label means
    return interpretation.value


def score_answers(
    answers: list[LabelledAnswer] | None = None, questionnaire: Questionnaire | None = None
) -> dict[str, TypeScore]:
    """Accuracy per answer type, plus "total"."""
    questionnaire = questionnaire or default_questionnaire()
    answers = load_answers() if answers is None else answers
    scores: dict[str, TypeScore] = defaultdict(TypeScore)
    for answer in answers:
        question = questionnaire.question(answer.question_id)
        got = stored_value(question, answer.text)
        for key in (answer_type_key(question), "total"):
            score = scores[key]
            score.total += 1
            if got == answer.value:
                score.right += 1
            elif key == "total":
                continue
            else:
                score.failures.append((answer.question_id, answer.text, answer.value, got))
    return dict(scores)
