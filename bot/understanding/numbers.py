"""Reading one integer out of a French answer ("environ 3 500", "1,2 million", "douze mille").

Number words are converted by text2num (``alpha2digit``); this module handles what
it does not: digit groups, decimals followed by a scale word ("2,5 k"), the
approximation nouns ("une vingtaine"), ranges and hedges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

from text_to_num import alpha2digit

from bot.understanding.text import Said, fold, said

MAX_NUMBER_CHARS = 500
# Exact arithmetic for any number that fits in the characters read (the default
# 28 significant digits would make a 30-digit answer raise).
_EXACT = Context(prec=4 * MAX_NUMBER_CHARS, rounding=ROUND_HALF_UP)

# Uppercase "M"/"Md" after a number means million/milliard; lowercase "m" is metres.
_UPPER_SCALE = re.compile(r"(?<=[0-9])\s?(Mds?|Mrds?|M)(?![^\W\d_])")
_UNIT_POWERS = re.compile(r"(?<![a-z])(k?m) ?[23](?![0-9])")  # m2, km2, m3: not numbers
_PERCENT = re.compile(r"\bpour ?cent\b")
_ZERO = re.compile(r"\bzero\b")
_UN_PEU = re.compile(r"\bun (?:tout )?petit peu\b|\bun peu\b")  # a hedge, not the number one
# Scale words right after digits ("3 millions", "2,5 k") become markers text2num
# leaves alone, so that it does not turn "3 millions" into "3 1000000".
_DIGIT_SCALE = re.compile(
    r"(?<=[0-9])\s?(?:(?P<g>milliards?|mds?|mrds?)|(?P<m>millions?)|(?P<k>mille|k))(?![a-z])"
)
_SCALES = {"k": Decimal(1000), "m": Decimal(1_000_000), "g": Decimal(1_000_000_000)}
_APPROXIMATIONS = {
    "dizaine": 10,
    "douzaine": 12,
    "quinzaine": 15,
    "vingtaine": 20,
    "trentaine": 30,
    "quarantaine": 40,
    "cinquantaine": 50,
    "soixantaine": 60,
    "centaine": 100,
    "millier": 1000,
}
_APPROXIMATION = re.compile(
    r"(?<![a-z0-9.,])(?P<count>une?|[0-9]+(?:[.,][0-9]+)?) "
    r"(?P<noun>{})s?(?P<thousands> de milliers)?(?![a-z])".format("|".join(_APPROXIMATIONS))
)
_NUMBER = re.compile(
    r"""
    (?<![0-9.,])
    (?P<int>[0-9]{1,3}(?P<sep>[ .,])[0-9]{3}(?:(?P=sep)[0-9]{3})*(?![0-9])|[0-9]+)
    (?P<dec>[.,][0-9]+)?
    (?:\s?\#(?P<scale>[kmg]))?
    """,
    re.VERBOSE,
)
# A minus sign glued to the number and not preceded by a digit ("-5", but not
# "10-12"), or "moins 5" (but not "au moins 5", "plus ou moins 5").
_NEGATIVE = re.compile(r"(?:^|[^0-9\s])\s*-$|(?<!au )(?<!peu )(?<!ou )\bmoins $")
_RANGE_START = re.compile(r"\bentre\b[^0-9]{0,30}$")
_RANGE_LINK = re.compile(r"^\s*(?:[a-z']+\s+)?(?P<link>-|a|au|ou|et)\s*$")


@dataclass(frozen=True)
class _Number:
    raw: Decimal  # as written, before the scale word
    scale: Decimal | None
    start: int
    end: int

    @property
    def value(self) -> Decimal:
        return self.raw * self.scale if self.scale is not None else self.raw


def _prepare(text: str) -> str:
    # The digit form starts from the text as typed, not from the message's folded form: capitals
    # tell millions from metres ("12 M€", "12 m"), and "m²" must be read before folding makes it "m2".
    text = _UPPER_SCALE.sub(lambda m: " milliards" if m.group(1) != "M" else " millions", text)
    text = fold(text.replace("²", " carres").replace("³", " cubes"))
    text = _UNIT_POWERS.sub(r"\1 ", text)
    text = _PERCENT.sub("%", text)
    text = _ZERO.sub("0", text)
    text = _UN_PEU.sub(" ", text)
    return _DIGIT_SCALE.sub(lambda m: " #" + str(m.lastgroup), text)


def _words_to_digits(text: str, threshold: int) -> str:
    """text2num conversion; below ``threshold`` lone words ("un", "une") stay words."""
    try:
        return alpha2digit(text, "fr", threshold=threshold)
    except Exception:  # a third-party parser must not break the conversation
        return text


def _approximations_to_digits(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        count = match.group("count")
        factor = Decimal(1) if count in ("un", "une") else _decimal(count)
        value = factor * _APPROXIMATIONS[match.group("noun")]
        if match.group("thousands"):
            value *= 1000
        return str(_to_int(value))

    return _APPROXIMATION.sub(replace, text)


def digits_text(text: str, threshold: int = 2) -> str:
    """The first 500 characters, folded, with number words written in digits.

    ``threshold=2`` keeps "un"/"une" as words (they are mostly articles); pass 0
    to convert them too.
    """
    prepared = _prepare(text[:MAX_NUMBER_CHARS])
    with localcontext(_EXACT):
        return _approximations_to_digits(_words_to_digits(prepared, threshold))


def _decimal(written: str) -> Decimal:
    return Decimal(written.replace(",", ".").replace(" ", ""))


def _to_int(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _read(match: re.Match[str]) -> _Number:
    integer, sep, dec, scale = match.group("int", "sep", "dec", "scale")
    scale_value = _SCALES[scale] if scale else None
    groups = integer.split(sep) if sep else [integer]
    # "1,500 million" and "0,500" are decimals; "12,000" and "12.000" alone are thousands.
    if sep in (",", ".") and len(groups) == 2 and dec is None and (scale or groups[0] == "0"):
        raw = Decimal(f"{groups[0]}.{groups[1]}")
    else:
        raw = Decimal("".join(groups) + ("." + dec[1:] if dec else ""))
    return _Number(raw, scale_value, match.start(), match.end())


def _numbers(text: str) -> list[_Number] | None:
    """The numbers in a digits text, or None when one of them is negative."""
    numbers = []
    for match in _NUMBER.finditer(text):
        if _NEGATIVE.search(text[max(0, match.start() - 12) : match.start()]):
            return None
        try:
            numbers.append(_read(match))
        except InvalidOperation:  # pragma: no cover - the regex only lets digits through
            return None
    return numbers


def _combine(text: str, numbers: list[_Number]) -> Decimal | None:
    """One number; several equal numbers; or the midpoint of a range ("entre X et Y")."""
    if not numbers:
        return None
    if len({n.value for n in numbers}) == 1:
        return numbers[0].value
    if len(numbers) != 2:
        return None
    low, high = numbers
    link = _RANGE_LINK.match(text[low.end : high.start])
    if link is None:
        return None
    if link.group("link") == "et" and not _RANGE_START.search(text[: low.start]):
        return None
    return (_low_bound(low, high) + high.value) / 2


def _low_bound(low: _Number, high: _Number) -> Decimal:
    """The low end of a range, with the scale word said only once put back.

    "3 à 5 millions", "entre 1,5 et 2 millions", "entre dix et douze mille"
    (text2num writes 12000): a range spanning more than ten times its low end is
    read with the high end's thousands.
    """
    if low.scale is not None or low.value * 10 >= high.value:
        return low.value
    if high.scale is not None and low.raw < high.raw:
        return low.raw * high.scale
    for factor in (_SCALES["g"], _SCALES["m"], _SCALES["k"]):
        scaled = low.raw * factor
        if high.value % factor == 0 and scaled <= high.value < scaled * 10:
            return scaled
    return low.value


# Units that say which question a number answers, on the folded digits text. A
# number followed by the asked question's unit is the answer ("11 bâtiments pour
# 9 000 m²"); one followed by another question's unit makes the sentence a compound
# answer ("12 000 habitants et 50 agents"). "personnes" fits both populations.
_UNIT_WORDS: dict[str, str] = {
    "habitants": r"hab(?:itant|itants|s)?|ames|administres|residents|personnes|habitants",
    "agents": (
        r"agents?|etp|e t p|salaries?|employes?|fonctionnaires|collaborateurs|postes?|personnes"
        r"|equivalents? temps plein|temps plein"
    ),
    "m²": r"m|m carres?|metres? carres?|mq|m2",
}
_UNIT_AFTER = {
    unit: re.compile(rf"^\s*(?:\)\s*)?(?:{words})(?![a-z0-9])") for unit, words in _UNIT_WORDS.items()
}
# "en 2019", "(INSEE 2021)", "depuis 2020": a year, not a quantity.
_YEAR_BEFORE = re.compile(r"(?:\b(?:en|depuis|de|du|insee|recensement|annee|au|chiffres?|donnees?)|\()\s*$")
# A lone "un"/"une" is the number one only in a bare answer ("un", "un seul agent"),
# not as an article ("c'est une grande ville").
_LONE_ONE = re.compile(
    r"^(?:(?:juste|seulement|environ|a peine|on a|nous avons|il y a|il y en a|on en a) )*"
    r"(?:un|une)(?: (?:seule?|seulement|unique))?"
    r"(?: (?:{}))?(?: (?:seule?|seulement))?$".format("|".join(_UNIT_WORDS.values()))
)


@dataclass(frozen=True)
class NumberReading:
    """The number an answer gives (or None), and the numbers it could mean when unsure."""

    value: int | None
    candidates: tuple[int, ...] = ()


def _unit_of(digits: str, number: _Number, units: tuple[str, ...]) -> str | None:
    after = digits[number.end :]
    for unit in units:
        if _UNIT_AFTER[unit].match(after):
            return unit
    return None


def _is_year(digits: str, number: _Number) -> bool:
    written = digits[number.start : number.end]
    return (
        number.scale is None
        and re.fullmatch(r"(?:19|20)[0-9]{2}", written) is not None
        and _YEAR_BEFORE.search(digits[: number.start]) is not None
    )


def _pick(digits: str, numbers: list[_Number], unit: str | None) -> tuple[Decimal | None, list[_Number]]:
    """Among several numbers, the one answering a question about ``unit``; and the candidates."""
    kept = [n for n in numbers if not _is_year(digits, n)] or numbers
    if unit in _UNIT_AFTER:
        others = tuple(u for u in _UNIT_AFTER if u != unit)
        if any(
            _unit_of(digits, n, others) is not None and _unit_of(digits, n, (unit,)) is None for n in kept
        ):
            return None, kept
        tagged = [n for n in kept if _unit_of(digits, n, (unit,)) is not None]
        if tagged:
            kept = tagged
    if len(kept) < len(numbers):
        value = _combine(digits, kept)
        if value is not None:
            return value, kept
    return None, kept


def read_number(text: str | Said, unit: str | None = None) -> NumberReading:
    """The non-negative integer a French answer gives, and the candidates when it is unclear.

    See ``parse_number``. With ``unit`` (a question's unit: "habitants", "agents",
    "m²"), several numbers are told apart: years ("en 2019", "(INSEE 2021)") are
    dropped, and a number followed by the unit wins ("11 bâtiments pour 9 000 m²" →
    9000), unless another number carries another question's unit ("12 000 habitants
    et 50 agents"). When no single number stands out, ``candidates`` lists the
    distinct numbers said, in order.
    """
    if not isinstance(text, str | Said):
        return NumberReading(None)
    message = said(text)
    text = message.text
    with localcontext(_EXACT):
        for threshold in (2, 0):  # "un"/"une" only count as numbers when nothing else does
            if threshold == 0 and not _LONE_ONE.match(message.form):
                break
            digits = digits_text(text, threshold)
            numbers = _numbers(digits)
            if numbers is None:
                return NumberReading(None)
            if not numbers:
                continue
            value = _combine(digits, numbers)
            kept = numbers
            if value is None and len(numbers) > 1 and unit is not None:
                value, kept = _pick(digits, numbers, unit)
            if value is not None:
                return NumberReading(None if value < 0 else _to_int(value))
            candidates = tuple(dict.fromkeys(_to_int(n.value) for n in kept if n.value >= 0))
            return NumberReading(None, candidates if len(candidates) > 1 else ())
    return NumberReading(None)


def parse_number(text: str | Said, unit: str | None = None) -> int | None:
    """The non-negative integer a French answer gives, or None.

    Hedges ("environ", "près de", "plus de", "~") are ignored; a range gives its
    midpoint, rounded half up, as do decimals ("12,5" → 13). Two unrelated numbers,
    a negative number or no number at all give None; with the question's ``unit``,
    years and numbers of other units are set aside first (see ``read_number``). A
    lone "un"/"une" is 1 only in a bare answer ("un", "un seul agent"). Only the
    first 500 characters are read.
    """
    return read_number(text, unit).value
