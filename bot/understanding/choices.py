"""Matching the choices of a ``choix`` question in a free answer."""

from __future__ import annotations

import re
from functools import lru_cache

from bot.questionnaire import NO_CHOICE, Question
from bot.understanding.lexicon import extra_names, weak_names
from bot.understanding.matching import PhraseMatcher, word_pattern
from bot.understanding.text import MAX_MATCH_CHARS, Said, said

# Answers meaning "none of them", for questions with ``none_allowed``.
_NONE = word_pattern(
    r"aucune?s?",
    r"rien",
    r"non",
    r"nan",
    r"neant",
    r"nada",
    r"que dalle",
    r"pas grand chose",
    r"(?:toujours )?(?:pas|rien) (?:encore )?(?:de )?(?:special|particulier)",
    r"zero",
    r"nulle part",
    r"pas encore",
    r"pas vraiment",
    r"pas (?:pour )?(?:l instant|le moment|maintenant)",
    r"pas (?:d|de) (?:initiatives?|projets?)",
    r"pas (?:a|pour) ce jour",
    r"ni l un ni l autre",
    r"(?:non|pas) concernee?s?",
    r"(?:il )?n? ?y en a pas",
    r"(?:on )?n? ?en a pas",
    r"inexistante?s?",
    r"none",
    r"nothing",
)
# A mention right after one of these is excluded: "pas de mobilité", "sans parking",
# "ni l'eau", "sauf les bâtiments", "il n'y a plus de bus" (but "plus de transparence"
# is more of it).
_NEGATED = re.compile(
    r"(?:^| )(?:pas|sans|ni|aucun|aucune|hors|sauf|excepte|hormis|jamais|(?:n|ne) (?:\w+ ){0,3}plus)"
    r"(?: (?:encore|de|d|du|des|la|le|l|les|un|une|en|dans))* $"
)
# A count before a choice name describes members, not the answer: "une CdC de 15 communes".
_COUNTED = re.compile(
    r"(?:^| )(?:[0-9]+|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|trente"
    r"|quarante|cinquante|cent|plusieurs|quelques) $"
)


@lru_cache(maxsize=256)
def choice_matcher(question: Question) -> PhraseMatcher[str]:
    """Names of every choice: its code, its label, its synonyms and everyday words (lexicon)."""
    return PhraseMatcher(
        (
            (name, choice.value)
            for choice in question.choices
            for name in (
                choice.value,
                choice.label,
                *choice.synonyms,
                *extra_names(question.id, choice.value),
            )
        ),
        typos=True,
    )


@lru_cache(maxsize=256)
def _weak_matcher(question: Question) -> PhraseMatcher[str]:
    """Words that name a choice only when no other choice is named (lexicon.WEAK_THEME_WORDS)."""
    return PhraseMatcher(
        (name, choice.value) for choice in question.choices for name in weak_names(choice.value)
    )


def _mentioned_codes(question: Question, form: str) -> list[str]:
    """Codes mentioned and not negated, in the question's choice order."""
    mentioned: set[str] = set()
    for matcher in (choice_matcher(question), _weak_matcher(question)):
        mentioned = {
            hit.tag
            for hit in matcher.hits(form)
            if not _NEGATED.search(form[max(0, hit.start - 40) : hit.start])
            and not _COUNTED.search(form[max(0, hit.start - 20) : hit.start])
        }
        if mentioned:
            break
    return [choice.value for choice in question.choices if choice.value in mentioned]


def mentioned_codes(question: Question, text: str | Said) -> list[str]:
    """Every choice code a typed answer names (not negated), in the question's order."""
    return _mentioned_codes(question, said(text).form)


def _payload_codes(question: Question, text: str) -> list[str] | None:
    """The codes of a button payload ("eclairage_public,eau"), or None for typed text.

    Read literally, so that "aucune,eau" is not taken for "aucune eau" (no water).
    """
    if len(text) > MAX_MATCH_CHARS:
        return None
    allowed = question.choice_codes()
    parts = {part.strip() for part in text.split(",")}
    if not parts <= set(allowed):
        return None
    if len(parts) > 1:
        parts.discard(NO_CHOICE)
    return [code for code in allowed if code in parts]


def choose(question: Question, text: str | Said) -> str | list[str] | None:
    """The code (or, for ``multiple`` questions, the list of codes) an answer names.

    Button payloads are codes, possibly comma-separated ("eclairage_public,eau").
    Typed answers are matched on every choice's code, label and synonyms. A
    single-choice answer naming several codes is ambiguous: None. When no choice
    is named and the question allows it, "aucune", "rien", "non", "pas encore"…
    give ``NO_CHOICE``.
    """
    message = said(text)
    codes = _payload_codes(question, message.text)
    if codes is None:
        codes = _mentioned_codes(question, message.form)
        if not codes and question.none_allowed and _NONE.search(message.form):
            codes = [NO_CHOICE]
    if not codes:
        return None
    if question.multiple:
        return codes
    return codes[0] if len(codes) == 1 else None
