"""Maturity scores per axis and overall, from the questionnaire and the answers.

Pure functions: nothing here stores, parses or talks; the same answers always give the
same result.

Formula
-------
1. **Points of a question** (only scored questions: an axis and ``weight`` > 0), in [0, 100]:

   * ``oui_partiel_non``: ``oui`` = 100, ``en_partie`` = 50, ``non`` = 0;
   * multiple choice with ``scoring.per_choice``: ``min(100, per_choice × number of codes
     chosen)``; the "aucune" code counts for no code, hence 0 points.

   A question answered "je ne sais pas" (status ``unknown``, or the value ``ne_sait_pas``),
   skipped, or not answered yet gives **no points**: it is not counted as zero but lowers
   the coverage.
2. **Axis score** = mean of the points of the axis's answered scored questions, weighted by
   ``question.weight``: ``Σ(weight × points) / Σ(weight)``; ``None`` if none is answered.
   **Axis coverage** = answered weight / total weight of the axis's scored questions (0 to 1).
3. **Overall score** = unweighted mean of the axis scores that exist (as in the EU Digital
   Maturity Assessment, where the overall result is the mean of the dimensions); ``None``
   if no axis has a score. **Overall coverage** = mean of the coverages of all the axes.
4. **Level** = ``questionnaire.level_for(score)``: the highest of the five levels whose
   ``min_score`` the score reaches (0, 20, 40, 60, 80 in the shipped content).

Scores are rounded to one decimal (half up) and coverages to three decimals, only at the
end: the overall score is the mean of the unrounded axis scores. The level is read from the
rounded score, so that the level shown always matches the number shown (19.96 → 20.0 →
level 2).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot.answers import Answer, AnswerMap
from bot.questionnaire import NO_CHOICE, Level, Question, Questionnaire

# Points of the oui_partiel_non values; "ne_sait_pas" gives none (see the module docstring).
YES_PARTLY_NO_POINTS = {"oui": 100.0, "en_partie": 50.0, "non": 0.0}
UNKNOWN_VALUE = "ne_sait_pas"
MAX_POINTS = 100.0


def chosen_codes(value: Any) -> tuple[str, ...]:
    """The codes of a choice answer, in order, without duplicates.

    Accepts a single code (``"eau"``) or a collection of codes (``["eau", "dechets"]``);
    ``None`` gives no code.
    """
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable):
        return tuple(dict.fromkeys(str(code) for code in value))
    raise ValueError(f"réponse à choix invalide : {value!r}")


def question_points(question: Question, answer: Answer | None) -> float | None:
    """Points (0-100) of a scored question, or None when it brings no points.

    None means unanswered, skipped or "je ne sais pas". A value the question cannot take
    raises ValueError: answers are validated before they are stored, so it is a bug.
    """
    if not question.is_scored:
        raise ValueError(f"la question {question.id} n'est pas notée")
    if answer is None or answer.status != "answered":
        return None
    if question.answer_type == "oui_partiel_non":
        if answer.value == UNKNOWN_VALUE:
            return None
        if answer.value not in YES_PARTLY_NO_POINTS:
            raise ValueError(f"réponse invalide à {question.id} : {answer.value!r}")
        return YES_PARTLY_NO_POINTS[answer.value]
    if question.answer_type == "choix" and question.multiple and question.scoring is not None:
        codes = chosen_codes(answer.value)
        unknown = [code for code in codes if code not in question.choice_codes()]
        if unknown:
            raise ValueError(f"réponse invalide à {question.id} : codes inconnus {unknown}")
        count = len([code for code in codes if code != NO_CHOICE])
        return min(MAX_POINTS, question.scoring.per_choice * count)
    raise ValueError(f"la question {question.id} ({question.answer_type}) ne sait pas être notée")


def round_score(value: float) -> float:
    """One decimal, half up (12.25 → 12.3, unlike round())."""
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def round_coverage(value: float) -> float:
    return float(Decimal(repr(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def _level_dict(level: Level | None) -> dict[str, Any]:
    return {"level": level.rank if level else None, "level_name": level.name if level else None}


@dataclass(frozen=True)
class AxisScore:
    axis_id: str
    label: str
    score: float | None
    coverage: float
    level: Level | None
    answered: int
    total: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "score": self.score,
            "coverage": self.coverage,
            **_level_dict(self.level),
            "answered": self.answered,
            "total": self.total,
        }


@dataclass(frozen=True)
class Maturity:
    overall_score: float | None
    overall_coverage: float
    level: Level | None
    axes: tuple[AxisScore, ...]

    def axis(self, axis_id: str) -> AxisScore:
        for axis in self.axes:
            if axis.axis_id == axis_id:
                return axis
        raise KeyError(axis_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: {"overall": {...}, "axes": {axis_id: {...}}} (see the module docstring)."""
        return {
            "overall": {
                "score": self.overall_score,
                **_level_dict(self.level),
                "coverage": self.overall_coverage,
            },
            "axes": {axis.axis_id: axis.to_dict() for axis in self.axes},
        }


def _axis_score(
    questionnaire: Questionnaire, axis_id: str, answers: AnswerMap
) -> tuple[AxisScore, float | None, float]:
    """The rounded axis result, with its unrounded score and coverage for the overall means."""
    questions = [q for q in questionnaire.questions if q.axis == axis_id and q.is_scored]
    total_weight = sum(q.weight for q in questions)
    answered_weight = 0.0
    weighted_points = 0.0
    answered = 0
    for question in questions:
        points = question_points(question, answers.get(question.id))
        if points is None:
            continue
        answered += 1
        answered_weight += question.weight
        weighted_points += question.weight * points
    exact = weighted_points / answered_weight if answered_weight > 0 else None
    score = round_score(exact) if exact is not None else None
    coverage = answered_weight / total_weight if total_weight > 0 else 0.0
    result = AxisScore(
        axis_id=axis_id,
        label=questionnaire.axis(axis_id).label,
        score=score,
        coverage=round_coverage(coverage),
        level=questionnaire.level_for(score) if score is not None else None,
        answered=answered,
        total=len(questions),
    )
    return result, exact, coverage


def compute_maturity(questionnaire: Questionnaire, answers: AnswerMap) -> Maturity:
    """Score every axis of the questionnaire, then the overall maturity (see the docstring)."""
    axes: list[AxisScore] = []
    exact_scores: list[float] = []
    coverages: list[float] = []
    for axis in questionnaire.axes:
        result, exact, coverage = _axis_score(questionnaire, axis.id, answers)
        axes.append(result)
        coverages.append(coverage)
        if exact is not None:
            exact_scores.append(exact)
    overall = round_score(sum(exact_scores) / len(exact_scores)) if exact_scores else None
    return Maturity(
        overall_score=overall,
        overall_coverage=round_coverage(sum(coverages) / len(coverages)) if coverages else 0.0,
        level=questionnaire.level_for(overall) if overall is not None else None,
        axes=tuple(axes),
    )
