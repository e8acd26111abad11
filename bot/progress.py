"""Progress between a diagnostic and the one that repeats it ("refaire le diagnostic").

Everything is computed from what was stored when each diagnostic ended (maturity and
recommendation as saved, answers as stored), so that the figures match the two reports:

- per axis and overall: the score then, the score now, and ``delta = now - then`` (rounded to
  one decimal; None when either score is unknown);
- the questions whose answer changed (value or status differs; a question answered in only one
  of the two counts as changed), in the order of ``order`` when given;
- the first action recommended last time, and what the person said of it now (the repeat's
  own question ``FIRST_ACTION_QUESTION``: oui / en_partie / non / ne_sait_pas): ``moved`` is
  True for "oui" and "en partie", False for "non", None when unknown or not asked.

Pure: no storage, no web, no Rasa.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.answers import Answer

# The repeat's own question: was the first action recommended last time started?
FIRST_ACTION_QUESTION = "premiere_action_engagee"
FIRST_ACTION_MOVED = {"oui": True, "en_partie": True, "non": False}
OVERALL = "overall"


@dataclass(frozen=True)
class ScoreChange:
    """One axis (or the overall maturity): score then, now, and the difference."""

    axis_id: str
    label: str
    then: float | None
    now: float | None

    @property
    def delta(self) -> float | None:
        if self.then is None or self.now is None:
            return None
        return round(self.now - self.then, 1)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "then": self.then, "now": self.now, "delta": self.delta}


@dataclass(frozen=True)
class AnswerChange:
    """A question whose answer differs between the two diagnostics (None: no answer then / now)."""

    question_id: str
    then: Answer | None
    now: Answer | None

    def to_dict(self) -> dict[str, Any]:
        def side(answer: Answer | None) -> dict[str, Any] | None:
            return None if answer is None else {"value": answer.value, "status": answer.status}

        return {"question_id": self.question_id, "then": side(self.then), "now": side(self.now)}


@dataclass(frozen=True)
class FirstAction:
    """The first action recommended last time, and whether it was started since."""

    code: str
    title: str
    status: str | None  # oui / en_partie / non / ne_sait_pas; None when not answered

    @property
    def moved(self) -> bool | None:
        return FIRST_ACTION_MOVED.get(self.status) if self.status is not None else None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "title": self.title, "status": self.status, "moved": self.moved}


@dataclass(frozen=True)
class Progress:
    overall: ScoreChange
    axes: tuple[ScoreChange, ...]
    changes: tuple[AnswerChange, ...]
    first_action: FirstAction | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: {"overall", "axes": {axis_id: {...}}, "changes": [...], "first_action"}."""
        return {
            OVERALL: self.overall.to_dict(),
            "axes": {axis.axis_id: axis.to_dict() for axis in self.axes},
            "changes": [change.to_dict() for change in self.changes],
            "first_action": None if self.first_action is None else self.first_action.to_dict(),
        }


def score_changes(then: Mapping[str, Any], now: Mapping[str, Any]) -> tuple[ScoreChange, ...]:
    """Per axis, from two stored maturities ``{"overall", "axes": {id: {"label", "score"}}}``:
    the axes of the current one in their order, then any axis only the earlier one had."""
    then_axes = then.get("axes") or {}
    now_axes = now.get("axes") or {}
    order = [*now_axes, *(axis_id for axis_id in then_axes if axis_id not in now_axes)]
    changes = []
    for axis_id in order:
        before = then_axes.get(axis_id) or {}
        after = now_axes.get(axis_id) or {}
        label = str(after.get("label") or before.get("label") or axis_id)
        changes.append(ScoreChange(axis_id, label, before.get("score"), after.get("score")))
    return tuple(changes)


def changed_answers(
    then: Mapping[str, Answer], now: Mapping[str, Answer], order: Sequence[str] = ()
) -> tuple[AnswerChange, ...]:
    """Questions whose value or status differs (the repeat's own question left out)."""
    ids = [*order, *(qid for qid in [*then, *now] if qid not in order)]
    changes: list[AnswerChange] = []
    for question_id in dict.fromkeys(ids):
        if question_id == FIRST_ACTION_QUESTION:
            continue
        before, after = then.get(question_id), now.get(question_id)
        if before is None and after is None:
            continue
        if (
            before is not None
            and after is not None
            and (before.value, before.status)
            == (
                after.value,
                after.status,
            )
        ):
            continue
        changes.append(AnswerChange(question_id, before, after))
    return tuple(changes)


def first_action(recommendation: Mapping[str, Any], answer: Answer | None) -> FirstAction | None:
    """The first action recommended last time (None if there was none) and its status now."""
    top = recommendation.get("top") or {}
    if not top.get("code"):
        return None
    status = None
    if answer is not None and answer.status != "skipped":
        status = "ne_sait_pas" if answer.status == "unknown" else str(answer.value)
    return FirstAction(code=str(top["code"]), title=str(top.get("title") or top["code"]), status=status)


def compute_progress(
    then_result: Mapping[str, Any],
    now_result: Mapping[str, Any],
    then_answers: Mapping[str, Answer],
    now_answers: Mapping[str, Answer],
    order: Sequence[str] = (),
) -> Progress:
    """Progress from two stored results ``{"maturity", "recommendation"}`` and their answers."""
    then_maturity = then_result.get("maturity") or {}
    now_maturity = now_result.get("maturity") or {}
    overall = ScoreChange(
        OVERALL,
        OVERALL,
        (then_maturity.get("overall") or {}).get("score"),
        (now_maturity.get("overall") or {}).get("score"),
    )
    return Progress(
        overall=overall,
        axes=score_changes(then_maturity, now_maturity),
        changes=changed_answers(then_answers, now_answers, order),
        first_action=first_action(
            then_result.get("recommendation") or {}, now_answers.get(FIRST_ACTION_QUESTION)
        ),
    )
