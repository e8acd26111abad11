"""The official administrative division in the store (SQLite and PostgreSQL): load, reload, read."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.authorities.pack import PackError, find_pack, read_pack
from bot.storage import make_engine, migrate
from bot.storage.division import LoadOutcome, count_rows, load_division, loaded_version, read_division
from tests.authorities.packs import fixture_files, make_pack


@pytest.fixture
def engine(storage_url: str):
    engine = make_engine(storage_url)
    migrate(engine)
    yield engine
    engine.dispose()


def _sorted(division):
    return (
        sorted(division.regions, key=lambda row: row.code),
        sorted(division.departements, key=lambda row: row.code),
        sorted(division.communes, key=lambda row: row.insee),
        sorted(division.epcis, key=lambda row: row.siren),
    )


def test_load_keeps_what_the_diagnostic_needs(engine, tmp_path: Path) -> None:
    division = read_pack(make_pack(tmp_path))
    files = fixture_files()
    current = [row for row in files["data/communes.json"] if row["type"] == "commune-actuelle"]
    assert len(current) < len(files["data/communes.json"])  # délégués and arrondissements left out
    assert loaded_version(engine) is None
    assert read_division(engine) is None

    outcome, version = load_division(engine, division)

    assert outcome is LoadOutcome.LOADED
    assert (version.source, version.version, version.sha256) == (
        "@etalab/decoupage-administratif",
        "6.0.0",
        division.sha256,
    )
    assert (version.communes, version.epcis) == (len(current), len(files["data/epci.json"]))
    assert count_rows(engine) == {
        "division_regions": 26,
        "division_departements": 109,
        "division_communes": len(current),
        "division_epcis": len(files["data/epci.json"]),
    }
    stored = read_division(engine)
    assert _sorted(stored) == _sorted(division)
    uzes = next(row for row in stored.communes if row.insee == "30334")
    assert (uzes.name, uzes.departement_code, uzes.region_code, uzes.postal_codes, uzes.population) == (
        "Uzès",
        "30",
        "76",
        ("30700",),
        8519,
    )
    epci = next(row for row in stored.epcis if row.siren == uzes.epci_siren)
    assert (epci.name, epci.kind, epci.departement_code) == ("CC Pays d'Uzès", "CC", "30")
    assert epci.region_code == "76"
    kerguelen = next(row for row in stored.communes if row.name == "Archipel des Kerguelen")
    assert (kerguelen.population, kerguelen.postal_codes, kerguelen.epci_siren) == (None, (), None)


def test_loading_the_same_pack_again_does_nothing(engine, tmp_path: Path) -> None:
    division = read_pack(make_pack(tmp_path))
    _, first = load_division(engine, division)
    outcome, again = load_division(engine, division)
    assert outcome is LoadOutcome.UNCHANGED
    assert again == first
    outcome, _ = load_division(engine, division, force=True)
    assert outcome is LoadOutcome.LOADED
    assert _sorted(read_division(engine)) == _sorted(division)


def test_a_newer_pack_replaces_the_whole_copy(engine, tmp_path: Path) -> None:
    load_division(engine, read_pack(make_pack(tmp_path)))

    def merge_uzes(files) -> None:  # a newer division: Uzès renamed, Orange gone
        files["data/communes.json"] = [row for row in files["data/communes.json"] if row["nom"] != "Orange"]
        for row in files["data/communes.json"]:
            if row["code"] == "30334":
                row["nom"] = "Uzès-la-Nouvelle"

    newer = read_pack(make_pack(tmp_path, version="6.1.0", edit=merge_uzes))
    outcome, version = load_division(engine, newer)
    assert (outcome, version.version) == (LoadOutcome.LOADED, "6.1.0")
    names = {row.name for row in read_division(engine).communes}
    assert "Uzès-la-Nouvelle" in names and "Uzès" not in names and "Orange" not in names

    # The pinned, older pack (make run) does not undo a newer one, unless forced.
    older = read_pack(make_pack(tmp_path, version="6.0.0"))
    outcome, version = load_division(engine, older)
    assert (outcome, version.version) == (LoadOutcome.NEWER_KEPT, "6.1.0")
    assert "Orange" not in {row.name for row in read_division(engine).communes}
    outcome, version = load_division(engine, older, force=True)
    assert (outcome, version.version) == (LoadOutcome.LOADED, "6.0.0")
    assert "Orange" in {row.name for row in read_division(engine).communes}


def test_two_loads_at_once_leave_one_whole_copy(storage_url: str, tmp_path: Path) -> None:
    division = read_pack(make_pack(tmp_path))
    engines = [make_engine(storage_url) for _ in range(2)]
    migrate(engines[0])
    outcomes, errors = [], []

    def load(engine) -> None:
        try:
            outcomes.append(load_division(engine, division)[0])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert sorted(outcome.value for outcome in outcomes) == ["loaded", "unchanged"]
        assert count_rows(engines[0])["division_communes"] == len(division.communes)
    finally:
        for engine in engines:
            engine.dispose()


def test_pack_errors_are_explained_in_french(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="Aucune copie"):
        find_pack(tmp_path)
    (tmp_path / "etalab-decoupage-administratif-9.9.9.tgz").write_bytes(b"pas une archive")
    with pytest.raises(PackError, match="lisible"):
        read_pack(tmp_path / "etalab-decoupage-administratif-9.9.9.tgz")

    def rename(files) -> None:
        files["package.json"]["name"] = "autre-paquet"

    with pytest.raises(PackError, match="n'est pas un paquet"):
        read_pack(make_pack(tmp_path, version="1.0.0", edit=rename))


def test_find_pack_takes_the_newest_version(tmp_path: Path) -> None:
    for version in ("6.0.0", "6.10.0", "6.9.1"):
        make_pack(tmp_path, version=version)
    (tmp_path / "etalab-decoupage-administratif-latest.txt").write_text("")
    assert find_pack(tmp_path).name == "etalab-decoupage-administratif-6.10.0.tgz"
