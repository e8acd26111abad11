"""The group diagnostic's content (``bot/content/groups.yml``), checked when it is loaded.

It holds the question a group member answers instead of the usual role question (the list of
services), how the founder's usual role maps to a service, and every phrase of the group
conversation and report.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.content_files import CONTENT_DIR, read_yaml_mapping
from bot.messages import Messages, message_problems, messages_of, required_phrases
from bot.questionnaire import Question, Questionnaire, default_questionnaire

GROUPS_PATH = CONTENT_DIR / "groups.yml"
# The usual role question, which the group's own role question replaces for members.
RESPONDENT_ROLE_QUESTION = "role_repondant"
OTHER_ROLE = "autre"
# Every phrase, with the placeholders it may use.
GROUP_MESSAGES = required_phrases(
    {
        "invitation": ("invitation_url", "report_url"),
        "invitation_needs_a_diagnostic": (),
        "joined": ("authority",),
        "shared_notice": (),
        "joined_again": (),
        "unknown_invitation": (),
        "closed": (),
        "member_report": ("url",),
        "divergence_reason": ("question", "answers"),
        "role_answer": ("role", "answer"),
        "unknown_authority": (),
        "web_unknown_group": (),
        "web_unknown_invitation": (),
        "web_closed": (),
        "web_not_coordinator": (),
    }
)


class GroupContentError(ValueError):
    """The group content file is missing or invalid; the message says what."""


@dataclass(frozen=True)
class GroupContent:
    role_question: Question
    founder_roles: dict[str, str]  # usual role code -> service code
    messages: Messages

    def role_label(self, role: str) -> str:
        return self.role_question.label_of(role)

    def founder_role(self, respondent_role: str | None) -> str:
        """The service of someone who answered the usual role question (or did not)."""
        return self.founder_roles.get(respondent_role or "", OTHER_ROLE)


def load_group_content(
    path: Path | str = GROUPS_PATH, questionnaire: Questionnaire | None = None
) -> GroupContent:
    path = Path(path)
    questionnaire = questionnaire if questionnaire is not None else default_questionnaire()
    raw = read_yaml_mapping(path, GroupContentError)
    problems: list[str] = []
    try:
        question = Question(**(raw.get("role_question") or {}))
    except (ValidationError, TypeError) as exc:
        raise GroupContentError(f"{path} : role_question invalide : {exc}") from exc
    if question.answer_type != "choix" or question.multiple or OTHER_ROLE not in question.choice_codes():
        problems.append(f"role_question : un choix unique, avec le code « {OTHER_ROLE} »")
    if any(q.id == question.id for q in questionnaire.questions):
        problems.append(f"role_question : l'identifiant {question.id} est déjà celui d'une question")
    founder_roles = raw.get("founder_roles") or {}
    usual = questionnaire.question(RESPONDENT_ROLE_QUESTION).choice_codes()
    for code, role in founder_roles.items():
        if code not in usual or role not in question.choice_codes():
            problems.append(f"founder_roles : {code} → {role} ne correspond à aucun choix")
    texts: dict[str, Any] = raw.get("messages") or {}
    problems += message_problems(texts, GROUP_MESSAGES)
    if problems:
        raise GroupContentError(f"{path} est invalide :\n" + "\n".join(problems))
    messages = messages_of(texts, GROUP_MESSAGES)
    return GroupContent(role_question=question, founder_roles=dict(founder_roles), messages=messages)


@lru_cache(maxsize=1)
def default_group_content() -> GroupContent:
    return load_group_content()
