"""Finding the commune or EPCI a person names, in an answer or inside a longer message.

:func:`find` reads an answer to "which authority?": any case, with or without accents and
hyphens, "mairie de", "ville de", "commune de", "CC", "CA", "CU", "communauté de communes
du…", "agglo", "métropole" (before or after the name), with or without the article ("Le
Havre", "du Havre", "Havre"), "St" / "Ste", one typo in a name of five letters or more, and a
département or postal code after the name ("Sainte-Colombe (Gironde)", "Uzès 30700"). Every
homonym is returned, with the same score.

:func:`spot` finds a name inside a longer message ("bonjour, je suis DST à Uzès") only right
after a cue ("à", "au", "aux", "mairie de", "commune de", "CC", "agglo", "métropole"…, or
"de", "d'", "du" after a role or an institution: "DGS de Sens"), only as written in the
division (no typo, no partial name), with a capital or hyphens (a message all in capitals has
only its hyphens), and where the person says who they are (after a role, "je suis"…, or at
the start of the message): so that the many names that are everyday words ("Orange", "Sens",
"Mars", "Y", "Eu") are not seen everywhere ("le réseau d'Orange", "à partir de Mars"), nor
other authorities mentioned in passing ("on s'est inspiré de ce qu'a fait Angers").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.authorities.index import (
    EPCI_TYPE_PREFIXES,
    Authority,
    AuthorityIndex,
    epci_core,
)
from bot.authorities.normalise import Word, located_words, loose, words

COMMUNE_HINT = "commune"
EPCI_HINT = "epci"

# Scores: the official name, then without its small words or its EPCI type, then part of an
# EPCI's name after an EPCI cue, then one typo. A name of the other kind than its cue says
# ("métropole de Lille": the commune) loses MISMATCH.
EXACT = 1.0
LOOSE = 0.97
EPCI_WITHOUT_CUE = 0.05
TYPO = 0.9
LOOSE_TYPO = 0.87
PARTIAL = 0.88
MISMATCH = 0.15
TYPO_MIN_LETTERS = 5
DEFAULT_LIMIT = 20
# The longest name in words, cue words left out (EPCI names are the longest).
MAX_SPAN = 12

COMMUNE_WORDS = frozenset({"mairie", "ville", "commune", "municipalite", "maire"})
# Link words after a cue, and the article they stand for ("du Havre" = "de Le Havre").
LINKS = {"de": (), "d": (), "du": ("le",), "des": ("les",), "au": ("le",), "aux": ("les",)}
# "à", "au", "aux" say where by themselves ("je suis DST à Uzès", "au Havre").
PLACE_CUES = {"a": (), "au": ("le",), "aux": ("les",)}
# "de", "d'", "du" say where only after a person's role or an institution ("DGS de Sens",
# "les habitants d'Orange"), not after anything ("le réseau d'Orange", "du Plan de relance",
# "à partir de Mars").
OF_CUES = {"de": (), "d": (), "du": ("le",)}
ROLES_AND_PLACES = frozenset(
    {
        "dst", "dgs", "dga", "dgst", "dsi", "drh", "daf", "dgas", "rssi", "dpo",
        "adjoint", "adjointe", "elu", "elue", "elus", "conseiller", "conseillere", "conseillers",
        "agent", "agents", "secretaire", "secretariat", "directeur", "directrice", "direction",
        "responsable", "charge", "chargee", "chef", "cheffe", "technicien", "technicienne",
        "president", "presidente", "services", "service", "habitants", "territoire",
        "collectivite", "office", "cabinet", "equipe", "equipes", "ingenieur", "ingenieure",
        "manager", "referent", "referente", "coordinateur", "coordinatrice", "gestionnaire",
    }
)
# Outside the name question a cue counts only where the person says who they are: after a
# role, an institution or "je suis", "nous sommes", "je travaille"… (a few words before), or
# at the start of the message ("Mairie de Sens, bonjour"). "On s'est inspiré de ce qui a été
# fait à Angers" names another authority, not theirs.
INTRODUCERS = ROLES_AND_PLACES | COMMUNE_WORDS | {
    "communaute", "agglo", "metropole", "intercommunalite", "interco", "epci",
    "suis", "sommes", "travaille", "travaillons", "bosse", "bossons", "habite", "habitons",
    "base", "basee", "bases", "basees", "situe", "situee", "reponds", "repondons",
    "represente", "representons", "ici",
}
OPENERS = frozenset(
    {"bonjour", "bonsoir", "salut", "hello", "coucou", "madame", "monsieur",
     "la", "le", "l", "les", "notre", "nos", "ma", "mon", "mes", "un", "une"}
)
INTRODUCER_WINDOW = 6
# Between the words that introduce the person and the cue, these start another clause or tell
# of a trip ("je suis pas sûr, mais à Rennes…", "je suis allée à Nantes voir…"): the place
# after the cue is then not where the person works.
CLAUSE_BREAKS = frozenset(
    {
        "mais", "pas", "ne", "n", "et", "ou", "que", "qu", "qui", "quand", "si", "comme", "car",
        "donc", "puis", "alle", "allee", "alles", "allees", "passe", "passee", "passes",
        "venu", "venue", "venus", "parti", "partie", "partis", "rentre", "rentree", "retourne",
        "retournee", "vu", "visite", "visitee", "deplacement", "formation", "reunion", "salon",
    }
)
_SENTENCE_END = re.compile(r"[.;!?]")
# Abbreviated EPCI types count as a cue only in capitals ("ça" is "ca" once normalised).
CAPITAL_CUES = frozenset({"cc", "ca", "cu", "cdc"})

# Answers that name a département or a région, which :func:`find` does not look for.
OTHER_LEVELS = frozenset(
    {
        "departement",
        "region",
        ("conseil", "departemental"),
        ("conseil", "regional"),
        ("conseil", "general"),
        ("collectivite", "territoriale"),
        ("collectivite", "europeenne"),
    }
)

_INSEE = re.compile(r"^(?:\d{5}|2[ab]\d{3})$")
_SIREN = re.compile(r"^\d{9}$")
_POSTAL = re.compile(r"^\d{5}$")
_DEPARTEMENT_CODE = re.compile(r"^(?:\d{2,3}|2[ab])$")
_PLACE_LINKS = frozenset({"en", "dans", "le", "la", "les", "l", "de", "du", "departement"})


@dataclass(frozen=True)
class Candidate:
    authority: Authority
    score: float

    def as_dict(self) -> dict[str, Any]:
        return {**self.authority.as_dict(), "score": round(self.score, 2)}


@dataclass(frozen=True)
class Spotted:
    """A name found in a message: as written, where, and the authorities it may be."""

    text: str
    start: int
    end: int
    candidates: tuple[Candidate, ...]


def _hint_score(authority: Authority, score: float, hint: str | None) -> float:
    if hint == COMMUNE_HINT and not authority.is_commune:
        return score - MISMATCH
    if hint == EPCI_HINT and authority.is_commune:
        return score - MISMATCH
    return score


def _add(
    found: dict[int, float], index: AuthorityIndex, ids: Iterable[int], score: float, hint: str | None
) -> None:
    for number in ids:
        adjusted = _hint_score(index.authorities[number], score, hint)
        if adjusted > found.get(number, 0.0):
            found[number] = adjusted


def _unlink(tokens: list[str]) -> list[str]:
    if len(tokens) > 1 and tokens[0] in LINKS:
        return [*LINKS[tokens[0]], *tokens[1:]]
    return tokens


def readings(tokens: list[str]) -> list[tuple[list[str], str | None]]:
    """The ways to read an answer: as typed, and without its cue ("mairie de", "CC"…)."""
    found: list[tuple[list[str], str | None]] = [(tokens, None)]
    lead = tokens[1:] if tokens[:1] in (["la"], ["l"], ["le"]) else tokens
    if len(lead) > 1 and lead[0] in COMMUNE_WORDS:
        found.append((_unlink(lead[1:]), COMMUNE_HINT))
    core = epci_core(tokens)
    if core and core != tokens:
        found.append((core, EPCI_HINT))
    return found


def _exact(index: AuthorityIndex, tokens: list[str]) -> dict[int, float]:
    found: dict[int, float] = {}
    for reading, hint in readings(tokens):
        _add(found, index, index.by_strict(" ".join(reading)), EXACT, hint)
        key = loose(reading)
        loose_ids = index.by_loose(key) + index.by_core(" ".join(reading))
        _add(found, index, loose_ids, LOOSE, hint)
        if hint is None:
            # An EPCI named without its type ("Pays d'Uzès") comes after a commune of that name.
            for number in loose_ids:
                if not index.authorities[number].is_commune and found[number] == LOOSE:
                    found[number] = LOOSE - EPCI_WITHOUT_CUE
        elif hint == EPCI_HINT and key and not any(not index.authorities[n].is_commune for n in loose_ids):
            # Part of an EPCI's name after an EPCI cue ("métropole de Lille").
            _add(found, index, index.epcis_with_words(key.split()), PARTIAL, hint)
    return found


def _letters(key: str) -> int:
    return len(key) - key.count(" ")


def _fuzzy(index: AuthorityIndex, tokens: list[str]) -> dict[int, float]:
    found: dict[int, float] = {}
    for reading, hint in readings(tokens):
        for key, exact_score, loose_score in (
            (" ".join(reading), TYPO, LOOSE_TYPO),
            (loose(reading), LOOSE_TYPO, LOOSE_TYPO),
        ):
            # A name of five letters or more, so typed with four at least.
            if _letters(key) < TYPO_MIN_LETTERS - 1:
                continue
            for similar in index.similar_keys(key):
                if _letters(similar) < TYPO_MIN_LETTERS:
                    continue
                _add(found, index, index.by_strict(similar), exact_score, hint)
                for number in index.by_loose(similar) + index.by_core(similar):
                    is_epci = not index.authorities[number].is_commune
                    penalty = EPCI_WITHOUT_CUE if hint is None and is_epci else 0
                    _add(found, index, (number,), loose_score - penalty, hint)
    return found


def _by_code(index: AuthorityIndex, tokens: list[str]) -> dict[int, float]:
    if len(tokens) != 1:
        return {}
    token = tokens[0].upper()
    found: dict[int, float] = {}
    if _INSEE.match(tokens[0]) or _SIREN.match(tokens[0]):
        _add(found, index, index.codes.get(token, ()), EXACT, None)
    if _POSTAL.match(tokens[0]):
        _add(found, index, index.postal_codes.get(token, ()), LOOSE, None)
    return found


def _place(index: AuthorityIndex, tokens: list[str]) -> tuple[list[str], str, str] | None:
    """A département or postal code after the name: (name, "departement" | "postal", code)."""
    if len(tokens) < 2:
        return None
    last = tokens[-1]
    if _POSTAL.match(last):
        return tokens[:-1], "postal", last
    if _DEPARTEMENT_CODE.match(last) and last.upper() in index.departement_names:
        return tokens[:-1], "departement", last.upper()
    for size in range(min(5, len(tokens) - 1), 0, -1):
        tail = tokens[-size:]
        code = index.departements.get(" ".join(tail)) or index.departements.get(loose(tail))
        if code:
            rest = tokens[:-size]
            while len(rest) > 1 and rest[-1] in _PLACE_LINKS:
                rest = rest[:-1]
            return rest, "departement", code
    return None


def _names_another_level(tokens: list[str]) -> bool:
    """A département or a région ("Département de la Creuse"): not in the communes and EPCI."""
    lead = tokens[1:] if tokens[:1] in (["le"], ["la"], ["l"]) else tokens
    return bool(lead) and (lead[0] in OTHER_LEVELS or tuple(lead[:2]) in OTHER_LEVELS)


def _in_place(authority: Authority, kind: str, code: str) -> bool:
    if kind == "postal":
        return code in authority.postal_codes
    return authority.departement_code == code


def rank(index: AuthorityIndex, found: dict[int, float], limit: int = DEFAULT_LIMIT) -> list[Candidate]:
    """Best first: score, then population (the larger homonym first), then name."""
    ordered = sorted(
        found.items(),
        key=lambda item: (
            -round(item[1], 6),
            -(index.authorities[item[0]].population or 0),
            index.authorities[item[0]].name,
            index.authorities[item[0]].code,
        ),
    )
    return [Candidate(index.authorities[number], round(score, 6)) for number, score in ordered[:limit]]


def find(index: AuthorityIndex, text: str, limit: int = DEFAULT_LIMIT) -> list[Candidate]:
    """The communes and EPCI that ``text`` (an answer naming one) may be, best first.

    Homonyms share the best score: :func:`homonyms` keeps them. Empty when nothing fits.
    """
    tokens = words(text)
    if not tokens or _names_another_level(tokens):
        return []
    found = _by_code(index, tokens)
    if found:
        return rank(index, found, limit)
    place = _place(index, tokens)
    for search in (_exact, _fuzzy):
        found = search(index, tokens)
        if found and search is _exact and max(found.values()) <= EXACT - MISMATCH + 1e-9:
            # Only a name of the other kind than the cue says ("agglo de Laye" is not the
            # commune of Laye but a typo for the CC de Blaye): the cue's kind with a typo too.
            for number, score in _fuzzy(index, tokens).items():
                found[number] = max(score, found.get(number, 0.0))
        if found:
            return rank(index, found, limit)
        if place is not None:
            rest, kind, code = place
            found = search(index, rest)
            if found:
                inside = {n: s for n, s in found.items() if _in_place(index.authorities[n], kind, code)}
                return rank(index, inside or found, limit)
    spotted = spot(index, text, lenient=True)
    if spotted:
        return list(spotted[0].candidates[:limit])
    return []


def homonyms(candidates: list[Candidate]) -> list[Candidate]:
    """The candidates that share the best score (one, or several homonyms)."""
    if not candidates:
        return []
    best = candidates[0].score
    return [candidate for candidate in candidates if candidate.score >= best - 1e-9]


# --- inside a message -------------------------------------------------------------------


def _cue_at(located: list[Word], i: int) -> tuple[int, tuple[str, ...], str | None, tuple[str, ...]] | None:
    """A cue starting at word ``i``: (first word after it, article, hint, cue words)."""
    word = located[i].text
    following = located[i + 1].text if i + 1 < len(located) else None
    if word in COMMUNE_WORDS and following in LINKS:
        return i + 2, LINKS[following], COMMUNE_HINT, (word, following)
    texts = [entry.text for entry in located[i : i + 5]]
    for phrase in EPCI_TYPE_PREFIXES:
        if tuple(texts[: len(phrase)]) == phrase:
            if len(phrase) == 1 and phrase[0] in CAPITAL_CUES and not located[i].original.isupper():
                continue
            after = i + len(phrase)
            cue = phrase
            if after < len(located) and located[after].text in LINKS:
                cue = (*phrase, located[after].text)
                after += 1
            return after, (), EPCI_HINT, cue
    if word in PLACE_CUES:
        return i + 1, PLACE_CUES[word], None, (word,)
    if word in OF_CUES and i and located[i - 1].text in ROLES_AND_PLACES:
        return i + 1, OF_CUES[word], None, (word,)
    return None


def _introduces(text: str, located: list[Word], i: int) -> bool:
    """Whether a cue at word ``i`` follows a role, "je suis"… or opens the message.

    A bare place cue ("à", "au", "aux") must follow a role or "je suis"…: opening the
    message, it says where something happens ("À Sens, on a changé les lampes"), not who
    speaks ("Mairie de Sens, bonjour" does).
    """
    before = [word.text for word in located[:i]]
    if located[i].text not in PLACE_CUES and all(word in OPENERS for word in before):
        return True
    window = range(max(0, i - INTRODUCER_WINDOW), i)
    last = next((j for j in reversed(window) if located[j].text in INTRODUCERS), None)
    if last is None:
        return False
    between = located[last + 1 : i]
    if any(word.text in CLAUSE_BREAKS for word in between):
        return False
    return not _SENTENCE_END.search(text[located[last].end : located[i].start])


def _written_as_a_name(text: str, span: list[Word]) -> bool:
    """With a capital ("Uzès"), or hyphens between its words ("saint-etienne").

    In a message written all in capitals, only the hyphens count.
    """
    if span[0].capitalised and not _shouted(text):
        return True
    return len(span) > 1 and "-" in text[span[0].start : span[-1].end]


def _shouted(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) > 3 and all(ch.isupper() for ch in letters)


def _spot_after(index: AuthorityIndex, cue: tuple, span: list[Word]) -> dict[int, float]:
    _, article, hint, cue_words = cue
    tokens = [word.text for word in span]
    found: dict[int, float] = {}
    if hint == EPCI_HINT:
        for number in index.by_strict(" ".join([*cue_words, *tokens])):
            found[number] = EXACT
        core = loose(epci_core(tokens))
        for number in index.by_loose(core) if core else ():
            if not index.authorities[number].is_commune:
                found.setdefault(number, LOOSE)
        return found
    for number in index.by_strict(" ".join([*article, *tokens])):
        found[number] = _hint_score(index.authorities[number], EXACT, hint)
    return found


def _name_after(
    index: AuthorityIndex, text: str, located: list[Word], cue: tuple, lenient: bool
) -> tuple[int, Spotted] | None:
    """The longest name right after ``cue``, and the index of the word after it."""
    start = cue[0]
    for size in range(min(MAX_SPAN, len(located) - start), 0, -1):
        span = located[start : start + size]
        if not lenient and not _written_as_a_name(text, span):
            continue
        found = _spot_after(index, cue, span)
        if found:
            begin, end = span[0].start, span[-1].end
            return start + size, Spotted(text[begin:end], begin, end, tuple(rank(index, found)))
    return None


def spot(index: AuthorityIndex, text: str, lenient: bool = False) -> list[Spotted]:
    """The authority names in a message, each right after a cue, in the order written.

    Outside the name question (``lenient=False``) the cue must follow a role, "je suis"… or
    open the message, and the name be written with a capital or hyphens; :func:`find` uses
    ``lenient=True`` for an answer to that question.
    """
    located = located_words(text)
    spotted: list[Spotted] = []
    i = 0
    while i < len(located):
        cue = _cue_at(located, i)
        if cue is None or not (lenient or _introduces(text, located, i)):
            i += 1
            continue
        name = _name_after(index, text, located, cue, lenient)
        if name is None:
            # The cue's own words ("communauté de communes du …") are no cues of their own.
            i = max(cue[0], i + 1)
            continue
        i, found = name
        spotted.append(found)
    return spotted
