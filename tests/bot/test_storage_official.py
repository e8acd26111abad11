"""The official authority of a diagnostic and the source of its answers (issue 13, migration 0006).

On SQLite and, when TEST_POSTGRES_URL is set, on PostgreSQL (fixtures in conftest.py).
"""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import inspect, text

from bot.__main__ import main as bot_main
from bot.answers import Answer
from bot.authorities.index import Authority, AuthorityIndex
from bot.storage import DiagnosticNotFoundError, DiagnosticStore, make_engine, migrate
from bot.storage.migrate import alembic_config
from bot.storage.repository import OfficialAuthority
from tests.authorities.packs import fixture_division

VERSION = "6.0.0"
SOURCE = "decoupage-administratif 6.0.0"

# As the index of the 6.0.0 division gives them (checked below against the fixture pack).
UZES = Authority(
    kind="commune",
    code="30334",
    name="Uzès",
    departement_code="30",
    departement_name="Gard",
    region_code="76",
    region_name="Occitanie",
    population=8519,
    siren="213003346",
    postal_codes=("30700",),
    epci_siren="200034379",
    epci_name="CC Pays d'Uzès",
    epci_kind="CC",
)
PAYS_UZES = Authority(
    kind="CC",
    code="200034379",
    name="CC Pays d'Uzès",
    departement_code="30",
    departement_name="Gard",
    region_code="76",
    region_name="Occitanie",
    population=30_894,
    siren="200034379",
    members=35,
)


def test_the_authorities_used_here_are_those_of_the_division(tmp_path) -> None:
    index = AuthorityIndex(fixture_division(tmp_path))
    assert index.get(UZES.code) == UZES
    assert index.get(PAYS_UZES.code) == PAYS_UZES


# --- answers and their source ---------------------------------------------------------


def test_an_answer_keeps_its_source_and_its_revisions_keep_theirs(store: DiagnosticStore) -> None:
    record = store.create("alice")

    said = store.save_answer(record.id, "population", 9000, "answered", "environ 9000")
    official = store.save_answer(record.id, "population", 8519, "answered", None, source=SOURCE)

    assert said.source is None
    assert official == Answer("population", 8519, "answered", None, source=SOURCE)
    assert store.answers(record.id)["population"].source == SOURCE
    [revision] = store.revisions(record.id, "population")
    assert (revision.value, revision.source) == (9000, None)

    store.save_answer(record.id, "population", 8600, "answered", "8600 en fait")
    assert store.answers(record.id)["population"].source is None
    assert [r.source for r in store.revisions(record.id, "population")] == [None, SOURCE]


@pytest.mark.parametrize("source", ["", "x" * 41, 6])
def test_a_bad_source_is_refused_and_nothing_is_stored(store: DiagnosticStore, source) -> None:
    record = store.create("alice")
    with pytest.raises(ValueError):
        store.save_answer(record.id, "population", 8519, "answered", None, source=source)
    assert store.answers(record.id) == {}


def test_the_export_gives_each_answers_source(store: DiagnosticStore) -> None:
    record = store.create("alice")
    store.save_answer(record.id, "type_collectivite", "commune", "answered", "une mairie")
    store.save_answer(record.id, "type_collectivite", "commune", "answered", None, source=SOURCE)

    exported = store.export("alice")

    answer = exported["answers"]["type_collectivite"]
    assert answer["source"] == SOURCE
    assert [revision["source"] for revision in answer["revisions"]] == [None]


# --- record_authority -----------------------------------------------------------------


def test_a_commune_fills_the_official_columns(store: DiagnosticStore) -> None:
    record = store.create("alice")
    assert record.official is None

    recorded = store.record_authority(record.id, UZES, VERSION)

    assert recorded == store.get(record.id)
    assert recorded.official == OfficialAuthority(
        code="30334",
        kind="commune",
        name="Uzès",
        population=8519,
        departement_code="30",
        departement_name="Gard",
        region_code="76",
        region_name="Occitanie",
        epci_siren="200034379",
        epci_name="CC Pays d'Uzès",
        epci_kind="CC",
        division_version="6.0.0",
    )
    assert recorded.official.is_commune
    assert (recorded.authority_type, recorded.authority_name, recorded.population) == (
        "commune",
        "Uzès",
        8519,
    )
    assert recorded.updated_at >= record.updated_at


def test_an_epci_is_an_intercommunality_without_an_epci_of_its_own(store: DiagnosticStore) -> None:
    record = store.create("alice")
    store.record_authority(record.id, UZES, VERSION)

    recorded = store.record_authority(record.id, PAYS_UZES, VERSION)

    official = recorded.official
    assert (official.code, official.kind, official.name) == ("200034379", "CC", "CC Pays d'Uzès")
    assert not official.is_commune
    assert (official.epci_siren, official.epci_name, official.epci_kind) == (None, None, None)
    assert (recorded.authority_type, recorded.population) == ("intercommunalite", 30_894)


def test_answers_do_not_overwrite_the_official_facts(store: DiagnosticStore) -> None:
    record = store.create("alice")
    store.save_answer(record.id, "nom_collectivite", "mairie d'uzes", "answered", "mairie d'uzes")
    store.record_authority(record.id, UZES, VERSION)

    store.save_answer(record.id, "population", 9000, "answered", "9000 je crois")
    store.save_answer(record.id, "type_collectivite", "commune", "answered", None, source=SOURCE)
    store.save_answer(record.id, "nombre_agents", 80, "answered", "80")

    recorded = store.get(record.id)
    assert (recorded.authority_name, recorded.population, recorded.agents) == ("Uzès", 8519, 80)
    assert store.answers(record.id)["population"].value == 9000  # the answer itself is kept


