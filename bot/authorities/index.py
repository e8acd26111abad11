"""The in-memory index of every commune and EPCI, built once from a :class:`Division`.

Keys are normalised names (``bot/authorities/normalise.py``):

- ``strict``: the official name ("saint etienne", "cc du pays d uzes");
- ``loose``: the name without its small words ("havre" for Le Havre, "abymes" for Les
  Abymes), and for an EPCI its name without its type ("pays uzes" for the CC du Pays d'Uzès,
  "saint etienne" for Saint-Étienne Métropole);
- ``cores``: an EPCI's name without its type but with its small words ("pays d uzes"), so
  that a typo in a small word ("pays dr uzes") is one edit away;
- ``epci_words``: each word of an EPCI's loose name, for a partial name ("métropole de
  Lille" for the Métropole Européenne de Lille);
- codes: INSEE code, SIREN, postal codes;
- every key by length, for the names typed with one typo (``rapidfuzz``).

Matching a text against it is ``bot/authorities/match.py``'s job.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import OSA
from rapidfuzz.process import extract

from bot.authorities.division import COMMUNE, EPCI_KINDS, Division
from bot.authorities.normalise import SMALL_WORDS, loose, normalise, words

# The words that say an EPCI's type, at the start or the end of a name ("CC …", "… Métropole").
EPCI_TYPE_PREFIXES: tuple[tuple[str, ...], ...] = tuple(
    tuple(phrase.split())
    for phrase in (
        "communaute de communes",
        "communautes de communes",
        "communaute de l agglomeration",
        "communaute d agglomeration",
        "communaute d agglo",
        "communaute urbaine",
        "communaute de commune",
        "com de com",
        "com com",
        "comcom",
        "cdc",
        "cc",
        "ca",
        "cu",
        "agglomeration",
        "agglo",
        "eurometropole",
        "metropole",
        "epci",
        "interco",
    )
)
EPCI_TYPE_SUFFIXES: tuple[tuple[str, ...], ...] = (("metropole",), ("agglomeration",), ("agglo",))
# The words between an EPCI's type and its name ("CC du Pays d'Uzès").
LINK_WORDS = frozenset({"de", "d", "du", "des"})


def strip_phrase(
    tokens: list[str], phrases: Iterable[tuple[str, ...]], at_end: bool = False
) -> list[str] | None:
    """``tokens`` without the first of ``phrases`` it starts (or ends) with, None if none."""
    for phrase in phrases:
        size = len(phrase)
        if len(tokens) > size and (tuple(tokens[-size:]) if at_end else tuple(tokens[:size])) == phrase:
            return tokens[:-size] if at_end else tokens[size:]
    return None


def epci_core(tokens: list[str]) -> list[str]:
    """An EPCI's name without its type and the link word after it.

    "ca colmar agglomeration" -> "colmar"; "cc du pays d uzes" -> "pays d uzes";
    "ca saintes grandes rives l agglo" -> "saintes grandes rives".
    """
    core = list(tokens)
    if core[:1] in (["la"], ["l"], ["le"]) and strip_phrase(core[1:], EPCI_TYPE_PREFIXES) is not None:
        core = core[1:]
    stripped = strip_phrase(core, EPCI_TYPE_PREFIXES)
    if stripped is not None:
        core = stripped
        while len(core) > 1 and core[0] in LINK_WORDS:
            core = core[1:]
    while (stripped := strip_phrase(core, EPCI_TYPE_SUFFIXES, at_end=True)) is not None:
        core = stripped
        while len(core) > 1 and core[-1] in SMALL_WORDS:
            core = core[:-1]
    return core


@dataclass(frozen=True)
class Authority:
    """A commune or an EPCI, with what the diagnostic shows of it."""

    kind: str  # "commune", or the EPCI's type: CC, CA, CU, METRO, MET69
    code: str  # INSEE code of a commune, SIREN of an EPCI
    name: str
    departement_code: str | None
    departement_name: str | None
    region_code: str | None
    region_name: str | None
    population: int | None  # population municipale
    siren: str | None = None
    postal_codes: tuple[str, ...] = ()
    epci_siren: str | None = None  # a commune's EPCI
    epci_name: str | None = None
    epci_kind: str | None = None
    members: int = 0  # an EPCI's communes

    @property
    def is_commune(self) -> bool:
        return self.kind == COMMUNE

    @property
    def kind_label(self) -> str:
        return COMMUNE if self.is_commune else EPCI_KINDS.get(self.kind, self.kind)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready description (``python -m bot find-authority``)."""
        described: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "kind_label": self.kind_label,
            "code": self.code,
        }
        if self.is_commune:
            described["insee"] = self.code
        described["siren"] = self.siren
        described["departement"] = (
            {"code": self.departement_code, "name": self.departement_name} if self.departement_code else None
        )
        described["region"] = (
            {"code": self.region_code, "name": self.region_name} if self.region_code else None
        )
        described["population"] = self.population
        if self.is_commune:
            described["postal_codes"] = list(self.postal_codes)
            described["epci"] = (
                {"siren": self.epci_siren, "name": self.epci_name, "kind": self.epci_kind}
                if self.epci_siren
                else None
            )
        else:
            described["members"] = self.members
        return described


