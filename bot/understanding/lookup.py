"""Finding what a message talks about: a glossary term, or the question to change."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from bot.questionnaire import GlossaryEntry, Question
from bot.understanding.matching import PhraseMatcher
from bot.understanding.text import said

# Id words too vague to point at a question on their own.
_ID_STOP_WORDS = frozenset({"de", "du", "des", "la", "le", "les"})


@lru_cache(maxsize=32)
def _glossary_matcher(glossary: tuple[GlossaryEntry, ...]) -> PhraseMatcher[int]:
    return PhraseMatcher((name, index) for index, entry in enumerate(glossary) for name in entry.names)


def find_glossary_entry(glossary: Sequence[GlossaryEntry], text: str) -> GlossaryEntry | None:
    """The entry whose term or synonym appears in the text; the longest match wins.

    Among equally long matches, the one said first wins.
    """
    entries = tuple(glossary)
    if not entries or not isinstance(text, str):
        return None
    hits = _glossary_matcher(entries).all_hits(said(text).form)
    if not hits:
        return None
    best = min(hits, key=lambda hit: (-hit.length, hit.start))
    return entries[best.tag]


def _topic_names(index: int, question: Question) -> list[tuple[str, tuple[int, int]]]:
    """(name, (question index, priority)) pairs; keywords and the whole id outrank id words."""
    names = [(keyword, (index, 1)) for keyword in question.keywords]
    names.append((question.id.replace("_", " "), (index, 1)))
    names.extend(
        (word, (index, 0)) for word in question.id.split("_") if len(word) > 2 and word not in _ID_STOP_WORDS
    )
    return names


@lru_cache(maxsize=32)
def _topic_matcher(questions: tuple[Question, ...]) -> PhraseMatcher[tuple[int, int]]:
    return PhraseMatcher(name for index, q in enumerate(questions) for name in _topic_names(index, q))


def find_question_by_topic(questions: Sequence[Question], text: str) -> Question | None:
    """The question a message refers to ("changer ma réponse sur la population").

    Matches each question's keywords and the words of its id. The longest match
    wins; at equal length a keyword beats an id word, then the question with the
    most matched text, then the earliest question.
    """
    candidates = tuple(questions)
    if not candidates or not isinstance(text, str):
        return None
    hits = _topic_matcher(candidates).all_hits(said(text).form)
    if not hits:
        return None
    total: dict[int, int] = {}
    for hit in hits:
        total[hit.tag[0]] = total.get(hit.tag[0], 0) + hit.length
    best = min(hits, key=lambda hit: (-hit.length, -hit.tag[1], -total[hit.tag[0]], hit.tag[0]))
    return candidates[best.tag[0]]
