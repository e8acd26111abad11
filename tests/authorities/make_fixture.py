"""Writes tests/authorities/fixture/ from the real npm pack: a few dozen communes and EPCI.

Run once by hand when the fixture needs to change (``python -m tests.authorities.make_fixture``);
the unit tests read the committed JSON files and never need the pack itself. The files keep
the package's layout (``package/package.json``, ``package/data/*.json``) so that the tests
pack them into a tarball and read it like the real one.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

from bot.authorities.pack import find_pack

FIXTURE = Path(__file__).resolve().parent / "fixture" / "package"
COMMUNES = {
    "Uzès", "Saint-Quentin-la-Poterie", "Saint-Étienne", "Le Havre", "Les Abymes", "Orange", "Sens",
    "Mars", "Les Mars", "Y", "Eu", "Rue", "Plan", "Le Plan", "Sainte-Colombe", "Chaumont", "Lyon",
    "Villeurbanne", "Lille", "Bordeaux", "Colmar", "L'Abergement-Clémenciat", "Aux-Aussat", "Paris",
    "Saint-Malo", "Plougastel-Daoulas", "Saint-Jean-de-Luz", "Ouessant", "Archipel des Kerguelen",
    "Ajaccio", "Montagne", "Bonneville", "Armentières",
}
# Also kept: a few communes that are not current ones, which the loader must leave out.
OTHER_COMMUNES = {"69381", "75101"}
EPCIS = {
    "CC Pays d'Uzès", "CA de Chaumont", "Saint-Étienne Métropole", "Métropole de Lyon",
    "Métropole Européenne de Lille", "CU Le Havre Seine Métropole", "CC Flandre Lys",
    "Bordeaux Métropole", "CA Colmar Agglomération", "CC Faucigny - Glières",
}


def main() -> None:
    with tarfile.open(find_pack(), "r:gz") as archive:
        def read(name: str):
            return json.load(archive.extractfile(f"package/{name}"))

        manifest = read("package.json")
        communes = [
            row
            for row in read("data/communes.json")
            if (row["nom"] in COMMUNES and row["type"] == "commune-actuelle")
            or (row["code"] in OTHER_COMMUNES and row["type"] != "commune-actuelle")
        ]
        deleguee = next(row for row in read("data/communes.json") if row["type"] == "commune-deleguee")
        communes.append(deleguee)
        files = {
            "package.json": {"name": manifest["name"], "version": manifest["version"], "license": "MIT"},
            "data/communes.json": communes,
            "data/epci.json": [row for row in read("data/epci.json") if row["nom"] in EPCIS],
            "data/departements.json": read("data/departements.json"),
            "data/regions.json": read("data/regions.json"),
        }
    for name, content in files.items():
        path = FIXTURE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