class AuthorityIndex:
    """Every commune and EPCI of a division, by normalised name and by code."""

    def __init__(self, division: Division) -> None:
        self.version = division.version
        self.source = division.source
        self.departement_names = {row.code: row.name for row in division.departements}
        self.region_names = {row.code: row.name for row in division.regions}
        region_of = {row.code: row.region_code for row in division.departements}
        epcis = {row.siren: row for row in division.epcis}
        authorities: list[Authority] = []
        for commune in division.communes:
            epci = epcis.get(commune.epci_siren) if commune.epci_siren else None
            authorities.append(
                Authority(
                    kind=COMMUNE,
                    code=commune.insee,
                    name=commune.name,
                    departement_code=commune.departement_code,
                    departement_name=self.departement_names.get(commune.departement_code),
                    region_code=commune.region_code,
                    region_name=self.region_names.get(commune.region_code),
                    population=commune.population,
                    siren=commune.siren,
                    postal_codes=commune.postal_codes,
                    epci_siren=commune.epci_siren,
                    epci_name=epci.name if epci else None,
                    epci_kind=epci.kind if epci else None,
                )
            )
        for epci in division.epcis:
            region = epci.region_code or region_of.get(epci.departement_code or "")
            authorities.append(
                Authority(
                    kind=epci.kind,
                    code=epci.siren,
                    name=epci.name,
                    departement_code=epci.departement_code,
                    departement_name=self.departement_names.get(epci.departement_code or ""),
                    region_code=region,
                    region_name=self.region_names.get(region or ""),
                    population=epci.population,
                    siren=epci.siren,
                    members=epci.members,
                )
            )
        self.authorities: tuple[Authority, ...] = tuple(authorities)

        strict: dict[str, list[int]] = defaultdict(list)
        loose_keys: dict[str, list[int]] = defaultdict(list)
        cores: dict[str, list[int]] = defaultdict(list)
        epci_words: dict[str, set[int]] = defaultdict(set)
        codes: dict[str, list[int]] = defaultdict(list)
        postal: dict[str, list[int]] = defaultdict(list)
        for number, authority in enumerate(self.authorities):
            tokens = words(authority.name)
            strict[" ".join(tokens)].append(number)
            codes[authority.code].append(number)
            if authority.siren and authority.siren != authority.code:
                codes[authority.siren].append(number)
            if authority.is_commune:
                key = loose(tokens)
                for postal_code in authority.postal_codes:
                    postal[postal_code].append(number)
            else:
                core = epci_core(tokens)
                cores[" ".join(core)].append(number)
                key = loose(core)
                for word in key.split():
                    epci_words[word].add(number)
            if key:
                loose_keys[key].append(number)
        self.strict = {key: tuple(ids) for key, ids in strict.items()}
        self.loose = {key: tuple(ids) for key, ids in loose_keys.items()}
        self.cores = {key: tuple(ids) for key, ids in cores.items()}
        self.epci_words = {word: frozenset(ids) for word, ids in epci_words.items()}
        self.codes = {key: tuple(ids) for key, ids in codes.items()}
        self.postal_codes = {key: tuple(ids) for key, ids in postal.items()}
        # Keys by length and first or last letter, for the typo search: a key one edit away
        # from a text is at most one letter longer or shorter, and (from three letters on)
        # begins or ends like it, so only those few keys are compared.
        by_end: dict[tuple[int, str, str], set[str]] = defaultdict(set)
        for key in (*self.strict, *self.loose, *self.cores):
            by_end[(len(key), "first", key[0])].add(key)
            by_end[(len(key), "last", key[-1])].add(key)
        self.keys_by_end = {place: tuple(sorted(keys)) for place, keys in by_end.items()}
        # Départements by name and code, for "Sainte-Colombe (Gironde)" or "Uzès 30".
        departements: dict[str, str] = {}
        for code, name in self.departement_names.items():
            tokens = words(name)
            departements[" ".join(tokens)] = code
            departements.setdefault(loose(tokens), code)
            departements[normalise(code)] = code
        departements.pop("", None)
        self.departements = departements

    def __len__(self) -> int:
        return len(self.authorities)

    def by_strict(self, key: str) -> tuple[int, ...]:
        return self.strict.get(key, ())

    def by_loose(self, key: str) -> tuple[int, ...]:
        return self.loose.get(key, ())

    def by_core(self, key: str) -> tuple[int, ...]:
        """The EPCI whose name without its type is ``key`` ("pays d uzes")."""
        return self.cores.get(key, ())

    def similar_keys(self, key: str) -> list[str]:
        """The keys one edit (insertion, deletion, substitution, swap of neighbours) from ``key``."""
        if len(key) < 3:
            return []
        choices = {
            candidate
            for length in (len(key) - 1, len(key), len(key) + 1)
            for place in ((length, "first", key[0]), (length, "last", key[-1]))
            for candidate in self.keys_by_end.get(place, ())
        }
        found = extract(key, list(choices), scorer=OSA.distance, score_cutoff=1, limit=None)
        return [candidate for candidate, distance, _ in found if distance <= 1]

    def epcis_with_words(self, tokens: Iterable[str]) -> frozenset[int]:
        """The EPCI whose loose name has every one of ``tokens``."""
        found: frozenset[int] | None = None
        for token in tokens:
            ids = self.epci_words.get(token, frozenset())
            found = ids if found is None else found & ids
            if not found:
                return frozenset()
        return found or frozenset()

    def members(self, siren: str) -> list[Authority]:
        """The communes of an EPCI, by name."""
        members = (entry for entry in self.authorities if entry.is_commune and entry.epci_siren == siren)
        return sorted(members, key=lambda authority: authority.name)

    def get(self, code: str) -> Authority | None:
        """The commune of an INSEE code, or the commune or EPCI of a SIREN."""
        ids = self.codes.get(code.strip().upper(), ())
        return self.authorities[ids[0]] if ids else None