def test_no_authority_clears_the_official_columns_and_restores_the_answers(store: DiagnosticStore) -> None:
    record = store.create("alice")
    store.save_answer(record.id, "nom_collectivite", "Uzès", "answered", "uzes")
    store.save_answer(record.id, "nombre_agents", 80, "answered", "80")
    store.record_authority(record.id, UZES, VERSION)

    cleared = store.record_authority(record.id, None, None)

    assert cleared.official is None
    assert (cleared.authority_type, cleared.authority_name, cleared.population, cleared.agents) == (
        None,
        "Uzès",
        None,
        80,
    )
    exported = store.export("alice")
    assert exported["official"] is None


def test_record_authority_is_part_of_the_turn(store: DiagnosticStore) -> None:
    record = store.create("alice")
    with pytest.raises(RuntimeError), store.turn():
        store.record_authority(record.id, UZES, VERSION)
        store.save_answer(record.id, "population", 8519, "answered", None, source=SOURCE)
        assert store.get(record.id).official is not None  # visible inside the turn
        raise RuntimeError("the database went away")
    assert store.get(record.id).official is None
    assert store.answers(record.id) == {}


def test_record_authority_checks_its_arguments(store: DiagnosticStore) -> None:
    record = store.create("alice")
    with pytest.raises(DiagnosticNotFoundError):
        store.record_authority(record.id + 1, UZES, VERSION)
    with pytest.raises(ValueError):
        store.record_authority(record.id, UZES, "6." * 20)
    assert store.get(record.id).official is None


def test_the_export_gives_the_official_authority(store: DiagnosticStore) -> None:
    record = store.create("alice")
    store.record_authority(record.id, UZES, VERSION)

    exported = store.export("alice")

    assert json.loads(json.dumps(exported)) == exported
    assert exported["official"] == {
        "code": "30334",
        "kind": "commune",
        "name": "Uzès",
        "population": 8519,
        "departement": {"code": "30", "name": "Gard"},
        "region": {"code": "76", "name": "Occitanie"},
        "epci": {"siren": "200034379", "name": "CC Pays d'Uzès", "kind": "CC"},
        "division_version": "6.0.0",
    }
    assert exported["profile"]["nom_collectivite"] == "Uzès"


# --- migration 0006 -------------------------------------------------------------------


def _columns(engine, table: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table)}


def test_migration_0006_keeps_the_data_both_ways(storage_url: str) -> None:
    engine = make_engine(storage_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0005")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO diagnostics (id, public_id, sender_id, status, failed_attempts,"
                    " authority_name, population, created_at, updated_at)"
                    " VALUES (1, 'p1', 'alice', 'en_cours', 0, 'Uzès', 8519, :now, :now)"
                ),
                {"now": "2026-12-01 10:00:00"},
            )
            connection.execute(
                text(
                    "INSERT INTO answers"
                    " (id, diagnostic_id, question_id, value, status, raw_text, answered_at)"
                    " VALUES (1, 1, 'population', '8519', 'answered', '8519', :now)"
                ),
                {"now": "2026-12-01 10:00:00"},
            )
        assert "source" not in _columns(engine, "answers")

        migrate(engine)
        assert {"authority_code", "departement_code", "region_code", "division_version"} <= _columns(
            engine, "diagnostics"
        )
        indexes = {index["name"] for index in inspect(engine).get_indexes("diagnostics")}
        assert {"ix_diagnostics_departement_code", "ix_diagnostics_region_code"} <= indexes
        store = DiagnosticStore(engine)
        assert store.get(1).official is None and store.get(1).authority_name == "Uzès"
        assert store.answers(1)["population"] == Answer("population", 8519, "answered", "8519")
        store.record_authority(1, UZES, VERSION)
        store.save_answer(1, "population", 8519, "answered", None, source=SOURCE)

        # With foreign keys enforced (as every connection of the store has them): no table is
        # copied and dropped, so nothing cascades to the answers.
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0005")
        assert "authority_code" not in _columns(engine, "diagnostics")
        assert "source" not in _columns(engine, "answers")
        assert "source" not in _columns(engine, "answer_revisions")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT authority_name, population FROM diagnostics")).one() == (
                "Uzès",
                8519,
            )
            assert connection.execute(text("SELECT count(*) FROM answer_revisions")).scalar() == 1
    finally:
        engine.dispose()


def test_python_m_bot_export_gives_the_official_authority_and_sources(
    storage_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = DiagnosticStore.from_url(storage_url)
    try:
        record = store.create("alice")
        store.record_authority(record.id, UZES, VERSION)
        store.save_answer(record.id, "population", 8519, "answered", None, source=SOURCE)
        store.save_answer(record.id, "nombre_agents", 80, "answered", "80")
    finally:
        store.engine.dispose()

    assert bot_main(["--database-url", storage_url, "export", "alice"]) == 0

    exported = json.loads(capsys.readouterr().out)
    assert exported["official"]["code"] == "30334"
    assert exported["official"]["departement"] == {"code": "30", "name": "Gard"}
    assert exported["official"]["epci"]["name"] == "CC Pays d'Uzès"
    assert exported["answers"]["population"]["source"] == SOURCE
    assert exported["answers"]["nombre_agents"]["source"] is None
