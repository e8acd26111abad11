"""Turning a free answer into the normalised value stored for a question."""

from __future__ import annotations

from bot.answers import Interpretation
from bot.questionnaire import Question
from bot.understanding.choices import choose
from bot.understanding.matching import word_pattern
from bot.understanding.numbers import parse_number
from bot.understanding.scale import scale_value
from bot.understanding.text import match_form
from bot.understanding.yes_no import yes_partly_no

DONT_KNOW = "ne_sait_pas"

_DONT_KNOW = word_pattern(
    # "je ne sais pas", "je sais pas", "ne sait pas trop", "je n'en sais rien",
    # "je ne sais plus"; but "on ne sait pas faire" is an answer (no skills).
    r"(?:sais|sait|savons|savez|savais|saurais|saurait) (?:pas|plus|rien)(?! faire)",
    r"jsais (?:pas|rien)",
    r"jsp",
    r"nsp",
    r"ch?ai?s pas",
    r"che pas",
    r"(?:aucune?|pas d|pas la moindre|pas une) idee",
    r"(?:ne|n) (?:le )?saurai[st]? (?:pas )?(?:le )?dire",
    r"(?:difficile|impossible|dur) a dire",
    r"j ignore",
    r"nous l? ?ignorons",
    r"inconnue?s?",
    r"je ne suis pas (?:sur|sure|certain|certaine)",
    r"pas au courant",
)


def is_dont_know(text: str) -> bool:
    """Whether the person says they do not know ("je ne sais pas", "aucune idée", "jsp"…)."""
    return bool(_DONT_KNOW.search(match_form(text)))


def _free_text(question: Question, text: str) -> str | None:
    """The answer as written, stripped; None if empty, too long or without any letter or digit."""
    stripped = text.strip()
    if not stripped or len(stripped) > question.max_length:
        return None
    return stripped if any(char.isalnum() for char in stripped) else None


def _within_bounds(question: Question, number: int | None) -> int | None:
    if number is None:
        return None
    if question.minimum is not None and number < question.minimum:
        return None
    if question.maximum is not None and number > question.maximum:
        return None
    return number


def normalise(question: Question, text: str) -> Interpretation | None:
    """What an answer to ``question`` means, or None when it was not understood.

    "I don't know" answers give ``Interpretation(value, unknown=True)`` with value
    ``"ne_sait_pas"`` for oui_partiel_non questions and None otherwise. Otherwise
    the value depends on ``question.answer_type``: "oui" / "en_partie" / "non",
    a choice code (or list of codes for multiple choices), an integer within the
    question's bounds, or the text as written.
    """
    if not isinstance(text, str):
        return None
    if is_dont_know(text):
        unknown_value = DONT_KNOW if question.answer_type == "oui_partiel_non" else None
        return Interpretation(value=unknown_value, unknown=True)
    value: object
    match question.answer_type:
        case "oui_partiel_non":
            value = yes_partly_no(text)
        case "choix":
            value = choose(question, text)
        case "nombre":
            value = _within_bounds(question, parse_number(text))
        case "echelle":
            assert question.minimum is not None and question.maximum is not None  # validated on load
            value = scale_value(text, question.minimum, question.maximum)
        case "texte":
            value = _free_text(question, text)
        case _:  # pragma: no cover - AnswerType is a closed Literal
            value = None
    return None if value is None else Interpretation(value=value)
