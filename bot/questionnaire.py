"""The questionnaire: axes, questions, choices, glossary and maturity levels.

The content lives in ``bot/content/questionnaire.yml``; this module loads it,
validates it (pydantic, with the location of every error) and exposes it as
immutable objects. Nothing here knows about Rasa.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, root_validator, validator

from bot.content_files import CONTENT_DIR, read_yaml_mapping
from bot.messages import default_messages

QUESTIONNAIRE_PATH = CONTENT_DIR / "questionnaire.yml"

AnswerType = Literal["oui_partiel_non", "choix", "nombre", "echelle", "texte"]
PROFILE_SECTION = "profil"

# Normalised values of the oui_partiel_non answer type, in the order shown as buttons.
YES_PARTLY_NO_VALUES = ("oui", "en_partie", "non", "ne_sait_pas")
# Their labels are the words of the buttons, in bot/content/messages.yml.
YES_PARTLY_NO_KEYS = {
    "oui": "yes_button",
    "en_partie": "partly_button",
    "non": "no_button",
    "ne_sait_pas": "dont_know_button",
}
# Code stored when a multiple-choice question is answered with "none".
NO_CHOICE = "aucune"


def yes_partly_no_label(value: str) -> str:
    """"Oui", "En partie", "Non", "Je ne sais pas": the label of a oui_partiel_non value."""
    return default_messages().say(YES_PARTLY_NO_KEYS[value])


class QuestionnaireError(ValueError):
    """The content file is missing or invalid; the message says where."""


class _Frozen(BaseModel):
    class Config:
        frozen = True
        extra = "forbid"


class Choice(_Frozen):
    value: str = Field(regex=r"^[a-z][a-z0-9_]*$")
    label: str
    synonyms: tuple[str, ...] = ()


class Axis(_Frozen):
    id: str = Field(regex=r"^[a-z][a-z0-9_]*$")
    label: str
    description: str


class Level(_Frozen):
    rank: int
    name: str
    min_score: float = Field(ge=0, le=100)
    description: str


class GlossaryEntry(_Frozen):
    term: str
    synonyms: tuple[str, ...] = ()
    definition: str

    @property
    def names(self) -> tuple[str, ...]:
        return (self.term, *self.synonyms)


class Scoring(_Frozen):
    per_choice: float = Field(gt=0, le=100)


class Question(_Frozen):
    id: str = Field(regex=r"^[a-z][a-z0-9_]*$")
    section: str
    text: str
    why: str
    answer_type: AnswerType
    multiple: bool = False
    choices: tuple[Choice, ...] = ()
    none_allowed: bool = False
    weight: float = Field(1, ge=0)
    scoring: Scoring | None = None
    minimum: int | None = None
    maximum: int | None = None
    unit: str | None = None
    max_length: int = Field(500, gt=0)
    optional: bool = False
    seed: tuple[int, ...] = ()
    keywords: tuple[str, ...] = ()

    @property
    def axis(self) -> str | None:
        return None if self.section == PROFILE_SECTION else self.section

    @property
    def is_profile(self) -> bool:
        return self.section == PROFILE_SECTION

    @property
    def is_scored(self) -> bool:
        return self.axis is not None and self.weight > 0

    @property
    def is_closed(self) -> bool:
        return self.answer_type in ("oui_partiel_non", "choix", "echelle")

    def choice_codes(self) -> tuple[str, ...]:
        """Codes a stored value may take (oui_partiel_non included)."""
        if self.answer_type == "oui_partiel_non":
            return YES_PARTLY_NO_VALUES
        codes = tuple(choice.value for choice in self.choices)
        return (*codes, NO_CHOICE) if self.none_allowed else codes

    def options(self) -> tuple[tuple[str, str], ...]:
        """(value, label) pairs offered as quick replies, in display order."""
        if self.answer_type == "oui_partiel_non":
            return tuple((v, yes_partly_no_label(v)) for v in YES_PARTLY_NO_VALUES)
        if self.answer_type == "echelle":
            assert self.minimum is not None and self.maximum is not None
            return tuple((str(n), str(n)) for n in range(self.minimum, self.maximum + 1))
        pairs = tuple((c.value, c.label) for c in self.choices)
        if not self.none_allowed:
            return pairs
        return (*pairs, (NO_CHOICE, default_messages().say("no_choice_label")))

    def label_of(self, code: str) -> str:
        return dict(self.options()).get(code, code)

    @root_validator(skip_on_failure=True)
    def _check_type_specific_fields(cls, values: dict[str, Any]) -> dict[str, Any]:
        kind = values["answer_type"]
        qid = values["id"]
        if kind == "choix" and not values["choices"]:
            raise ValueError(f"la question {qid} (choix) n'a aucun choix")
        if kind != "choix" and (values["choices"] or values["multiple"]):
            raise ValueError(f"la question {qid} ({kind}) ne peut pas avoir de choix")
        if kind == "echelle" and (values["minimum"] is None or values["maximum"] is None):
            raise ValueError(f"la question {qid} (echelle) doit avoir minimum et maximum")
        lo, hi = values["minimum"], values["maximum"]
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"la question {qid} a un minimum supérieur à son maximum")
        if values["scoring"] is not None and not (kind == "choix" and values["multiple"]):
            raise ValueError(f"la question {qid} : scoring.per_choice est réservé aux choix multiples")
        if values["weight"] > 0 and kind in ("texte", "nombre", "echelle"):
            raise ValueError(f"la question {qid} ({kind}) ne peut pas être notée : mettez weight: 0")
        if values["weight"] > 0 and kind == "choix" and values["scoring"] is None:
            raise ValueError(f"la question {qid} (choix noté) doit définir scoring.per_choice")
        codes = [c.value for c in values["choices"]]
        if len(codes) != len(set(codes)):
            raise ValueError(f"la question {qid} a des codes de choix en double")
        return values


class Questionnaire(_Frozen):
    version: int
    levels: tuple[Level, ...]
    axes: tuple[Axis, ...]
    questions: tuple[Question, ...]
    glossary: tuple[GlossaryEntry, ...]

    @validator("levels")
    def _levels_cover_the_scale(cls, levels: tuple[Level, ...]) -> tuple[Level, ...]:
        if len(levels) != 5:
            raise ValueError("il faut exactement cinq niveaux de maturité")
        if levels[0].min_score != 0:
            raise ValueError("le premier niveau doit commencer à 0")
        bounds = [level.min_score for level in levels]
        if bounds != sorted(bounds) or len(set(bounds)) != len(bounds):
            raise ValueError("les seuils des niveaux doivent être strictement croissants")
        return levels

    @root_validator(skip_on_failure=True)
    def _check_references(cls, values: dict[str, Any]) -> dict[str, Any]:
        axis_ids = {axis.id for axis in values["axes"]}
        ids = [q.id for q in values["questions"]]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"identifiants de question en double : {', '.join(duplicates)}")
        for question in values["questions"]:
            if question.section != PROFILE_SECTION and question.section not in axis_ids:
                raise ValueError(f"la question {question.id} cite un axe inconnu : {question.section}")
        for axis_id in axis_ids:
            if not any(q.section == axis_id and q.is_scored for q in values["questions"]):
                raise ValueError(f"l'axe {axis_id} n'a aucune question notée")
        return values

    # --- look-ups -------------------------------------------------------------

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def axis(self, axis_id: str) -> Axis:
        for axis in self.axes:
            if axis.id == axis_id:
                return axis
        raise KeyError(axis_id)

    def position(self, question_id: str) -> int:
        """1-based position of a question in the conversation."""
        return [q.id for q in self.questions].index(question_id) + 1

    def level_for(self, score: float) -> Level:
        return [level for level in self.levels if score >= level.min_score][-1]


def _expand(raw: dict[str, Any]) -> dict[str, Any]:
    """Turn the file's layout (profile + questions + choice sets) into model fields."""
    choice_sets = raw.get("choice_sets") or {}
    questions = []
    for section, items in (("profile", raw.get("profile") or []), ("questions", raw.get("questions") or [])):
        for item in items:
            item = dict(item)
            item["section"] = PROFILE_SECTION if section == "profile" else item.pop("axis", None)
            set_name = item.pop("choices_from", None)
            if set_name is not None:
                if set_name not in choice_sets:
                    raise QuestionnaireError(
                        f"la question {item.get('id')} cite une liste de choix inconnue : {set_name}"
                    )
                item["choices"] = choice_sets[set_name]
            if section == "profile":
                item.setdefault("weight", 0)
            questions.append(item)
    return {
        "version": raw.get("version"),
        "levels": raw.get("levels"),
        "axes": raw.get("axes"),
        "questions": questions,
        "glossary": raw.get("glossary") or [],
    }


def load_questionnaire(path: Path | str = QUESTIONNAIRE_PATH) -> Questionnaire:
    """Load and validate a questionnaire file; raise QuestionnaireError with every problem."""
    path = Path(path)
    raw = read_yaml_mapping(path, QuestionnaireError)
    try:
        return Questionnaire(**_expand(raw))
    except ValidationError as exc:
        raise QuestionnaireError(f"{path} est invalide :\n{exc}") from exc


@lru_cache(maxsize=1)
def default_questionnaire() -> Questionnaire:
    """The questionnaire shipped with the product, loaded once per process."""
    return load_questionnaire()
