"""Text keys of the review: accent-insensitive search, duplicate detection of NLU examples."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Control and format characters (but not ordinary spaces): they have no place in a key or
# in a training example, and YAML refuses some of them.
_INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"}


def clean_line(text: str) -> str:
    """One line of printable text: controls and line breaks become spaces, spaces collapsed."""
    chars = (" " if unicodedata.category(char) in _INVISIBLE else char for char in str(text))
    return _SPACES.sub(" ", "".join(chars)).strip()


def example_key(text: str) -> str:
    """What makes two NLU examples the same: case and spacing ignored, accents kept.

    "Interopérabilité ?" and "interopérabilité  ?" are the same example; "interoperabilite"
    is another one (the training data keeps misspellings on purpose).
    """
    return clean_line(unicodedata.normalize("NFC", text)).casefold()


def search_key(text: str) -> str:
    """Accent- and case-insensitive form used by the full-text search."""
    decomposed = unicodedata.normalize("NFKD", clean_line(text).casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def like_pattern(term: str, escape: str = "\\") -> str:
    """A LIKE pattern matching ``term`` anywhere, with ``%``, ``_`` and the escape escaped."""
    escaped = term.replace(escape, escape * 2).replace("%", escape + "%").replace("_", escape + "_")
    return f"%{escaped}%"


def is_payload(text: str | None) -> bool:
    """A button payload (``/answer{"choice": "oui"}``) rather than words typed by a person."""
    return isinstance(text, str) and text.startswith("/")
