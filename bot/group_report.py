"""The result of a group diagnostic, read from the store and analysed (bot/groups.py).

One JSON-ready description serves the group report page, its JSON address and
``python -m bot export-group``. Only the members who finished count in the consolidated
result; the others are listed with their status. Members appear by service, never by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.formatting import answer_value
from bot.group_content import GroupContent
from bot.groups import Divergence, Respondent, analyse_group
from bot.questionnaire import Questionnaire
from bot.recommendations import Catalogue
from bot.storage.groups import GroupMember, GroupRecord, GroupStore
from bot.storage.models import iso_utc
from bot.storage.repository import DiagnosticRecord

FINISHED = "termine"


@dataclass(frozen=True)
class GroupReporter:
    """Builds a group's description from the group store, the questionnaire and the content."""

    groups: GroupStore
    questionnaire: Questionnaire
    catalogue: Catalogue
    content: GroupContent

    def role_of(self, diagnostic: DiagnosticRecord) -> str:
        """The member's service; the founder's comes from their usual role answer."""
        return diagnostic.group_role or self.content.founder_role(diagnostic.respondent_role)

    def reason(self, divergence: Divergence) -> str:
        say = self.content.messages.say
        question = self.questionnaire.question(divergence.question_id)
        answers = " ; ".join(
            say("role_answer", role=self.content.role_label(role), answer=answer_value(question, answer))
            for role, answer in divergence.answers
        )
        return say("divergence_reason", question=question.text, answers=answers)

    def describe(self, group: GroupRecord) -> dict[str, Any]:
        """Everything about the group, JSON-ready (format documented in the README)."""
        members = self.groups.members(group.id)
        finished = [m for m in members if m.diagnostic.status == FINISHED]
        data: dict[str, Any] = {
            "group_id": group.id,
            "authority": {
                "name": group.authority_name,
                "type": group.authority_type,
                "population": group.population,
                "agents": group.agents,
                "official": None if group.official is None else group.official.as_dict(),
            },
            "created_at": iso_utc(group.created_at),
            "closed_at": iso_utc(group.closed_at),
            "respondents": [self._respondent(m) for m in members],
            "finished": len(finished),
            "roles": [],
            "maturity": None,
            "divergences": [],
            "blind_spots": [],
            "recommendation": None,
        }
        if not finished:
            return data
        respondents = [Respondent(self.role_of(m.diagnostic), m.answers) for m in finished]
        analysis = analyse_group(self.questionnaire, self.catalogue, respondents, self.reason)
        counts = {role: sum(1 for r in respondents if r.role == role) for role in analysis.roles}
        data["roles"] = [
            {
                "role": role,
                "label": self.content.role_label(role),
                "respondents": counts[role],
                "maturity": analysis.role_maturity[role].to_dict(),
            }
            for role in analysis.roles
        ]
        data["maturity"] = analysis.maturity.to_dict()
        data["divergences"] = [self._divergence(d) for d in analysis.divergences]
        data["blind_spots"] = [
            {
                "question_id": spot.question_id,
                "question": self.questionnaire.question(spot.question_id).text,
                "unknown": spot.unknown,
                "answered": spot.answered,
            }
            for spot in analysis.blind_spots
        ]
        data["recommendation"] = analysis.recommendation.to_dict()
        return data

    def _respondent(self, member: GroupMember) -> dict[str, Any]:
        diagnostic = member.diagnostic
        overall = ((member.result or {}).get("maturity") or {}).get("overall") or {}
        return {
            "role": self.role_of(diagnostic),
            "label": self.content.role_label(self.role_of(diagnostic)),
            "coordinator": member.is_coordinator,
            "status": diagnostic.status,
            "overall_score": overall.get("score"),
            "level": overall.get("level"),
            "completed_at": iso_utc(diagnostic.completed_at),
        }

    def _divergence(self, divergence: Divergence) -> dict[str, Any]:
        question = self.questionnaire.question(divergence.question_id)
        return {
            "question_id": question.id,
            "question": question.text,
            "axis": divergence.axis,
            "axis_label": self.questionnaire.axis(divergence.axis).label,
            "spread": divergence.spread,
            "answers": [
                {
                    "role": role,
                    "label": self.content.role_label(role),
                    "value": answer.value,
                    "answer": answer_value(question, answer),
                }
                for role, answer in divergence.answers
            ],
        }
