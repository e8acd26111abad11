"""Reading a position on a numeric scale ("3", "4 sur 5", "trois", "très fortement")."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.understanding.matching import word_pattern
from bot.understanding.numbers import digits_text, parse_number
from bot.understanding.text import Said, said

_FRACTION = re.compile(
    r"(?<![0-9.,])([0-9]+) ?(?:/|sur) ?(?:(?:une|1) (?:echelle|note) (?:de|sur) (?:1 a )?)?([0-9]+)(?![0-9])"
)

# Words for a degree, mapped to a point of the scale [lo, hi]. They follow the
# question's own wording "1 : peu, 5 : très fortement": "peu" is the minimum and
# "très fortement" the maximum; "un peu" is one step above the minimum,
# "fortement" one step below the maximum, "moyennement" the middle.
_Level = Callable[[int, int], int]
_LEVELS: dict[str, _Level] = {
    "top": lambda lo, hi: hi,
    "high": lambda lo, hi: hi - 1,
    "middle": lambda lo, hi: (lo + hi + 1) // 2,
    "low": lambda lo, hi: lo + 1,
    "bottom": lambda lo, hi: lo,
}
# Phrases on the matching form, separated by "|".
_WORDS: dict[str, str] = {
    "top": (
        "tres fortement|tres fort|tres lourdement|tres lourd|tres lourde|enormement|enorme|"
        "enormes|extremement|considerablement|au maximum|maximum|maximal|tres important|"
        "tres importante|tres tres|vraiment beaucoup|tres eleve|tres elevee|tres eleves|a fond|au max|"
        "le max|beaucoup trop|bien trop|insoutenable|ecrasant|ecrasante|colossal|colossale"
    ),
    "high": (
        "fortement|fort|beaucoup|lourdement|lourd|lourde|important|importante|significativement|"
        "sensiblement|pas mal|tres|eleve|elevee|eleves|consequent|consequente|significatif|"
        "significative|notable|notablement|nettement|serieusement|assez fort|assez fortement|assez eleve|"
        "assez elevee|assez lourd|assez lourde|assez important|assez importante"
    ),
    "middle": (
        "moyennement|moyen|moyenne|moderement|assez|raisonnablement|correct|ni peu ni beaucoup|"
        "entre les deux|"
        "au milieu|milieu|a mi chemin|mi chemin|dans la moyenne|ni trop ni trop peu|modere|moderee|"
        "a moitie|moitie moitie|mitige|mitigee|sans plus"
    ),
    "low": (
        "un peu|un petit peu|legerement|pas tres|pas trop|pas enorme|pas enormement|pas tant|pas si|"
        "limite|limitee|modeste|modestement|assez faible|assez peu|assez limite|assez limitee"
    ),
    "bottom": (
        "peu|tres peu|faiblement|tres faiblement|pas du tout|pas beaucoup|pas vraiment|"
        "aucunement|minimum|minime|negligeable|quasiment pas|presque pas|pas|rien|insignifiant|"
        "faible|tres faible|quasi rien|quasiment rien|presque rien|pas grand chose|marginal|"
        "marginalement|derisoire|infime|anecdotique|tres limite|tres limitee|tres modeste"
    ),
}
_WORD_LEVEL = {word: level for level, words in _WORDS.items() for word in words.split("|")}
# Longest first, so that at a given position "très peu" is read before "très".
_DEGREE = word_pattern(*(re.escape(w) for w in sorted(_WORD_LEVEL, key=len, reverse=True)))


def _from_words(message: Said, lo: int, hi: int) -> int | None:
    match = _DEGREE.search(message.form)
    if match is None:
        return None
    return max(lo, min(hi, _LEVELS[_WORD_LEVEL[match.group(0)]](lo, hi)))


_YEAR = re.compile(r"(?<![0-9.,])(?:19|20)[0-9]{2}(?![0-9])")


def _set_aside(digits: str, lo: int, hi: int) -> str:
    """A digit text without the scale restated ("sur l'échelle de 1 à 5") nor years."""
    digits = re.sub(rf"(?<![0-9])(?:de|entre) {lo} (?:a|et) {hi}(?![0-9])", " ", digits)
    return _YEAR.sub(" ", digits)


def scale_reading(text: str | Said, lo: int, hi: int) -> tuple[int | None, tuple[int, ...]]:
    """The point of [lo, hi] an answer gives, or None and the points it hesitates between.

    Tried in order: a fraction "x/hi", "x sur hi" or "x sur une échelle de hi"
    (another denominator gives None), two points of the scale ("entre 3 et 4",
    "3 ou 4": None, with both as candidates), a number (``parse_number``: "3",
    "trois", "environ 4"), then the first degree word ("très fortement", "un
    peu"…). Out of range gives None. The scale restated ("de 1 à 5") and years
    ("la facture a doublé en 2023, donc 5") are set aside first.
    """
    message = said(text)
    text = message.text
    for threshold in (2, 0):
        digits = _set_aside(digits_text(text, threshold), lo, hi)
        fraction = _FRACTION.search(digits)
        if fraction is not None:
            value, denominator = int(fraction.group(1)), int(fraction.group(2))
            return (value if denominator == hi and lo <= value <= hi else None), ()
    plain = digits_text(text)
    digits = _set_aside(plain, lo, hi)
    points = [int(n) for n in re.findall(r"(?<![0-9.,])[0-9]+(?![0-9]|[.,][0-9])", digits)]
    if len(set(points)) == 2 and all(lo <= p <= hi for p in points):
        return None, tuple(dict.fromkeys(points))
    number = parse_number(message if digits == plain else digits)
    if number is None:
        number = _from_words(message, lo, hi)
    return (number if number is not None and lo <= number <= hi else None), ()


def scale_value(text: str | Said, lo: int, hi: int) -> int | None:
    """The point of [lo, hi] an answer gives, or None (see ``scale_reading``)."""
    return scale_reading(text, lo, hi)[0]
