"""A diagnostic with several voices: consolidation, divergences, blind spots, recommendation.

Pure functions on the answers of a group's respondents (each answering for a service, their
"role"); nothing here stores, reads the web or knows Rasa.

Rules (documented in the README, tested on worked examples in tests/bot/test_groups.py)
---------------------------------------------------------------------------------------
1. **Answer of a role.** Several people may answer for the same service: per scored
   question, the role's answer is the *lower median* of its respondents' answers ranked by
   points (with an even number, the lower of the two middle answers, the more prudent one).
   "Je ne sais pas" and skipped answers bring no points and are left out; if nobody of the
   role gave points, the role's answer is "je ne sais pas" (or skipped). An unscored question
   (a choice of themes, a number) takes the first answer given, in the order people joined.
2. **Consolidated answer of the group**: the same lower median, across the roles' answers —
   each service counts once, however many of its people answered, and one service alone
   cannot pull the group's answer up or down. The consolidated maturity is the ordinary
   maturity (bot/scoring.py) of these consolidated answers, so its formula, weights and
   coverage are those of a single diagnostic.
3. **Divergence** of a scored question: the spread of the roles' points (highest minus
   lowest, 0 to 100) among the roles that gave points, at least two. It is *strong* from
   ``DIVERGENCE_THRESHOLD`` = 60 points: a "oui" facing a "non" (100) is, a "oui" beside an
   "en partie" (50, one step) is not.
4. **Blind spots**: the questions the most respondents answered "je ne sais pas" (at least
   one), most first, at most ``BLIND_SPOTS``.
5. **Recommendation**: when at least ``ROADMAP_DIVERGENCES`` questions of the strategy and
   organisation axes diverge strongly, the first action is the catalogue's shared roadmap
   (``ROADMAP_ACTION``) with the divergences as its reasons, and the consolidated
   recommendation's actions come next as alternatives; otherwise the recommendation of the
   consolidated answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.answers import Answer, AnswerMap
from bot.questionnaire import Question, Questionnaire
from bot.recommendations import ALTERNATIVES, Catalogue, Recommendation, recommend, score_action
from bot.scoring import UNKNOWN_VALUE, Maturity, compute_maturity, question_points

DIVERGENCE_THRESHOLD = 60.0
BLIND_SPOTS = 5
ROADMAP_DIVERGENCES = 2
ROADMAP_AXES = ("strategie", "organisation")
ROADMAP_ACTION = "feuille_de_route"


@dataclass(frozen=True)
class Respondent:
    """One member of the group: the service they answer for and their answers."""

    role: str
    answers: AnswerMap


@dataclass(frozen=True)
class Divergence:
    """A scored question on which the roles' answers are far apart."""

    question_id: str
    axis: str
    spread: float
    answers: tuple[tuple[str, Answer], ...]  # (role, the role's answer), in the roles' order


@dataclass(frozen=True)
class BlindSpot:
    question_id: str
    unknown: int  # respondents who answered "je ne sais pas"
    answered: int  # respondents who gave any answer to the question


@dataclass(frozen=True)
class GroupAnalysis:
    roles: tuple[str, ...]
    role_answers: Mapping[str, AnswerMap]
    role_maturity: Mapping[str, Maturity]
    consolidated: AnswerMap
    maturity: Maturity
    divergences: tuple[Divergence, ...]
    blind_spots: tuple[BlindSpot, ...]
    recommendation: Recommendation


def is_unknown(answer: Answer | None) -> bool:
    return answer is not None and (answer.status == "unknown" or answer.value == UNKNOWN_VALUE)


