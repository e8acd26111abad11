"""The diagnostic store (bot/storage): rules, history, results, export, erasure, migrations.

Every test gets an empty database (``store`` / ``storage_url`` fixtures in conftest.py),
on SQLite and, when TEST_POSTGRES_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from bot import settings as settings_module
from bot.answers import Answer
from bot.questionnaire import default_questionnaire
from bot.storage import (
    DiagnosticNotFoundError,
    DiagnosticRecord,
    DiagnosticStore,
    Revision,
    database_url,
    make_engine,
    migrate,
)
from bot.storage.migrate import alembic_config
from bot.storage.models import AnswerRevisionRow, AnswerRow, Diagnostic, ResultRow, metadata
from bot.storage.repository import PROFILE_COLUMNS

REPO_ROOT = Path(__file__).resolve().parents[2]

MATURITY = {
    "overall": {"score": 42.5, "level": 2, "level_name": "Émergent", "coverage": 0.9},
    "axes": {"strategie": {"score": 50.0, "level": 3, "coverage": 1.0}},
}
RECOMMENDATION = {"codes": ["nommer_pilote", "inventaire_donnees"], "texts": ["…", "…"]}

BAD_TEXTS = [
    "x" * 10_000,
    "'; DROP TABLE answers; --",
    "Robert'); DELETE FROM diagnostics WHERE ('1'='1",
    '<script>alert("xss")</script><b>gras</b> & <img src=x onerror=alert(1)>',
    "Saint-Étienne-du-Rouvray 🏙️ « guillemets » \\ backslash \n nouvelle ligne \t tab",
    "%s %(name)s {0} ${HOME} `ls`",
]


def count(store: DiagnosticStore, model) -> int:
    with store.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model))


def is_utc(value: datetime | None) -> bool:
    return value is not None and value.tzinfo is not None and value.utcoffset() == timedelta(0)


# --- diagnostics: create, latest, abandon -----------------------------------------


def test_create_starts_a_diagnostic_in_progress(store: DiagnosticStore) -> None:
    assert store.latest_for_sender("alice") is None

    record = store.create("alice")

    assert isinstance(record, DiagnosticRecord)
    assert record.sender_id == "alice"
    assert record.status == "en_cours"
    assert record.failed_attempts == 0
    assert record.current_question_id is None and record.revising_question_id is None
    assert record.completed_at is None
    assert len(record.public_id) >= 32
    assert is_utc(record.created_at) and is_utc(record.updated_at)
    assert abs(record.created_at - datetime.now(timezone.utc)) < timedelta(minutes=1)
    assert store.latest_for_sender("alice") == record
    assert store.get(record.id) == record
    assert store.by_public_id(record.public_id) == record


def test_public_ids_are_unique_and_unguessable(store: DiagnosticStore) -> None:
    records = [store.create(f"sender-{i}") for i in range(20)]
    public_ids = {record.public_id for record in records}
    assert len(public_ids) == 20
    assert all(len(public_id) >= 32 and public_id.isascii() for public_id in public_ids)


def test_create_abandons_the_senders_unfinished_diagnostics(store: DiagnosticStore) -> None:
    first = store.create("alice")
    store.save_answer(first.id, "population", 3500, "answered", "3500")
    store.update_state(first.id, status="en_pause")
    other = store.create("bob")

    second = store.create("alice")

    assert store.get(first.id).status == "abandonne"
    assert store.answers(first.id)["population"].value == 3500  # data kept
    assert store.get(other.id).status == "en_cours"  # other senders untouched
    assert store.latest_for_sender("alice") == second

    store.update_state(second.id, status="termine")
    third = store.create("alice")
    assert store.get(second.id).status == "termine"  # finished diagnostics stay finished
    assert store.latest_for_sender("alice") == third


def test_latest_for_sender_ignores_abandoned_diagnostics(store: DiagnosticStore) -> None:
    finished = store.create("alice")
    store.update_state(finished.id, status="termine")
    current = store.create("alice")
    assert store.latest_for_sender("alice").id == current.id

    store.update_state(current.id, status="abandonne")
    assert store.latest_for_sender("alice").id == finished.id

    store.update_state(finished.id, status="abandonne")
    assert store.latest_for_sender("alice") is None


def test_unknown_diagnostics(store: DiagnosticStore) -> None:
    with pytest.raises(DiagnosticNotFoundError):
        store.get(12345)
    assert store.by_public_id("nope") is None
    with pytest.raises(DiagnosticNotFoundError):
        store.update_state(12345, status="en_pause")
    with pytest.raises(DiagnosticNotFoundError):
        store.save_answer(12345, "population", 10, "answered", "10")
    with pytest.raises(DiagnosticNotFoundError):
        store.save_result(12345, MATURITY, RECOMMENDATION)
    assert store.answers(12345) == {}
    assert store.revisions(12345, "population") == []
    assert store.result(12345) is None


@pytest.mark.parametrize("sender_id", ["", "x" * 256, None])
def test_create_rejects_bad_sender_ids(store: DiagnosticStore, sender_id) -> None:
    with pytest.raises(ValueError):
        store.create(sender_id)


# --- update_state --------------------------------------------------------------------


def test_update_state_changes_the_allowed_fields(store: DiagnosticStore) -> None:
    record = store.create("alice")
    paris = timezone(timedelta(hours=1))
    completed = datetime(2025, 3, 1, 12, 30, tzinfo=paris)

    updated = store.update_state(
        record.id,
        status="termine",
        current_question_id="donnees_rgpd",
        revising_question_id="population",
        failed_attempts=2,
        completed_at=completed,
    )

    assert updated.status == "termine"
    assert updated.current_question_id == "donnees_rgpd"
    assert updated.revising_question_id == "population"
    assert updated.failed_attempts == 2
    assert updated.completed_at == completed and is_utc(updated.completed_at)
    assert updated.completed_at.hour == 11
    assert updated.updated_at >= record.updated_at
    assert store.get(record.id) == updated

    cleared = store.update_state(record.id, revising_question_id=None, failed_attempts=0)
    assert cleared.revising_question_id is None and cleared.failed_attempts == 0
    assert cleared.current_question_id == "donnees_rgpd"


@pytest.mark.parametrize(
    "fields",
    [
        {"sender_id": "mallory"},
        {"public_id": "guessable"},
        {"population": 10},
        {"created_at": datetime.now(timezone.utc)},
        {"status": "perdu"},
        {"failed_attempts": -1},
        {"failed_attempts": "2"},
        {"completed_at": "2025-01-01"},
        {"current_question_id": "q" * 101},
    ],
)
def test_update_state_rejects_other_fields_and_bad_values(store: DiagnosticStore, fields) -> None:
    record = store.create("alice")
    with pytest.raises(ValueError):
        store.update_state(record.id, **fields)
    assert store.get(record.id) == record


# --- answers and revisions -----------------------------------------------------------


def test_save_answer_inserts_then_keeps_revisions_in_order(store: DiagnosticStore) -> None:
    record = store.create("alice")

    first = store.save_answer(record.id, "strategie_projet_formalise", "non", "answered", "non")
    assert first == Answer("strategie_projet_formalise", "non", "answered", "non")
    assert store.revisions(record.id, "strategie_projet_formalise") == []

    store.save_answer(record.id, "strategie_projet_formalise", "ne_sait_pas", "unknown", "je sais pas")
    last = store.save_answer(record.id, "strategie_projet_formalise", "oui", "answered", "oui en fait")

    assert store.answers(record.id) == {
        "strategie_projet_formalise": Answer("strategie_projet_formalise", "oui", "answered", "oui en fait")
    }
    assert last.is_known
    revisions = store.revisions(record.id, "strategie_projet_formalise")
    assert [(r.value, r.status, r.raw_text) for r in revisions] == [
        ("non", "answered", "non"),
        ("ne_sait_pas", "unknown", "je sais pas"),
    ]
    assert all(isinstance(r, Revision) for r in revisions)
    assert all(is_utc(r.answered_at) and is_utc(r.replaced_at) for r in revisions)
    assert revisions[0].answered_at <= revisions[0].replaced_at <= revisions[1].replaced_at
    assert revisions[0].replaced_at == revisions[1].answered_at
    assert count(store, AnswerRow) == 1
    assert count(store, AnswerRevisionRow) == 2


def test_answers_keep_json_values_and_are_per_diagnostic(store: DiagnosticStore) -> None:
    mine = store.create("alice")
    theirs = store.create("bob")
    store.save_answer(mine.id, "citoyens_attentes", ["mobilite", "dechets"], "answered", "mobilité, déchets")
    store.save_answer(mine.id, "infrastructures_surface_batiments", None, "unknown", "aucune idée")
    store.save_answer(mine.id, "nom_collectivite", None, "skipped", None)
    store.save_answer(mine.id, "donnees_outils_ouverts", {"nested": [1, 2.5, True, None]}, "answered", "x")
    store.save_answer(theirs.id, "citoyens_attentes", ["aucune"], "answered", "rien")

    answers = store.answers(mine.id)
    assert list(answers) == [
        "citoyens_attentes",
        "infrastructures_surface_batiments",
        "nom_collectivite",
        "donnees_outils_ouverts",
    ]
    assert answers["citoyens_attentes"].value == ["mobilite", "dechets"]
    assert answers["infrastructures_surface_batiments"] == Answer(
        "infrastructures_surface_batiments", None, "unknown", "aucune idée"
    )
    assert answers["nom_collectivite"].status == "skipped" and answers["nom_collectivite"].raw_text is None
    assert answers["donnees_outils_ouverts"].value == {"nested": [1, 2.5, True, None]}
    assert store.answers(theirs.id)["citoyens_attentes"].value == ["aucune"]
    assert store.revisions(theirs.id, "citoyens_attentes") == []


def test_save_answer_bumps_updated_at(store: DiagnosticStore) -> None:
    record = store.create("alice")
    store.save_answer(record.id, "population", 1200, "answered", "1200")
    assert store.get(record.id).updated_at >= record.updated_at


@pytest.mark.parametrize(
    ("question_id", "value", "status", "raw_text"),
    [
        ("population", 10, "perhaps", None),
        ("population", object(), "answered", None),
        ("population", float("nan"), "answered", None),
        ("population", 10, "answered", 42),
        ("", 10, "answered", None),
        ("q" * 101, 10, "answered", None),
    ],
)
def test_save_answer_rejects_bad_arguments(store: DiagnosticStore, question_id, value, status, raw_text):
    record = store.create("alice")
    with pytest.raises(ValueError):
        store.save_answer(record.id, question_id, value, status, raw_text)
    assert store.answers(record.id) == {}


def test_profile_answers_fill_the_profile_columns(store: DiagnosticStore) -> None:
    record = store.create("alice")
    store.save_answer(record.id, "type_collectivite", "commune", "answered", "une mairie")
    store.save_answer(record.id, "nom_collectivite", "Saint-Étienne", "answered", "Saint-Étienne")
    store.save_answer(record.id, "population", 172_000, "answered", "172 000")
    store.save_answer(record.id, "nombre_agents", 3500.0, "answered", "3500")
    store.save_answer(record.id, "role_repondant", "direction_generale", "answered", "DGS")

    profile = store.get(record.id)
    assert (
        profile.authority_type,
        profile.authority_name,
        profile.population,
        profile.agents,
        profile.respondent_role,
    ) == ("commune", "Saint-Étienne", 172_000, 3500, "direction_generale")
    assert isinstance(profile.agents, int)

    # Corrections, unknown and skipped answers clear the column.
    store.save_answer(record.id, "population", 180_000, "answered", "180 000")
    store.save_answer(record.id, "nombre_agents", None, "unknown", "je ne sais pas")
    store.save_answer(record.id, "nom_collectivite", None, "skipped", "passer")
    store.save_answer(record.id, "role_repondant", "elu", "unknown", "?")
    profile = store.get(record.id)
    assert profile.population == 180_000
    assert profile.agents is None
    assert profile.authority_name is None
    assert profile.respondent_role is None
    assert profile.authority_type == "commune"


@pytest.mark.parametrize(
    ("value", "expected"), [("3 500", 3500), ("12,4", 12), (True, None), ("beaucoup", None), ([1], None)]
)
def test_profile_numbers_are_coerced_or_dropped(store: DiagnosticStore, value, expected) -> None:
    record = store.create("alice")
    store.save_answer(record.id, "population", value, "answered", str(value))
    assert store.get(record.id).population == expected
    assert store.answers(record.id)["population"].value == value  # the answer itself is verbatim


def test_profile_columns_cover_the_questionnaires_profile_questions() -> None:
    profile_ids = {q.id for q in default_questionnaire().questions if q.is_profile}
    assert set(PROFILE_COLUMNS) == profile_ids


# --- results -------------------------------------------------------------------------


def test_save_result_upserts(store: DiagnosticStore) -> None:
    record = store.create("alice")
    assert store.result(record.id) is None

    store.save_result(record.id, MATURITY, RECOMMENDATION)
    first = store.result(record.id)
    assert first["maturity"] == MATURITY
    assert first["recommendation"] == RECOMMENDATION
    assert is_utc(datetime.fromisoformat(first["computed_at"]))

    second_maturity = {"overall": {"score": None, "level": None, "level_name": None, "coverage": 0.1}}
    store.save_result(record.id, second_maturity, {"codes": []})
    second = store.result(record.id)
    assert second["maturity"] == second_maturity
    assert second["recommendation"] == {"codes": []}
    assert second["computed_at"] >= first["computed_at"]
    assert count(store, ResultRow) == 1

    with store.engine.connect() as connection:
        row = connection.execute(select(ResultRow.__table__)).one()
    assert (row.overall_score, row.level, row.recommended_action) == (None, None, None)

    store.save_result(record.id, MATURITY, RECOMMENDATION)
    with store.engine.connect() as connection:
        row = connection.execute(select(ResultRow.__table__)).one()
    assert (row.overall_score, row.level, row.recommended_action) == (42.5, 2, "nommer_pilote")


def test_save_result_rejects_non_json_data(store: DiagnosticStore) -> None:
    record = store.create("alice")
    with pytest.raises(ValueError):
        store.save_result(record.id, {"overall": {"score": 1.0}, "when": datetime.now()}, RECOMMENDATION)
    with pytest.raises(ValueError):
        store.save_result(record.id, MATURITY, ["not", "a", "dict"])
    assert store.result(record.id) is None


# --- export --------------------------------------------------------------------------

EXPORT_KEYS = {
    "sender_id",
    "diagnostic_id",
    "status",
    "created_at",
    "updated_at",
    "completed_at",
    "current_question_id",
    "profile",
    "official",
    "answers",
    "maturity",
    "recommendations",
    "recommendation",
    "previous_diagnostic_id",  # the diagnostic a repeat repeats, and the progress since (issue 14)
    "progress",
}


def test_export_shape_and_json(store: DiagnosticStore) -> None:
    assert store.export("alice") is None
    record = store.create("alice")
    store.save_answer(record.id, "type_collectivite", "commune", "answered", "commune")
    store.save_answer(record.id, "population", 3000, "answered", "3000")
    store.save_answer(record.id, "population", 3600, "answered", "3600 en fait")
    store.update_state(
        record.id, status="termine", current_question_id=None, completed_at=datetime.now(timezone.utc)
    )
    store.save_result(record.id, MATURITY, RECOMMENDATION)

    exported = store.export("alice")

    assert set(exported) == EXPORT_KEYS
    assert json.loads(json.dumps(exported)) == exported
    assert exported["sender_id"] == "alice"
    assert exported["diagnostic_id"] == record.public_id
    assert exported["status"] == "termine"
    assert exported["current_question_id"] is None
    for key in ("created_at", "updated_at", "completed_at"):
        assert is_utc(datetime.fromisoformat(exported[key]))
    assert exported["profile"] == {
        "type_collectivite": "commune",
        "nom_collectivite": None,
        "population": 3600,
        "nombre_agents": None,
        "role_repondant": None,
    }
    population = exported["answers"]["population"]
    assert set(population) == {"value", "status", "raw_text", "source", "answered_at", "revisions"}
    assert (population["value"], population["status"], population["raw_text"]) == (
        3600,
        "answered",
        "3600 en fait",
    )
    assert len(population["revisions"]) == 1
    assert set(population["revisions"][0]) == {
        "value",
        "status",
        "raw_text",
        "source",
        "answered_at",
        "replaced_at",
    }
    assert population["revisions"][0]["value"] == 3000
    assert exported["answers"]["type_collectivite"]["revisions"] == []
    assert exported["maturity"] == MATURITY
    assert exported["recommendation"] == RECOMMENDATION
    assert exported["recommendations"] == ["nommer_pilote", "inventaire_donnees"]


def test_export_without_result(store: DiagnosticStore) -> None:
    store.create("alice")
    exported = store.export("alice")
    assert exported["maturity"] is None
    assert exported["recommendation"] is None
    assert exported["recommendations"] == []
    assert exported["answers"] == {}
    assert exported["completed_at"] is None
    json.dumps(exported)


def test_export_prefers_the_latest_diagnostic_that_is_not_abandoned(store: DiagnosticStore) -> None:
    finished = store.create("alice")
    store.update_state(finished.id, status="termine")
    later = store.create("alice")
    store.update_state(later.id, status="abandonne")
    assert store.export("alice")["diagnostic_id"] == finished.public_id

    store.update_state(finished.id, status="abandonne")
    assert store.export("alice")["diagnostic_id"] == later.public_id  # only abandoned: the latest

    newest = store.create("alice")
    assert store.export("alice")["diagnostic_id"] == newest.public_id
    assert store.export("bob") is None


# --- erasure -------------------------------------------------------------------------


def _fill(store: DiagnosticStore, sender_id: str) -> DiagnosticRecord:
    record = store.create(sender_id)
    store.save_answer(record.id, "population", 100, "answered", "100")
    store.save_answer(record.id, "population", 200, "answered", "200")
    store.save_answer(record.id, "donnees_rgpd", "oui", "answered", "oui")
    store.save_result(record.id, MATURITY, RECOMMENDATION)
    return record


def test_delete_sender_cascades_without_orphans(store: DiagnosticStore) -> None:
    _fill(store, "alice")
    _fill(store, "alice")  # the first one is abandoned, still erased
    kept = _fill(store, "bob")

    assert store.delete_sender("alice") == 2

    assert store.latest_for_sender("alice") is None
    assert store.export("alice") is None
    assert count(store, Diagnostic) == 1
    assert count(store, AnswerRow) == 2
    assert count(store, AnswerRevisionRow) == 1
    assert count(store, ResultRow) == 1
    with store.engine.connect() as connection:
        orphans = connection.scalar(
            select(func.count())
            .select_from(AnswerRow)
            .where(AnswerRow.diagnostic_id.not_in(select(Diagnostic.id)))
        )
    assert orphans == 0
    assert store.answers(kept.id)["population"].value == 200
    assert store.result(kept.id) is not None
    assert store.delete_sender("alice") == 0
    assert store.delete_sender("nobody") == 0


def test_foreign_keys_are_enforced(store: DiagnosticStore) -> None:
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(
            insert(AnswerRow.__table__).values(
                diagnostic_id=999,
                question_id="population",
                status="answered",
                answered_at=datetime.now(timezone.utc),
            )
        )


# --- hostile or unusual input --------------------------------------------------------


@pytest.mark.parametrize("text", BAD_TEXTS, ids=["long", "sql", "sql2", "html", "unicode", "format"])
def test_bad_values_are_stored_verbatim(store: DiagnosticStore, text: str) -> None:
    sender_id = text[:255]
    record = store.create(sender_id)
    store.save_answer(record.id, "nom_collectivite", text, "answered", text)
    store.save_answer(record.id, "citoyens_outil_lequel", text, "answered", text)
    store.save_answer(record.id, "citoyens_outil_lequel", [text, {"k": text}], "answered", text)

    assert store.get(record.id).authority_name == text
    answers = store.answers(record.id)
    assert answers["nom_collectivite"] == Answer("nom_collectivite", text, "answered", text)
    assert answers["citoyens_outil_lequel"].value == [text, {"k": text}]
    assert store.revisions(record.id, "citoyens_outil_lequel")[0].raw_text == text
    assert store.latest_for_sender(sender_id).id == record.id
    assert store.by_public_id(text) is None
    exported = store.export(sender_id)
    assert exported["answers"]["nom_collectivite"]["raw_text"] == text
    json.dumps(exported)
    # Nothing was dropped or deleted.
    assert set(inspect(store.engine).get_table_names()) >= {
        "diagnostics",
        "answers",
        "answer_revisions",
        "results",
    }
    assert count(store, AnswerRow) == 2
    assert store.delete_sender(sender_id) == 1


def test_nul_characters_are_dropped_from_text(store: DiagnosticStore) -> None:
    # PostgreSQL text cannot hold NUL: it is removed on every backend; JSON values keep it.
    record = store.create("alice")
    store.save_answer(record.id, "nom_collectivite", "Ly\x00on", "answered", "Ly\x00on")
    assert store.answers(record.id)["nom_collectivite"].raw_text == "Lyon"
    assert store.answers(record.id)["nom_collectivite"].value == "Ly\x00on"
    assert store.get(record.id).authority_name == "Lyon"


# --- persistence and migrations ------------------------------------------------------


def test_a_reopened_store_resumes_the_same_state(storage_url: str) -> None:
    first = DiagnosticStore.from_url(storage_url)
    try:
        record = first.create("alice")
        store_answer = first.save_answer(record.id, "population", 5000, "answered", "5000")
        first.update_state(record.id, current_question_id="nombre_agents", failed_attempts=1)
        expected = first.get(record.id)
    finally:
        first.engine.dispose()

    second = DiagnosticStore.from_url(storage_url)
    try:
        assert second.latest_for_sender("alice") == expected
        assert second.answers(record.id) == {"population": store_answer}
        assert second.get(record.id).current_question_id == "nombre_agents"
    finally:
        second.engine.dispose()


def _current_revision(engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_migrate_twice_is_harmless(storage_url: str) -> None:
    migrate(storage_url)
    engine = make_engine(storage_url)
    try:
        store = DiagnosticStore(engine)
        record = store.create("alice")
        store.save_answer(record.id, "population", 5000, "answered", "5000")

        migrate(storage_url)
        migrate(engine)

        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert head == "0009_peers"
        assert _current_revision(engine) == head
        assert store.answers(record.id)["population"].value == 5000
        assert store.latest_for_sender("alice") == store.get(record.id)
    finally:
        engine.dispose()


def test_concurrent_migrations_from_several_processes(storage_url: str) -> None:
    # Several services may start together on an empty database: one migrates, the others wait.
    code = "import sys; from bot.storage import migrate; migrate(sys.argv[1])"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, storage_url], cwd=REPO_ROOT, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    errors = [process.communicate(timeout=120)[1] for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, errors
    engine = make_engine(storage_url)
    try:
        assert _current_revision(engine) == "0009_peers"
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(storage_url: str) -> None:
    engine = make_engine(storage_url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_migrations_downgrade_and_upgrade_again(storage_url: str) -> None:
    engine = make_engine(storage_url)
    try:
        migrate(engine)
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate(engine)
        assert _current_revision(engine) == "0009_peers"
        assert DiagnosticStore(engine).create("alice").status == "en_cours"
    finally:
        engine.dispose()


def test_sqlite_connections_enforce_foreign_keys_after_migrate(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    try:
        migrate(engine)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_in_memory_sqlite_store() -> None:
    store = DiagnosticStore.from_url("sqlite://")
    try:
        record = store.create("alice")
        store.save_answer(record.id, "population", 10, "answered", "10")
        assert store.get(record.id).population == 10
    finally:
        store.engine.dispose()


# --- configuration -------------------------------------------------------------------


def test_database_url_from_environment(monkeypatch) -> None:
    monkeypatch.setenv("DIAGNOSTIC_DATABASE_URL", "postgresql+psycopg2://u@db/diag")
    assert database_url() == "postgresql+psycopg2://u@db/diag"


def test_database_url_default_is_an_absolute_sqlite_file(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("DIAGNOSTIC_DATABASE_URL", raising=False)
    monkeypatch.setattr(settings_module, "VAR_DIR", tmp_path / "var")
    url = database_url()
    assert url == f"sqlite:///{tmp_path / 'var' / 'diagnostic.db'}"
    assert Path(url.removeprefix("sqlite:///")).is_absolute()
    assert (tmp_path / "var").is_dir()

    monkeypatch.setenv("DIAGNOSTIC_DATABASE_URL", "  ")
    assert database_url() == url


def test_default_var_dir_is_in_the_repository() -> None:
    assert settings_module.VAR_DIR == REPO_ROOT / "var"


def test_storage_imports_neither_rasa_nor_a_database() -> None:
    code = (
        "import sys, bot.storage; "
        "assert not [m for m in sys.modules if m.split('.')[0] in ('rasa', 'rasa_sdk')]; "
        "assert 'psycopg2' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)
