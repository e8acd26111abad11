"""The results report of a finished diagnostic, read from the store (the stored result is the truth).

Nothing is recomputed: scores, levels and the recommendation are those saved when the
diagnostic ended; the questionnaire only gives the wording (question texts, axis order,
level descriptions, answer labels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot import formatting
from bot.authorities.division import COMMUNE, EPCI_KINDS
from bot.peers import OwnAxis, PeerComparison
from bot.questionnaire import Questionnaire
from bot.storage import DiagnosticStore
from bot.storage.peers import peer_comparison
from bot.storage.repository import OfficialAuthority
from bot.web.errors import web_text

# public ids are secrets.token_urlsafe(24): anything else is not looked up at all.
PUBLIC_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
PROFILE_SECTION_LABEL = web_text("report_profile_section")
SUMMARY_PROFILE_QUESTIONS = ("type_collectivite", "population", "nombre_agents")
# The answers' source when the assistant took them from the official division
# ("decoupage-administratif 6.0.0", see DiagnosticStore.save_answer).
DIVISION_SOURCE_PREFIX = "decoupage-administratif"


def kind_label(kind: str) -> str:
    """The kind as a person reads it: "commune", or the EPCI type ("communauté de communes")."""
    return COMMUNE if kind == COMMUNE else EPCI_KINDS.get(kind, kind)


def division_version(source: str | None) -> str | None:
    """The version of the official division an answer was taken from; None if said by the person."""
    if source is None or not source.startswith(DIVISION_SOURCE_PREFIX):
        return None
    return source[len(DIVISION_SOURCE_PREFIX) :].strip(" -:") or None


def of_name(name: str) -> str:
    """The name after « de » in French: « de la CC du Pays d'Uzès », « du Grand Chalon »."""
    lowered = name.lower()
    for article, contracted in (("le ", "du "), ("les ", "des ")):
        if lowered.startswith(article):
            return contracted + name[len(article) :]
    if lowered.startswith(("cc ", "ca ", "cu ", "communauté", "métropole", "la ")):
        return "de " + name if lowered.startswith("la ") else "de la " + name
    if lowered[:1] in "aeéèêiîoôuy":
        return "de l'" + name
    return "de " + name


@dataclass(frozen=True)
class AxisLine:
    axis_id: str
    label: str
    score: float | None
    level: int | None
    level_name: str | None
    coverage: float
    answered: int
    total: int


@dataclass(frozen=True)
class OfficialView:
    """The authority as the official division knows it, as the report shows it."""

    authority: OfficialAuthority
    kind_label: str
    code_label: str  # "code INSEE" for a commune, "SIREN" for an EPCI
    epci_kind_label: str | None
    epci_of_name: str | None  # "de la CC du Pays d'Uzès"

    @classmethod
    def of(cls, authority: OfficialAuthority) -> OfficialView:
        return cls(
            authority=authority,
            kind_label=kind_label(authority.kind),
            code_label="code INSEE" if authority.is_commune else "SIREN",
            epci_kind_label=kind_label(authority.epci_kind) if authority.epci_kind else None,
            epci_of_name=of_name(authority.epci_name) if authority.epci_name else None,
        )

    def to_json(self) -> dict[str, Any]:
        described = self.authority.as_dict()
        described["kind_label"] = self.kind_label
        if described["epci"] is not None:
            described["epci"]["kind_label"] = self.epci_kind_label
        return described


@dataclass(frozen=True)
class AnswerLine:
    question_id: str
    position: int
    section: str
    question: str
    display: str
    status: str
    value: Any
    raw_text: str | None
    source: str | None = None
    division_version: str | None = None  # set when taken from the official division


@dataclass(frozen=True)
class Report:
    public_id: str
    status: str
    completed_at: str | None
    authority_name: str | None
    profile: dict[str, str]
    overall_score: float | None
    overall_level: int | None
    overall_level_name: str | None
    overall_level_description: str | None
    overall_coverage: float
    axes: tuple[AxisLine, ...]
    top: dict[str, Any]
    alternatives: tuple[dict[str, Any], ...]
    answers: tuple[AnswerLine, ...]
    maturity: dict[str, Any]
    recommendation: dict[str, Any]
    official: OfficialView | None = None
    peers: PeerComparison | None = None  # where the authority stands among comparable ones

    def profile_summary(self) -> list[str]:
        """Type, population and staff of the authority, as answered ("Commune", "12 000 habitants"...)."""
        return [self.profile[key] for key in SUMMARY_PROFILE_QUESTIONS if key in self.profile]

    def sections(self) -> list[tuple[str, list[AnswerLine]]]:
        """Answers grouped by section, in questionnaire order."""
        grouped: dict[str, list[AnswerLine]] = {}
        for line in self.answers:
            grouped.setdefault(line.section, []).append(line)
        return list(grouped.items())

    def to_json(self, report_url: str) -> dict[str, Any]:
        return {
            "diagnostic_id": self.public_id,
            "status": self.status,
            "completed_at": self.completed_at,
            "report_url": report_url,
            "authority_name": self.authority_name,
            "official": None if self.official is None else self.official.to_json(),
            "maturity": self.maturity,
            "recommendation": self.recommendation,
            "peers": None if self.peers is None else self.peers.to_dict(),
            "answers": [
                {
                    "question_id": line.question_id,
                    "position": line.position,
                    "question": line.question,
                    "status": line.status,
                    "value": line.value,
                    "display": line.display,
                    "raw_text": line.raw_text,
                    "source": line.source,
                }
                for line in self.answers
            ],
        }


