"""The progress part of a repeat's report: each axis then and now, what changed, the first action.

Read from the store like the rest of the report (the stored results and answers of both
diagnostics are the truth) and computed by bot/progress.py; the questionnaire gives the wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import formatting
from bot.answers import Answer
from bot.charts.progress import ProgressBar, progress_svg
from bot.progress import FirstAction, Progress, ScoreChange, compute_progress
from bot.questionnaire import Question, Questionnaire
from bot.settings import report_path
from bot.storage import DiagnosticStore
from bot.web.report import PUBLIC_ID_PATTERN


@dataclass(frozen=True)
class ChangeLine:
    question_id: str
    position: int
    question: str
    then: str
    now: str


@dataclass(frozen=True)
class ProgressView:
    previous_public_id: str
    previous_completed_at: str | None
    progress: Progress
    changes: tuple[ChangeLine, ...]

    @property
    def overall(self) -> ScoreChange:
        return self.progress.overall

    @property
    def axes(self) -> tuple[ScoreChange, ...]:
        return self.progress.axes

    @property
    def first_action(self) -> FirstAction | None:
        return self.progress.first_action

    @property
    def previous_path(self) -> str:
        return report_path(self.previous_public_id)

    def chart(self) -> Any:
        return progress_svg([ProgressBar(axis.label, axis.then, axis.now) for axis in self.axes])

    def to_json(self) -> dict[str, Any]:
        return self.progress.to_dict()


def load_progress(
    store: DiagnosticStore, questionnaire: Questionnaire, public_id: str
) -> ProgressView | None:
    """The progress of a finished repeat since the diagnostic it repeats; None otherwise."""
    if not PUBLIC_ID_PATTERN.fullmatch(public_id):
        return None
    record = store.by_public_id(public_id)
    if record is None or record.previous_diagnostic_id is None:
        return None
    previous = store.get(record.previous_diagnostic_id)
    then_result, now_result = store.result(previous.id), store.result(record.id)
    if then_result is None or now_result is None:
        return None
    then_answers, now_answers = store.answers(previous.id), store.answers(record.id)
    order = [question.id for question in questionnaire.questions]
    progress = compute_progress(then_result, now_result, then_answers, now_answers, order)
    return ProgressView(
        previous_public_id=previous.public_id,
        previous_completed_at=previous.completed_at.isoformat() if previous.completed_at else None,
        progress=progress,
        changes=tuple(_lines(questionnaire, progress)),
    )


def _lines(questionnaire: Questionnaire, progress: Progress) -> list[ChangeLine]:
    lines = []
    for change in progress.changes:
        try:
            question = questionnaire.question(change.question_id)
        except KeyError:  # a question the questionnaire no longer has
            continue
        lines.append(
            ChangeLine(
                question_id=question.id,
                position=questionnaire.position(question.id),
                question=question.text,
                then=_shown(question, change.then),
                now=_shown(question, change.now),
            )
        )
    return lines


def _shown(question: Question, answer: Answer | None) -> str:
    return "–" if answer is None else formatting.answer_value(question, answer)
