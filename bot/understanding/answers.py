"""Turning a free answer into the normalised value stored for a question."""

from __future__ import annotations

import re

from bot.answers import Interpretation
from bot.questionnaire import Question
from bot.understanding.choices import choose, mentioned_codes
from bot.understanding.matching import word_pattern
from bot.understanding.numbers import read_number
from bot.understanding.scale import scale_reading
from bot.understanding.text import Said, match_form, said
from bot.understanding.yes_no import answer_form, hedge_candidates, yes_partly_no

DONT_KNOW = "ne_sait_pas"

_DONT_KNOW = word_pattern(
    # "je ne sais pas", "je sais pas", "ne sait pas trop", "je n'en sais rien",
    # "je ne sais plus"; but "on ne sait pas faire", "on ne sait pas par quoi
    # commencer" are answers (no skills, no plan).
    r"(?:sais|sait|savons|savez|savais|saurais|saurait) (?:pas|plus|rien)"
    r"(?! (?:faire|comment|quoi faire|par (?:ou|quoi)|ou (?:commencer|aller|chercher)))",
    r"jsais (?:pas|rien)",
    r"(?:sais|sait) (?:vraiment|absolument|franchement|toujours) (?:pas|rien)"
    r"(?! (?:faire|comment|quoi faire|par (?:ou|quoi)|ou (?:commencer|aller|chercher)))",
    # Cannot say, has not the information: "je ne peux pas vous dire", "pas en mesure de répondre",
    # "je l'ignore", "je n'ai pas l'information" ("on ne peut pas dire qu'on n'ait rien" is no
    # such phrase: what follows "dire que" is the answer).
    r"(?:je|j) (?:ne |n )?(?:peux|pourrais|pourrai|saurais|saurai) pas (?:vous |te )?(?:le |l |en |y )?"
    r"(?:dire|repondre|renseigner|preciser|confirmer)(?! (?:que|qu))",
    r"(?:pas|je ne suis pas|je suis pas|nous ne sommes pas) en (?:mesure|capacite) de (?:vous )?"
    r"(?:le |l |en |y )?(?:dire|repondre|renseigner|preciser|confirmer)",
    r"je l ignore",
    r"(?:je|j) (?:n )?ai pas (?:l |cette |d |les )?info(?:rmation)?s?",
    r"difficile de (?:vous )?(?:repondre|le dire|savoir)",
    r"je (?:ne |n )?(?:connais|maitrise) pas(?! (?:de|d|du tout))",
    # "j'en sais fichtre rien", "je sais absolument rien"
    r"(?:je|j) (?:n )?(?:en )?sais (?:\w+ )?rien",
    r"jsp",
    r"nsp",
    r"ch?ai?s pas",
    r"ch(?:ai|e)s? pas",
    r"che pas",
    r"chepas?",
    r"(?:aucune?|pas d|pas la moindre|pas une) idee",
    r"(?:ne|n) (?:le )?saurai[st]? (?:pas )?(?:le )?dire",
    r"(?:difficile|impossible|dur) a dire",
    r"j ignore",
    r"nous l? ?ignorons",
    r"inconnue?s?",
    r"je ne suis pas (?:sur|sure|certain|certaine)",
    r"^(?:(?:euh|bah|ben) )*pas (?:tres |trop |bien )?(?:sur|sure|certaine?)$",
    r"(?:je|j) (?:ne |n )?(?:suis|etais) pas au courant",
    r"^pas au courant$",
    r"^(?:(?:euh|bah|ben) )*myst[e]re(?: (?:total|complet|absolu))?$",
    r"aucune info(?:rmation)?s?",
)
# "non, aucune idée de ce qu'on a": a "non" followed by what is not known answers "non".
_NO_THEN_WHAT_IS_NOT_KNOWN = re.compile(
    r"^(?:(?:bah|ben|euh) )*non (?:\w+ ){0,3}(?:idee|sais|sait|savons) (?:\w+ )?"
    r"(?:de ce|de quoi|ce qu|ce que|ou)"
)

# A free-text answer that is really a command or a question about the question, on the
# folded text (hyphens kept: "Pourquoi-Pas-sur-Loire" is a name).
_NOT_A_TEXT_ANSWER = re.compile(
    r"^(?:je )?(?:passer?|passe|je passe|suivant|suivante|question suivante|skip|next)[\s.!]*$"
    r"|^(?:pourquoi|c'est quoi|c koi|qu'est-ce|a quoi (?:ca|cela) sert)(?:[\s?!,.]|$)"
    r"|(?<![\w-])pourquoi (?:vous|tu) (?:\w+ )?(?:demandez|demandes|voulez|veux)(?![\w-])"
)


