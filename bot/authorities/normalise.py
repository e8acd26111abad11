"""Normalisation of authority names: what is compared, once case, accents and signs are gone.

``normalise("Saint-Étienne")`` == ``normalise("st etienne")`` == ``"saint etienne"``: case is
folded, accents and ligatures are dropped (œ -> oe), every other sign (hyphen, apostrophe,
brackets) separates words, and the abbreviations St, Ste, Sts, Stes are written out. The
result has only ``a-z``, ``0-9`` and single spaces, so normalising twice changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_NOT_WORD = re.compile(r"[^a-z0-9]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
# Words left out of the loose keys: articles and the small words between the parts of a name
# ("Saint-Rémy-de-Provence", "Aire-sur-l'Adour", "CC du Pays d'Uzès").
SMALL_WORDS = frozenset(
    {"le", "la", "les", "l", "de", "du", "des", "d", "en", "et", "sur", "sous", "lez", "aux", "au", "a"}
)


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_LIGATURES)


def words(text: str) -> list[str]:
    """The normalised words of ``text``."""
    return [ABBREVIATIONS.get(word, word) for word in _NOT_WORD.split(_ascii(text)) if word]


def normalise(text: str) -> str:
    """``text`` folded to lower-case ASCII words separated by one space (see the module)."""
    return " ".join(words(text))


def loose(tokens: list[str] | tuple[str, ...]) -> str:
    """The words of a name without its articles and small words ("" if nothing else is left)."""
    return " ".join(word for word in tokens if word not in SMALL_WORDS)


@dataclass(frozen=True)
class Word:
    """A normalised word of a message and where it comes from in the message."""

    text: str
    original: str
    start: int
    end: int

    @property
    def capitalised(self) -> bool:
        return self.original[:1].isupper()


# Letters and digits, with the combining accents of text typed in decomposed form.
_ORIGINAL_WORD = re.compile(r"[^\W_](?:[^\W_]|[\u0300-\u036f])*")


def located_words(text: str) -> list[Word]:
    """The normalised words of ``text`` with their places (for spotting a name in a message).

    An original word that normalises to several (rare: "½") gives each of them its place.
    """
    located = []
    for match in _ORIGINAL_WORD.finditer(text):
        for word in words(match.group()):
            located.append(Word(word, match.group(), match.start(), match.end()))
    return located
