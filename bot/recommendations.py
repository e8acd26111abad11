"""The first action to recommend, chosen from a catalogue by transparent rules.

The catalogue lives in ``bot/content/recommendations.yml``. Each action has a base score
and rules; a rule is a condition on the answers, a number of points and the reason shown to
the person when it matches. Everything is data, validated at load time against the
questionnaire (unknown question ids, choice codes or misplaced operators are load errors).

Condition language (one key per condition)::

    {question: q, equals: code}          single-code answer (oui_partiel_non or single choice)
    {question: q, in: [code, code]}      same, any of the codes
    {question: q, contains: code}        multiple choice: the code is among those chosen
    {question: q, count_at_least: n}     multiple choice: at least n codes chosen ("aucune" excluded)
    {question: q, at_least: n}           nombre / echelle: value >= n
    {question: q, at_most: n}            nombre / echelle: value <= n
    {all: [cond, ...]} / {any: [cond, ...]} / {not: cond}

A "je ne sais pas" answer to a oui_partiel_non question reads as the code ``ne_sait_pas``;
otherwise unknown, skipped and unanswered questions match no condition (only ``not`` of
one). A rule is a condition plus ``points`` (negative points lower the score of an action
that does not fit, e.g. public lighting for a région) and ``reason``.

``recommend``:

1. leaves out every action the authority already has: its code is one of the themes chosen
   at ``infrastructures_initiatives``, or its optional ``done_if`` condition matches (e.g.
   open data when the authority already publishes its data). Such an action is never the
   first action nor an alternative;
2. scores the others: ``base`` + the points of every matching rule;
3. sorts them by score, highest first, then by catalogue order (deterministic);
4. returns the best one and the next two as alternatives. When fewer than three actions
   remain, it returns those that remain (fewer alternatives). The loader requires at least
   one action that can never be left out, so there is always a first action.

The reasons of an action are the reasons of its matching rules with positive points, highest
points first (ties: file order); if none matched, its ``default_reason``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    conint,
    constr,
    root_validator,
    validator,
)

from bot.answers import Answer, AnswerMap
from bot.content_files import CONTENT_DIR, read_yaml_mapping
from bot.questionnaire import NO_CHOICE, Question, Questionnaire, default_questionnaire
from bot.scoring import UNKNOWN_VALUE, chosen_codes

RECOMMENDATIONS_PATH = CONTENT_DIR / "recommendations.yml"
# The question whose chosen themes are the initiatives the authority already has.
INITIATIVES_QUESTION = "infrastructures_initiatives"
ALTERNATIVES = 2

NonEmpty = constr(strip_whitespace=True, min_length=1)


class CatalogueError(ValueError):
    """The catalogue file is missing or invalid; the message says where."""


class _Frozen(BaseModel):
    class Config:
        frozen = True
        extra = "forbid"
        allow_population_by_field_name = True


_QUESTION_OPERATORS = ("equals", "in_", "contains", "count_at_least", "at_least", "at_most")
_COMBINATORS = ("all_", "any_", "not_")


def _yaml_key(field: str) -> str:
    return field.rstrip("_")


class Condition(_Frozen):
    question: StrictStr | None = None
    equals: StrictStr | None = None
    in_: tuple[StrictStr, ...] | None = Field(None, alias="in")
    contains: StrictStr | None = None
    count_at_least: int | None = Field(None, ge=1)
    at_least: float | None = None
    at_most: float | None = None
    all_: tuple[Condition, ...] | None = Field(None, alias="all")
    any_: tuple[Condition, ...] | None = Field(None, alias="any")
    not_: Condition | None = Field(None, alias="not")

    @root_validator(skip_on_failure=True)
    def _one_test(cls, values: dict[str, Any]) -> dict[str, Any]:
        for field in ("in_", "all_", "any_"):
            if values.get(field) == ():
                raise ValueError(f"la liste {_yaml_key(field)} ne peut pas être vide")
        operators = [_yaml_key(f) for f in _QUESTION_OPERATORS if values.get(f) is not None]
        combinators = [_yaml_key(f) for f in _COMBINATORS if values.get(f) is not None]
        if values.get("question") is not None:
            if combinators:
                raise ValueError(f"une condition sur une question ne peut pas contenir {combinators[0]}")
            if len(operators) != 1:
                raise ValueError(
                    "une condition sur une question doit avoir exactement un test parmi "
                    "equals, in, contains, count_at_least, at_least, at_most"
                    + (f" (trouvés : {', '.join(operators)})" if operators else "")
                )
        else:
            if operators:
                raise ValueError(f"le test {operators[0]} doit être accompagné de question")
            if len(combinators) != 1:
                raise ValueError("une condition doit avoir question, all, any ou not (un seul)")
        return values

    # --- evaluation -------------------------------------------------------------

    def matches(self, questionnaire: Questionnaire, answers: AnswerMap) -> bool:
        if self.all_ is not None:
            return all(c.matches(questionnaire, answers) for c in self.all_)
        if self.any_ is not None:
            return any(c.matches(questionnaire, answers) for c in self.any_)
        if self.not_ is not None:
            return not self.not_.matches(questionnaire, answers)
        assert self.question is not None
        question = questionnaire.question(self.question)
        value = _observed_value(question, answers.get(self.question))
        if value is None:
            return False
        if self.equals is not None:
            return value == self.equals
        if self.in_ is not None:
            return value in self.in_
        if self.contains is not None:
            return self.contains in _codes(value)
        if self.count_at_least is not None:
            return len([c for c in _codes(value) if c != NO_CHOICE]) >= self.count_at_least
        if not _is_number(value):
            return False
        if self.at_least is not None:
            return value >= self.at_least
        assert self.at_most is not None
        return value <= self.at_most


Condition.update_forward_refs()


class Rule(Condition):
    points: StrictInt
    reason: NonEmpty  # type: ignore[valid-type]

    @validator("points")
    def _non_zero(cls, points: int) -> int:
        if points == 0:
            raise ValueError("une règle à 0 point ne sert à rien")
        return points


class Fact(_Frozen):
    text: NonEmpty  # type: ignore[valid-type]
    source: NonEmpty  # type: ignore[valid-type]


class Action(_Frozen):
    code: str = Field(regex=r"^[a-z][a-z0-9_]*$")
    title: NonEmpty  # type: ignore[valid-type]
    summary: NonEmpty  # type: ignore[valid-type]
    first_step: NonEmpty  # type: ignore[valid-type]
    default_reason: NonEmpty  # type: ignore[valid-type]
    facts: tuple[Fact, ...]
    base: conint(strict=True, ge=0) = 0  # type: ignore[valid-type]
    done_if: Condition | None = None
    rules: tuple[Rule, ...] = ()

    @validator("facts")
    def _has_facts(cls, facts: tuple[Fact, ...]) -> tuple[Fact, ...]:
        if not facts:
            raise ValueError("chaque action doit citer au moins un chiffre sourcé")
        return facts


class Catalogue(_Frozen):
    version: int
    actions: tuple[Action, ...]

    @validator("actions")
    def _unique_codes(cls, actions: tuple[Action, ...]) -> tuple[Action, ...]:
        if len(actions) < 1 + ALTERNATIVES:
            raise ValueError(f"il faut au moins {1 + ALTERNATIVES} actions")
        codes = [a.code for a in actions]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"codes d'action en double : {', '.join(duplicates)}")
        return actions

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.actions)

    def action(self, code: str) -> Action:
        for action in self.actions:
            if action.code == code:
                return action
        raise KeyError(code)


# --- answers as conditions read them ---------------------------------------------------------


def _observed_value(question: Question, answer: Answer | None) -> Any:
    """The value a condition compares, or None when there is nothing to compare."""
    if answer is None or answer.status == "skipped":
        return None
    if answer.status == "unknown":
        return UNKNOWN_VALUE if question.answer_type == "oui_partiel_non" else None
    return answer.value


def _codes(value: Any) -> tuple[str, ...]:
    try:
        return chosen_codes(value)
    except ValueError:
        return ()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def existing_initiatives(questionnaire: Questionnaire, answers: AnswerMap) -> frozenset[str]:
    """Theme codes the authority said it already has (empty if unanswered or "aucune")."""
    question = questionnaire.question(INITIATIVES_QUESTION)
    value = _observed_value(question, answers.get(INITIATIVES_QUESTION))
    return frozenset(code for code in _codes(value) if code != NO_CHOICE)


# --- validation against the questionnaire ----------------------------------------------------


def _check_condition(condition: Condition, questionnaire: Questionnaire, where: str) -> list[str]:
    errors: list[str] = []
    for key, children in (("all", condition.all_), ("any", condition.any_)):
        for i, child in enumerate(children or ()):
            errors += _check_condition(child, questionnaire, f"{where} › {key}[{i}]")
    if condition.not_ is not None:
        errors += _check_condition(condition.not_, questionnaire, f"{where} › not")
    if condition.question is None:
        return errors
    qid = condition.question
    try:
        question = questionnaire.question(qid)
    except KeyError:
        return [*errors, f"{where} : question inconnue « {qid} »"]
    codes = question.choice_codes()
    kind = question.answer_type
    single_code = kind == "oui_partiel_non" or (kind == "choix" and not question.multiple)
    multiple = kind == "choix" and question.multiple
    numeric = kind in ("nombre", "echelle")
    wanted = [condition.equals] if condition.equals is not None else list(condition.in_ or ())
    if condition.equals is not None or condition.in_ is not None:
        test = "equals" if condition.equals is not None else "in"
        if not single_code:
            hint = "contains" if multiple else "at_least ou at_most" if numeric else "une autre question"
            errors.append(f"{where} : {test} ne s'applique pas à {qid} ({kind}) ; utilisez {hint}")
        else:
            errors += [
                f"{where} : code inconnu « {c} » pour {qid} (codes : {', '.join(codes)})"
                for c in wanted
                if c not in codes
            ]
    if condition.contains is not None or condition.count_at_least is not None:
        test = "contains" if condition.contains is not None else "count_at_least"
        if not multiple:
            errors.append(f"{where} : {test} est réservé aux choix multiples, pas à {qid} ({kind})")
        elif condition.contains is not None and condition.contains not in codes:
            errors.append(
                f"{where} : code inconnu « {condition.contains} » pour {qid} (codes : {', '.join(codes)})"
            )
        elif condition.count_at_least is not None and condition.count_at_least > len(question.choices):
            errors.append(f"{where} : {qid} n'a que {len(question.choices)} choix")
    for test, bound in (("at_least", condition.at_least), ("at_most", condition.at_most)):
        if bound is None:
            continue
        if not numeric:
            errors.append(f"{where} : {test} est réservé aux nombres et échelles, pas à {qid} ({kind})")
        elif (question.minimum is not None and bound < question.minimum) or (
            question.maximum is not None and bound > question.maximum
        ):
            bounds = f"{question.minimum}..{question.maximum}"
            errors.append(f"{where} : {test} {bound:g} sort des bornes de {qid} ({bounds})")
    return errors


def _check_references(catalogue: Catalogue, questionnaire: Questionnaire) -> list[str]:
    try:
        themes = set(questionnaire.question(INITIATIVES_QUESTION).choice_codes())
    except KeyError:
        return [f"le questionnaire n'a pas de question {INITIATIVES_QUESTION} (initiatives existantes)"]
    errors: list[str] = []
    for i, action in enumerate(catalogue.actions):
        where = f"actions[{i}] ({action.code})"
        if action.done_if is not None:
            errors += _check_condition(action.done_if, questionnaire, f"{where} › done_if")
        for j, rule in enumerate(action.rules):
            errors += _check_condition(rule, questionnaire, f"{where} › rules[{j}]")
    if all(a.code in themes or a.done_if is not None for a in catalogue.actions):
        errors.append(
            "au moins une action doit toujours rester possible (un code hors des thèmes "
            f"de {INITIATIVES_QUESTION} et sans done_if), pour qu'il y ait toujours une action"
        )
    return errors


def _location(raw: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """A pydantic error location as `actions[3] (donnees_ouvertes) › rules[0] › points`."""
    parts: list[str] = []
    node: Any = raw
    for key in loc:
        if key == "__root__":
            continue
        if isinstance(key, int) and parts:
            parts[-1] += f"[{key}]"
        else:
            parts.append(str(key))
        node = node[key] if isinstance(node, (dict, list)) and _has(node, key) else None
        if isinstance(key, int) and len(parts) == 1 and isinstance(node, dict) and "code" in node:
            parts[-1] += f" ({node['code']})"
    return " › ".join(parts) or "racine"


def _has(node: dict[str, Any] | list[Any], key: Any) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(key, int) and 0 <= key < len(node)


def load_catalogue(
    path: Path | str = RECOMMENDATIONS_PATH, questionnaire: Questionnaire | None = None
) -> Catalogue:
    """Load and validate a catalogue file; raise CatalogueError with every problem found."""
    path = Path(path)
    questionnaire = questionnaire if questionnaire is not None else default_questionnaire()
    raw = read_yaml_mapping(path, CatalogueError)
    try:
        catalogue = Catalogue(**raw)
    except ValidationError as exc:
        lines = [f"{_location(raw, err['loc'])} : {err['msg']}" for err in exc.errors()]
        raise CatalogueError(f"{path} est invalide :\n" + "\n".join(lines)) from exc
    errors = _check_references(catalogue, questionnaire)
    if errors:
        raise CatalogueError(f"{path} est incohérent avec le questionnaire :\n" + "\n".join(errors))
    return catalogue


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The catalogue shipped with the product, checked against the default questionnaire."""
    return load_catalogue()


