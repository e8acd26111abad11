"""Text folding: the one normal form every matcher in this package works on."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Typographic and keyboard variants of the apostrophe, and of the hyphen / dash / minus.
_APOSTROPHES = dict.fromkeys(map(ord, "\u2019\u2018\u201b\u02bc\u02bb\u0060\u00b4\u2032\uff07"), "'")
_HYPHENS = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
# Applied after case-folding, so that only the lower-case forms are needed.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
_WHITESPACE = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# "ça" folds to "ca", which is also an acronym (communauté d'agglomération):
# the matching form spells it out before the accent is lost.
_CA = re.compile(r"(?<!\w)[çÇ][aA](?!\w)")

# Folded forms kept: phrases of the content (choices, synonyms, names) are folded once each.
FOLDED_CACHE = 1024

# Longest input the matchers look at: answers are short, and this bounds the work
# done on pasted documents.
MAX_MATCH_CHARS = 2000


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(
        char for char in decomposed if not unicodedata.combining(char) and unicodedata.category(char) != "Cf"
    )


@lru_cache(maxsize=FOLDED_CACHE)
def fold(text: str) -> str:
    """Lowercase, strip accents, unify apostrophes, hyphens and whitespace.

    ``fold("  L’Éclairage – Public ")`` is ``"l'eclairage - public"``. Invisible
    format characters (zero-width spaces, soft hyphens, BOM) are dropped.
    Compatibility forms are expanded ("m²" → "m2", "℠" → "sm"); decomposing and
    case-folding are applied twice because each can undo the other ("℠" decomposes
    to uppercase letters, "İ" case-folds to a letter plus a combining dot). Ligatures are
    spelled out after each pass, since a decomposition can reveal one ("Ǣ" → "Æ").
    """
    text = text.translate(_APOSTROPHES)
    for _ in range(2):
        text = _strip_marks(text).casefold().translate(_LIGATURES)
    text = text.translate(_HYPHENS).translate(_APOSTROPHES)
    return _WHITESPACE.sub(" ", text).strip()


_DRAWN_OUT = re.compile(r"([a-z])\1{2,}")


def squeeze(text: str) -> str:
    """Drawn-out letters folded: "ouiii" → "oui", "nooon" → "non", "jamaiiis" → "jamais".

    No French word has a letter three times in a row; digits are left alone ("1000")."""
    return _DRAWN_OUT.sub(r"\1", text)


def form_of(folded: str) -> str:
    """The matching form of an already folded text, or of a piece of it (a clause): only its
    ``[a-z0-9]`` words, separated by single spaces, without folding it again."""
    return _NOT_ALNUM.sub(" ", folded).strip()


@lru_cache(maxsize=FOLDED_CACHE)
def match_form(text: str) -> str:
    """The form phrases are matched on: folded, "ça" → "cela", punctuation → spaces, drawn-out
    letters squeezed.

    Only ``[a-z0-9]`` words separated by single spaces remain, so ``"d'eau"`` gives
    ``"d eau"``, ``"vice-président"`` gives ``"vice president"``, ``"ne_sait_pas"``
    gives ``"ne sait pas"`` and ``"nooon"`` gives ``"non"``. Only the first
    ``MAX_MATCH_CHARS`` characters are read.
    """
    return squeeze(form_of(fold(_CA.sub("cela", text[:MAX_MATCH_CHARS]))))


@dataclass(frozen=True)
class Said:
    """A message folded once: what every reader of a turn works on, handed from one to the next.

    ``text`` is the message as typed; ``folded`` is its first ``MAX_MATCH_CHARS`` characters
    folded (``fold``) with drawn-out letters squeezed, punctuation kept so that clauses can be
    told apart; ``form`` is its matching form (``match_form``); ``lowered`` is it in lower case
    with its accents kept and drawn-out letters squeezed, for the word vectors.
    """

    text: str
    folded: str
    form: str
    lowered: str


@lru_cache(maxsize=FOLDED_CACHE)
def _fold_once(text: str) -> Said:
    head = text[:MAX_MATCH_CHARS]
    folded = fold(head)
    # The matching form from the folded text, unless a "ça" must first become "cela".
    form = match_form(text) if _CA.search(head) else squeeze(form_of(folded))
    return Said(text, squeeze(folded), form, squeeze(text.lower()))


def said(text: str | Said) -> Said:
    """The message folded, once: a ``Said`` is handed on as it is."""
    return text if isinstance(text, Said) else _fold_once(text)


def has_words(text: str) -> bool:
    """Whether the text has a letter, a digit or a keyboard sign to read.

    "😀🎉👍" has none: there is nothing in it for the classifier or the answer readers
    (the engine asks for words). "@+" (SMS for "à plus") and ":)" keep their signs.
    """
    return any(char.isalnum() or (char.isascii() and not char.isspace()) for char in text)