def _lower_median(ranked: list[tuple[float, Answer]]) -> Answer:
    ranked = sorted(ranked, key=lambda pair: pair[0])  # stable: ties keep the given order
    return ranked[(len(ranked) - 1) // 2][1]


def _consolidate_question(question: Question, answers: list[Answer]) -> Answer | None:
    if not answers:
        return None
    if question.is_scored:
        scored = [(points, a) for a in answers if (points := question_points(question, a)) is not None]
        if scored:
            return _lower_median(scored)
        unknown = next((a for a in answers if is_unknown(a)), None)
        return unknown if unknown is not None else answers[0]
    return next((a for a in answers if a.status == "answered"), answers[0])


def consolidate(questionnaire: Questionnaire, maps: Sequence[AnswerMap]) -> dict[str, Answer]:
    """One answer per question from several sets of answers (rules 1 and 2 of the docstring)."""
    merged: dict[str, Answer] = {}
    for question in questionnaire.questions:
        answer = _consolidate_question(question, [m[question.id] for m in maps if question.id in m])
        if answer is not None:
            merged[question.id] = answer
    return merged


def answers_by_role(questionnaire: Questionnaire, respondents: Sequence[Respondent]) -> dict[str, AnswerMap]:
    """Each role's answers, the roles in the order their first respondent joined."""
    grouped: dict[str, list[AnswerMap]] = {}
    for respondent in respondents:
        grouped.setdefault(respondent.role, []).append(respondent.answers)
    return {role: consolidate(questionnaire, maps) for role, maps in grouped.items()}


def divergences(
    questionnaire: Questionnaire,
    role_answers: Mapping[str, AnswerMap],
    threshold: float = DIVERGENCE_THRESHOLD,
) -> tuple[Divergence, ...]:
    """The scored questions whose roles' points spread by ``threshold`` or more, widest first."""
    found: list[tuple[int, Divergence]] = []
    for index, question in enumerate(questionnaire.questions):
        if not question.is_scored:
            continue
        given = [(role, answers[question.id]) for role, answers in role_answers.items()
                 if question.id in answers]  # fmt: skip
        points = [p for _, a in given if (p := question_points(question, a)) is not None]
        if len(points) < 2 or max(points) - min(points) < threshold:
            continue
        assert question.axis is not None
        spread = max(points) - min(points)
        found.append((index, Divergence(question.id, question.axis, spread, tuple(given))))
    found.sort(key=lambda pair: (-pair[1].spread, pair[0]))
    return tuple(divergence for _, divergence in found)


def blind_spots(
    questionnaire: Questionnaire, respondents: Sequence[Respondent], limit: int = BLIND_SPOTS
) -> tuple[BlindSpot, ...]:
    """The questions most answered "je ne sais pas" (at least once), most first."""
    found: list[tuple[int, BlindSpot]] = []
    for index, question in enumerate(questionnaire.questions):
        given = [r.answers[question.id] for r in respondents if question.id in r.answers]
        unknown = sum(1 for answer in given if is_unknown(answer))
        if unknown:
            found.append((index, BlindSpot(question.id, unknown, len(given))))
    found.sort(key=lambda pair: (-pair[1].unknown, pair[0]))
    return tuple(spot for _, spot in found[:limit])


def group_recommendation(
    catalogue: Catalogue,
    questionnaire: Questionnaire,
    consolidated: AnswerMap,
    found: Sequence[Divergence],
    reason: Callable[[Divergence], str],
) -> Recommendation:
    """Rule 5 of the docstring; ``reason`` words a divergence as a reason (content file)."""
    usual = recommend(catalogue, questionnaire, consolidated)
    strategic = [d for d in found if d.axis in ROADMAP_AXES]
    roadmap = next((a for a in catalogue.actions if a.code == ROADMAP_ACTION), None)
    if len(strategic) < ROADMAP_DIVERGENCES or roadmap is None:
        return usual
    top = replace(
        score_action(roadmap, questionnaire, consolidated), reasons=tuple(reason(d) for d in strategic)
    )
    others = [a for a in (usual.top, *usual.alternatives) if a.code != ROADMAP_ACTION]
    return Recommendation(top=top, alternatives=tuple(others[:ALTERNATIVES]))


def analyse_group(
    questionnaire: Questionnaire,
    catalogue: Catalogue,
    respondents: Sequence[Respondent],
    reason: Callable[[Divergence], str],
) -> GroupAnalysis:
    """Everything the group report shows, from the respondents who finished."""
    if not respondents:
        raise ValueError("un groupe sans réponse terminée n'a pas de résultat")
    by_role = answers_by_role(questionnaire, respondents)
    consolidated = consolidate(questionnaire, list(by_role.values()))
    found = divergences(questionnaire, by_role)
    return GroupAnalysis(
        roles=tuple(by_role),
        role_answers=by_role,
        role_maturity={role: compute_maturity(questionnaire, answers) for role, answers in by_role.items()},
        consolidated=consolidated,
        maturity=compute_maturity(questionnaire, consolidated),
        divergences=found,
        blind_spots=blind_spots(questionnaire, respondents),
        recommendation=group_recommendation(catalogue, questionnaire, consolidated, found, reason),
    )