# --- recommendation ------------------------------------------------------------------------


@dataclass(frozen=True)
class RecommendedAction:
    code: str
    title: str
    summary: str
    first_step: str
    reasons: tuple[str, ...]
    facts: tuple[Fact, ...]
    score: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "summary": self.summary,
            "first_step": self.first_step,
            "reasons": list(self.reasons),
            "facts": [{"text": f.text, "source": f.source} for f in self.facts],
            "score": self.score,
        }


@dataclass(frozen=True)
class Recommendation:
    top: RecommendedAction
    alternatives: tuple[RecommendedAction, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return (self.top.code, *(a.code for a in self.alternatives))

    def to_dict(self) -> dict[str, Any]:
        return {
            "codes": list(self.codes),
            "top": self.top.to_dict(),
            "alternatives": [a.to_dict() for a in self.alternatives],
        }


def is_excluded(action: Action, questionnaire: Questionnaire, answers: AnswerMap) -> bool:
    """True when the authority already has this action (see the module docstring)."""
    if action.code in existing_initiatives(questionnaire, answers):
        return True
    return action.done_if is not None and action.done_if.matches(questionnaire, answers)


def score_action(action: Action, questionnaire: Questionnaire, answers: AnswerMap) -> RecommendedAction:
    """Base + matching rules, with the reasons to show (see the module docstring)."""
    matched = [rule for rule in action.rules if rule.matches(questionnaire, answers)]
    positive = sorted((r for r in matched if r.points > 0), key=lambda r: -r.points)  # stable
    reasons = tuple(r.reason for r in positive) or (action.default_reason,)
    return RecommendedAction(
        code=action.code,
        title=action.title,
        summary=action.summary,
        first_step=action.first_step,
        reasons=reasons,
        facts=action.facts,
        score=action.base + sum(r.points for r in matched),
    )


def rank_actions(
    catalogue: Catalogue, questionnaire: Questionnaire, answers: AnswerMap
) -> tuple[RecommendedAction, ...]:
    """Every action not excluded, best first (score, then catalogue order)."""
    scored = [
        (index, score_action(action, questionnaire, answers))
        for index, action in enumerate(catalogue.actions)
        if not is_excluded(action, questionnaire, answers)
    ]
    scored.sort(key=lambda pair: (-pair[1].score, pair[0]))
    return tuple(action for _, action in scored)


def recommend(catalogue: Catalogue, questionnaire: Questionnaire, answers: AnswerMap) -> Recommendation:
    """The first action to recommend and up to two alternatives (see the module docstring)."""
    ranked = rank_actions(catalogue, questionnaire, answers)
    if not ranked:  # prevented by the loader's check; kept for hand-built catalogues
        raise ValueError("aucune action du catalogue ne reste après exclusion des initiatives existantes")
    return Recommendation(top=ranked[0], alternatives=ranked[1 : 1 + ALTERNATIVES])
