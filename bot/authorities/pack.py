"""Reads the npm pack of ``@etalab/decoupage-administratif`` into a :class:`Division`.

``scripts/install-authorities.sh`` copies the pinned version into ``var/npm-cache/`` at
install time (``npm pack``); nothing is downloaded here. A newer pack made the same way
(``npm pack @etalab/decoupage-administratif@X.Y.Z``) is read the same way.
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
from pathlib import Path
from typing import Any

from bot.authorities.division import (
    EPCI_KINDS,
    SOURCE,
    Commune,
    Departement,
    Division,
    Epci,
    Region,
    majority_departement,
    version_key,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
NPM_CACHE = REPO_ROOT / "var" / "npm-cache"
# npm pack names a scoped package's tarball without the "@" and with "-" for "/".
PACK_PREFIX = "etalab-decoupage-administratif-"
_PACK_NAME = re.compile(re.escape(PACK_PREFIX) + r"(?P<version>[0-9][0-9A-Za-z.+-]*)\.tgz$")
CURRENT_COMMUNE = "commune-actuelle"


class PackError(Exception):
    """The pack is missing or is not what was expected (message in French)."""


def find_pack(directory: Path = NPM_CACHE) -> Path:
    """The newest ``etalab-decoupage-administratif-*.tgz`` of ``directory``."""
    packs = []
    if directory.is_dir():
        for path in directory.iterdir():
            match = _PACK_NAME.match(path.name)
            if match and path.is_file():
                packs.append((version_key(match["version"]), path))
    if not packs:
        raise PackError(
            f"Aucune copie de {SOURCE} dans {directory} : lancez « make install-authorities »."
        )
    return max(packs)[1]


def _member(archive: tarfile.TarFile, name: str) -> Any:
    try:
        handle = archive.extractfile(f"package/{name}")
    except KeyError:
        handle = None
    if handle is None:
        raise PackError(f"Le paquet ne contient pas package/{name}.")
    with handle:
        return json.load(handle)


def _population(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _departement_of_code(insee: str) -> str:
    """The département of an INSEE code by its prefix (used only for a member not listed)."""
    return insee[:3] if insee.startswith("97") or insee.startswith("98") else insee[:2]


def division_from_json(
    version: str,
    regions: list[dict[str, Any]],
    departements: list[dict[str, Any]],
    communes: list[dict[str, Any]],
    epcis: list[dict[str, Any]],
    sha256: str = "",
) -> Division:
    """What the diagnostic keeps of the package's JSON files."""
    current = [row for row in communes if row.get("type") == CURRENT_COMMUNE]
    epci_of: dict[str, str] = {}
    for epci in epcis:
        for member in epci.get("membres", ()):
            epci_of[member["code"]] = epci["code"]
    commune_rows = tuple(
        Commune(
            insee=row["code"],
            name=row["nom"],
            departement_code=row["departement"],
            region_code=row["region"],
            siren=row.get("siren"),
            postal_codes=tuple(row.get("codesPostaux") or ()),
            population=_population(row.get("population")),
            epci_siren=epci_of.get(row["code"]),
        )
        for row in current
    )
    departement_of = {commune.insee: commune.departement_code for commune in commune_rows}
    region_of = {row["code"]: row["region"] for row in departements}
    epci_rows = []
    for row in epcis:
        kind = row["type"]
        if kind not in EPCI_KINDS:
            raise PackError(f"Type d'EPCI inconnu dans le paquet : {kind!r} ({row['nom']}).")
        members = row.get("membres", ())
        departement = majority_departement(
            (
                departement_of.get(member["code"], _departement_of_code(member["code"])),
                _population(member.get("populationMunicipale")),
            )
            for member in members
        )
        epci_rows.append(
            Epci(
                siren=row["code"],
                name=row["nom"],
                kind=kind,
                population=_population(row.get("populationMunicipale")),
                departement_code=departement,
                region_code=region_of.get(departement) if departement else None,
                members=len(members),
            )
        )
    return Division(
        version=version,
        regions=tuple(Region(code=row["code"], name=row["nom"]) for row in regions),
        departements=tuple(
            Departement(code=row["code"], name=row["nom"], region_code=row["region"]) for row in departements
        ),
        communes=commune_rows,
        epcis=tuple(epci_rows),
        sha256=sha256,
    )


def read_pack(path: Path | str) -> Division:
    """The division in an npm tarball of ``@etalab/decoupage-administratif``."""
    path = Path(path)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with tarfile.open(path, "r:gz") as archive:
            manifest = _member(archive, "package.json")
            if manifest.get("name") != SOURCE:
                raise PackError(f"{path} n'est pas un paquet {SOURCE} ({manifest.get('name')!r}).")
            return division_from_json(
                version=str(manifest["version"]),
                regions=_member(archive, "data/regions.json"),
                departements=_member(archive, "data/departements.json"),
                communes=_member(archive, "data/communes.json"),
                epcis=_member(archive, "data/epci.json"),
                sha256=digest,
            )
    except OSError as exc:
        raise PackError(f"Impossible de lire {path} : {exc}") from exc
    except (tarfile.TarError, ValueError, KeyError, TypeError) as exc:
        raise PackError(f"{path} n'est pas un paquet {SOURCE} lisible : {exc}") from exc