def is_dont_know(text: str | Said) -> bool:
    """Whether the person says they do not know ("je ne sais pas", "aucune idée", "jsp"…); not
    when they deny it ("je ne suis pas sans savoir", "ce n'est pas que je ne sais pas")."""
    return bool(_DONT_KNOW.search(answer_form(text)))


_PLANNING_QUESTION = re.compile(r"(?<![a-z0-9])(?:prevoy\w*|prevu\w*|prevoi\w*)(?![a-z0-9])")


def asks_if_planned(question: Question) -> bool:
    """Whether the question asks if something is planned ("Prévoyez-vous…", "Avez-vous prévu…"):
    there, "c'est prévu" is a yes."""
    return bool(_PLANNING_QUESTION.search(match_form(question.text)))


def _free_text(question: Question, message: Said) -> str | None:
    """The answer as written, stripped; None if empty, too long, without any letter or digit,
    or a command ("passer") or a question about the question ("pourquoi ?")."""
    stripped = message.text.strip()
    if not stripped or len(stripped) > question.max_length:
        return None
    if _NOT_A_TEXT_ANSWER.search(message.folded):
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


def _ambiguous(question: Question, candidates: tuple[object, ...]) -> Interpretation | None:
    if question.answer_type in ("nombre", "echelle"):
        candidates = tuple(c for c in candidates if _within_bounds(question, c) is not None)  # type: ignore[arg-type]
    return Interpretation(value=None, candidates=candidates) if len(candidates) > 1 else None


def interpret(question: Question, text: str | Said) -> Interpretation | None:
    """Like ``normalise``, but an answer that could mean several values gives them.

    For those answers the result is ``Interpretation(None, candidates=(...))``, most
    likely first, and ``.ambiguous`` is true: "je crois que oui" → ("oui",
    "ne_sait_pas"); "rarement" → ("en_partie", "non"); "une commune et une interco" →
    ("commune", "intercommunalite"); "entre 3 et 4" on a 1-5 scale → (3, 4);
    "12 000 habitants et 50 agents" → (12000, 50). The engine should then ask which
    one, with a button per candidate, rather than store a guess.
    """
    if not isinstance(text, str | Said):
        return None
    message = said(text)
    if is_dont_know(message) and not (
        question.answer_type == "oui_partiel_non" and _NO_THEN_WHAT_IS_NOT_KNOWN.search(message.form)
    ):
        unknown_value = DONT_KNOW if question.answer_type == "oui_partiel_non" else None
        return Interpretation(value=unknown_value, unknown=True)
    value: object
    match question.answer_type:
        case "oui_partiel_non":
            hedged = hedge_candidates(message)
            if hedged:
                return _ambiguous(question, hedged)
            value = yes_partly_no(message, planned=asks_if_planned(question))
        case "choix":
            value = choose(question, message)
            if value is None and not question.multiple:
                return _ambiguous(question, tuple(mentioned_codes(question, message)))
        case "nombre":
            reading = read_number(message, question.unit)
            value = _within_bounds(question, reading.value)
            if reading.value is None:
                return _ambiguous(question, reading.candidates)
        case "echelle":
            assert question.minimum is not None and question.maximum is not None  # validated on load
            value, candidates = scale_reading(message, question.minimum, question.maximum)
            if value is None:
                return _ambiguous(question, candidates)
        case "texte":
            value = _free_text(question, message)
        case _:  # pragma: no cover - AnswerType is a closed Literal
            value = None
    return None if value is None else Interpretation(value=value)


def normalise(question: Question, text: str | Said) -> Interpretation | None:
    """What an answer to ``question`` means, or None when it was not understood.

    "I don't know" answers give ``Interpretation(value, unknown=True)`` with value
    ``"ne_sait_pas"`` for oui_partiel_non questions and None otherwise. Otherwise
    the value depends on ``question.answer_type``: "oui" / "en_partie" / "non",
    a choice code (or list of codes for multiple choices), an integer within the
    question's bounds, or the text as written. An answer that could mean several
    values gives None here; ``interpret`` returns those values.
    """
    interpretation = interpret(question, text)
    if interpretation is None or interpretation.ambiguous:
        return None
    return interpretation
