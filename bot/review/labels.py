"""French labels of the codes the review shows (statuses, authority types, levels, actions)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.questionnaire import Questionnaire, default_questionnaire
from bot.recommendations import Catalogue, default_catalogue
from bot.staff_text import staff_text

# Status of a conversation in the list: its latest diagnostic's, with "abandonne" also for
# an unfinished diagnostic left untouched for N days, and "sans_diagnostic" for a
# conversation that never started one.
CONVERSATION_STATUSES = {
    code: staff_text(f"status_{code}")
    for code in ("en_cours", "en_pause", "termine", "abandonne", "sans_diagnostic")
}
REVIEW_STATUSES = {code: staff_text(f"review_status_{code}") for code in ("a_revoir", "relu")}
FLAG_LABELS = {code: staff_text(f"flag_{code}") for code in ("fallback", "low_confidence")}


@dataclass(frozen=True)
class Labels:
    """Code → label look-ups; an unknown code is shown as is."""

    authority_types: dict[str, str]
    levels: dict[int, str]
    actions: dict[str, str]
    questions: dict[str, str]
    question_order: tuple[str, ...]

    @classmethod
    def of(cls, questionnaire: Questionnaire, catalogue: Catalogue) -> Labels:
        return cls(
            authority_types=dict(questionnaire.question("type_collectivite").options()),
            levels={level.rank: level.name for level in questionnaire.levels},
            actions={action.code: action.title for action in catalogue.actions},
            questions={question.id: question.text for question in questionnaire.questions},
            question_order=tuple(question.id for question in questionnaire.questions),
        )

    def authority_type(self, code: str | None) -> str | None:
        return None if code is None else self.authority_types.get(code, code)

    def level(self, rank: int | None) -> str | None:
        return None if rank is None else self.levels.get(rank, str(rank))

    def action(self, code: str | None) -> str | None:
        return None if code is None else self.actions.get(code, code)

    def question(self, question_id: str | None) -> str | None:
        return None if question_id is None else self.questions.get(question_id, question_id)

    @staticmethod
    def status(code: str) -> str:
        return CONVERSATION_STATUSES.get(code, code)

    @staticmethod
    def review_status(code: str) -> str:
        return REVIEW_STATUSES.get(code, code)


@lru_cache(maxsize=1)
def default_labels() -> Labels:
    return Labels.of(default_questionnaire(), default_catalogue())
