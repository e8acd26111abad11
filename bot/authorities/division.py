"""The official administrative division as plain values (no file, no database).

What the diagnostic keeps of Etalab's ``@etalab/decoupage-administratif``: current communes,
EPCI (intercommunalities with their own taxation), départements and régions. The pack reader
(``bot/authorities/pack.py``) builds a :class:`Division` from the npm tarball, the store
(``bot/storage/division.py``) writes it to and reads it from its tables, and the index
(``bot/authorities/index.py``) is built from it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

SOURCE = "@etalab/decoupage-administratif"

# EPCI types of the dataset, with their French labels.
EPCI_KINDS = {
    "CC": "communauté de communes",
    "CA": "communauté d'agglomération",
    "CU": "communauté urbaine",
    "METRO": "métropole",
    "MET69": "métropole de Lyon",
}
COMMUNE = "commune"


@dataclass(frozen=True)
class Region:
    code: str
    name: str


@dataclass(frozen=True)
class Departement:
    code: str
    name: str
    region_code: str


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    departement_code: str
    region_code: str
    siren: str | None = None
    postal_codes: tuple[str, ...] = ()
    # Population municipale (INSEE); None for the few places without one (TAAF).
    population: int | None = None
    epci_siren: str | None = None


@dataclass(frozen=True)
class Epci:
    siren: str
    name: str
    kind: str
    population: int | None
    # The département of most of its members (then the most populated share, then the code).
    departement_code: str | None
    region_code: str | None
    members: int = 0


@dataclass(frozen=True)
class Division:
    version: str
    regions: tuple[Region, ...] = ()
    departements: tuple[Departement, ...] = ()
    communes: tuple[Commune, ...] = ()
    epcis: tuple[Epci, ...] = ()
    source: str = SOURCE
    # SHA-256 of the pack it was read from ("" when built otherwise).
    sha256: str = field(default="", compare=False)


def majority_departement(members: Iterable[tuple[str | None, int | None]]) -> str | None:
    """The département of most members, given (département, population) pairs.

    Ties go to the département whose members are the most populated, then to the lowest
    code (CC Flandre Lys: four communes in the Nord, four in the Pas-de-Calais).
    """
    count: Counter[str] = Counter()
    people: Counter[str] = Counter()
    for departement, population in members:
        if departement:
            count[departement] += 1
            people[departement] += population or 0
    if not count:
        return None
    return min(count, key=lambda code: (-count[code], -people[code], code))


def version_key(version: str) -> tuple[int, ...]:
    """``"6.0.10"`` -> ``(6, 0, 10)``, for comparing versions; non-numeric parts count as 0."""
    parts = []
    for part in version.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)
