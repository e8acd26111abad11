"""Whole-word phrase matching on the matching form (see ``text.match_form``)."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.understanding.text import match_form

Tag = TypeVar("Tag", bound=Hashable)

_BOUNDED = r"(?<![a-z0-9])(?:{})(?![a-z0-9])"


def word_pattern(*fragments: str) -> re.Pattern[str]:
    """Compile regex fragments (written against the matching form) as whole words."""
    return re.compile(_BOUNDED.format("|".join(fragments)))


@dataclass(frozen=True)
class Hit(Generic[Tag]):
    start: int
    end: int
    tag: Tag

    @property
    def length(self) -> int:
        return self.end - self.start


def _phrase_regex(phrase: str) -> re.Pattern[str] | None:
    """Regex for one name, tolerating a plural the synonym list forgot.

    Names of three characters or fewer are acronyms or tiny words ("cc", "led",
    "eau"): they must match exactly, or "cas" would be read as "ca". "-eau"/"-eu"
    words also accept an "x" plural ("eaux").
    """
    form = match_form(phrase)
    if not form:
        return None
    suffix = ""
    if len(form) > 3 and not form.endswith(("s", "x")):
        suffix = "x?" if form.endswith(("au", "eu")) else "s?"
    elif form.endswith(("au", "eu")):
        suffix = "x?"
    return re.compile(_BOUNDED.format(re.escape(form) + suffix))


# Single words at least this long also match with one typo (see ``one_typo_apart``).
TYPO_MIN_LENGTH = 8
_WORD = re.compile(r"[a-z0-9]+")


def one_typo_apart(word: str, name: str) -> bool:
    """Whether two different words differ by one letter replaced, added, dropped, or two
    neighbouring letters swapped ("eclairrage", "lampadare", "mobilte", "batimnet")."""
    if word == name or abs(len(word) - len(name)) > 1:
        return False
    start = 0
    while start < min(len(word), len(name)) and word[start] == name[start]:
        start += 1
    a, b = word[start:], name[start:]
    if len(a) == len(b):
        return a[1:] == b[1:] or (len(a) >= 2 and a[0] == b[1] and a[1] == b[0] and a[2:] == b[2:])
    return a[1:] == b if len(a) > len(b) else a == b[1:]


class PhraseMatcher(Generic[Tag]):
    """Finds names in a text; where matches overlap, the longest one wins.

    ``"communauté de communes"`` therefore yields the intercommunality only, not
    also "commune", and ``"portail open data"`` yields open data, not "portail".
    With ``typos=True``, single-word names of ``TYPO_MIN_LENGTH`` letters or more
    also match a word one typo away ("eclairrage" for "éclairage"); shorter words
    must be exact, as a typo there too often makes another word ("mairie"/"marie").
    """

    def __init__(self, names: Iterable[tuple[str, Tag]], typos: bool = False) -> None:
        self._patterns: list[tuple[re.Pattern[str], Tag]] = []
        self._long_words: dict[str, set[Tag]] = {}
        seen: set[tuple[str, Tag]] = set()
        for name, tag in names:
            pattern = _phrase_regex(name)
            if pattern is not None and (pattern.pattern, tag) not in seen:
                seen.add((pattern.pattern, tag))
                self._patterns.append((pattern, tag))
            form = match_form(name)
            if typos and len(form) >= TYPO_MIN_LENGTH and form.isalpha():
                self._long_words.setdefault(form, set()).add(tag)

    def _typo_hits(self, form: str, exact: list[Hit[Tag]]) -> list[Hit[Tag]]:
        hits = []
        for word in _WORD.finditer(form):
            if len(word.group()) < TYPO_MIN_LENGTH - 1 or any(h.start <= word.start() < h.end for h in exact):
                continue
            text = word.group()
            for name, tags in self._long_words.items():
                if one_typo_apart(text, name) or one_typo_apart(text, name + "s"):
                    hits.extend(Hit(word.start(), word.end(), tag) for tag in sorted(tags, key=str))
        return hits

    def all_hits(self, form: str) -> list[Hit[Tag]]:
        """Every occurrence of every name in an already matching-form text."""
        exact = [
            Hit(match.start(), match.end(), tag)
            for pattern, tag in self._patterns
            for match in pattern.finditer(form)
        ]
        if not self._long_words:
            return exact
        return exact + self._typo_hits(form, exact)

    def hits(self, form: str) -> list[Hit[Tag]]:
        """Non-overlapping hits, longest first among overlaps, in text order.

        Two names covering exactly the same span both count (one synonym may belong
        to two choices, e.g. "bacs").
        """
        chosen: list[Hit[Tag]] = []
        for hit in sorted(self.all_hits(form), key=lambda h: (-h.length, h.start)):
            if all(
                (hit.start, hit.end) == (kept.start, kept.end)
                or hit.end <= kept.start
                or hit.start >= kept.end
                for kept in chosen
            ):
                chosen.append(hit)
        return sorted(chosen, key=lambda h: h.start)