def load_report(
    store: DiagnosticStore, questionnaire: Questionnaire, public_id: str, *, include_synthetic: bool = False
) -> Report | None:
    """The report of a finished diagnostic, or None (unknown id, or no result yet).

    ``include_synthetic``: count the synthetic diagnostics among the peers (the platform's
    DIAGNOSTIC_INCLUDE_SYNTHETIC).
    """
    if not PUBLIC_ID_PATTERN.fullmatch(public_id):
        return None
    record = store.by_public_id(public_id)
    if record is None:
        return None
    result = store.result(record.id)
    if result is None:
        return None
    maturity = result["maturity"] or {}
    recommendation = result["recommendation"] or {}
    overall = maturity.get("overall") or {}
    answers = store.answers(record.id)
    level_rank = overall.get("level")
    levels = {level.rank: level for level in questionnaire.levels}
    completed = record.completed_at.isoformat() if record.completed_at else result.get("computed_at")
    axes = _axes(questionnaire, maturity.get("axes") or {})
    peers = peer_comparison(
        store,
        record,
        [OwnAxis(axis.axis_id, axis.label, axis.score) for axis in axes],
        include_synthetic=include_synthetic,
    )
    return Report(
        public_id=record.public_id,
        status=record.status,
        completed_at=completed,
        authority_name=record.authority_name,
        profile=_profile(questionnaire, answers),
        overall_score=overall.get("score"),
        overall_level=level_rank,
        overall_level_name=overall.get("level_name"),
        overall_level_description=levels[level_rank].description if level_rank in levels else None,
        overall_coverage=float(overall.get("coverage") or 0.0),
        axes=axes,
        top=recommendation.get("top") or {},
        alternatives=tuple(recommendation.get("alternatives") or ()),
        answers=_answers(questionnaire, answers),
        maturity=maturity,
        recommendation=recommendation,
        official=None if record.official is None else OfficialView.of(record.official),
        peers=peers,
    )


def _axes(questionnaire: Questionnaire, stored: dict[str, Any]) -> tuple[AxisLine, ...]:
    """Stored axis results, in the questionnaire's axis order (unknown axes last)."""
    order = [axis.id for axis in questionnaire.axes if axis.id in stored]
    order += [axis_id for axis_id in stored if axis_id not in order]
    lines = []
    for axis_id in order:
        item = stored[axis_id] or {}
        lines.append(
            AxisLine(
                axis_id=axis_id,
                label=str(item.get("label") or axis_id),
                score=item.get("score"),
                level=item.get("level"),
                level_name=item.get("level_name"),
                coverage=float(item.get("coverage") or 0.0),
                answered=int(item.get("answered") or 0),
                total=int(item.get("total") or 0),
            )
        )
    return tuple(lines)


def _section_label(questionnaire: Questionnaire, axis_id: str | None) -> str:
    if axis_id is None:
        return PROFILE_SECTION_LABEL
    try:
        return questionnaire.axis(axis_id).label
    except KeyError:
        return axis_id


def _answers(questionnaire: Questionnaire, answers: dict) -> tuple[AnswerLine, ...]:
    lines = []
    for question in questionnaire.questions:
        answer = answers.get(question.id)
        if answer is None:
            continue
        lines.append(
            AnswerLine(
                question_id=question.id,
                position=questionnaire.position(question.id),
                section=_section_label(questionnaire, question.axis),
                question=question.text,
                display=formatting.answer_value(question, answer),
                status=answer.status,
                value=answer.value,
                raw_text=answer.raw_text,
                source=answer.source,
                division_version=division_version(answer.source),
            )
        )
    return tuple(lines)


def _profile(questionnaire: Questionnaire, answers: dict) -> dict[str, str]:
    """Question id -> answer as read, for the profile questions that were answered."""
    profile = {}
    for question in questionnaire.questions:
        answer = answers.get(question.id)
        if question.is_profile and answer is not None and answer.status == "answered":
            profile[question.id] = formatting.answer_value(question, answer)
    return profile
