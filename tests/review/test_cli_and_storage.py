"""The commands (staff, export-nlu, exports, delete, purge), the tracker URL, the migration."""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml
from alembic import command
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.__main__ import main
from bot.review import Review, tracker_url
from bot.review import cli as review_cli
from bot.review.accounts import StaffAccounts
from bot.storage import DiagnosticStore, make_engine, migrate
from bot.storage.migrate import alembic_config
from tests.review.conftest import NOW, STAFF, Stores

PASSWORD = "un mot de passe solide"


@pytest.fixture
def cli(seeded: Stores, monkeypatch):
    """Runs ``python -m bot`` (in process) on the test's stores."""
    monkeypatch.setenv("DIAGNOSTIC_DATABASE_URL", seeded.database_url)
    monkeypatch.delenv("DIAGNOSTIC_STAFF_PASSWORD", raising=False)
    # The commands measure durations (purge) from the tests' frozen moment.
    monkeypatch.setattr(
        review_cli,
        "_review",
        lambda args: Review.from_env(args.database_url, args.tracker_url, clock=lambda: NOW),
    )

    def run(*args: str) -> int:
        return main(["--tracker-url", seeded.tracker_url, *args])

    return run


# --- staff accounts ------------------------------------------------------------------------------


def test_staff_add_list_remove(cli, seeded: Stores, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DIAGNOSTIC_STAFF_PASSWORD", PASSWORD)
    assert cli("staff", "add", "Claire@Plateforme.example") == 0
    assert "Compte créé : claire@plateforme.example (relecteur)" in capsys.readouterr().out
    assert cli("staff", "add", "claire@plateforme.example") == 1
    assert "existe déjà" in capsys.readouterr().err
    assert cli("staff", "add", "bruno@plateforme.example", "--role", "administrateur") == 0
    assert "Compte créé : bruno@plateforme.example (administrateur)" in capsys.readouterr().out
    assert cli("staff", "list") == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].startswith("bruno@plateforme.example\tadministrateur\t")
    assert listing[1].startswith("claire@plateforme.example\trelecteur\t")
    accounts = StaffAccounts(seeded.diagnostics.engine)
    assert accounts.authenticate("claire@plateforme.example", PASSWORD) is not None
    assert cli("staff", "remove", "claire@plateforme.example") == 0
    assert cli("staff", "remove", "claire@plateforme.example") == 1
    assert "Aucun compte" in capsys.readouterr().err
    assert cli("staff", "remove", "bruno@plateforme.example") == 0
    assert cli("staff", "list") == 0
    assert "Aucun compte" in capsys.readouterr().out


def test_staff_role_and_roles(cli, seeded: Stores, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DIAGNOSTIC_STAFF_PASSWORD", PASSWORD)
    cli("staff", "add", "claire@plateforme.example")
    assert cli("staff", "role", "claire@plateforme.example", "administrateur") == 0
    assert "claire@plateforme.example est maintenant administrateur" in capsys.readouterr().out
    assert StaffAccounts(seeded.diagnostics.engine).by_email("claire@plateforme.example").is_admin
    assert cli("staff", "role", "personne@plateforme.example", "relecteur") == 1
    assert "Aucun compte" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli("staff", "role", "claire@plateforme.example", "superviseur")
    with pytest.raises(SystemExit):
        cli("staff", "add", "x@plateforme.example", "--role", "admin")
    assert cli("staff", "roles") == 0
    roles = capsys.readouterr().out
    assert "relecteur\t" in roles and "administrateur\t" in roles and "exports" in roles


@pytest.mark.parametrize("weak", ["aaaaaaaaaaaa", "motdepasse123", "azertyuiop12"])
def test_staff_commands_refuse_weak_passwords(cli, seeded: Stores, monkeypatch, capsys, weak: str) -> None:
    monkeypatch.setenv("DIAGNOSTIC_STAFF_PASSWORD", weak)
    assert cli("staff", "add", "claire@plateforme.example") == 1
    assert "trop facile à deviner" in capsys.readouterr().err
    monkeypatch.setenv("DIAGNOSTIC_STAFF_PASSWORD", PASSWORD)
    assert cli("staff", "add", "claire@plateforme.example") == 0
    monkeypatch.setenv("DIAGNOSTIC_STAFF_PASSWORD", weak)
    assert cli("staff", "password", "claire@plateforme.example") == 1
    assert "trop facile à deviner" in capsys.readouterr().err
    accounts = StaffAccounts(seeded.diagnostics.engine)
    assert accounts.authenticate("claire@plateforme.example", PASSWORD) is not None


def test_staff_add_asks_the_password_twice(cli, seeded: Stores, monkeypatch, capsys) -> None:
    answers = iter([PASSWORD, PASSWORD, PASSWORD, "autre chose !!!!", "court", "court"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="", stream=None: next(answers))
    assert cli("staff", "add", "a@plateforme.example") == 0
    assert cli("staff", "add", "b@plateforme.example") == 1
    assert "différents" in capsys.readouterr().err
    assert cli("staff", "add", "c@plateforme.example") == 1
    assert "au moins 12 caractères" in capsys.readouterr().err
    assert [u.email for u in StaffAccounts(seeded.diagnostics.engine).list_users()] == [
        "a@plateforme.example"
    ]


def test_staff_password_changes_it_and_ends_the_sessions(cli, seeded: Stores, monkeypatch) -> None:
    monkeypatch.setenv("DIAGNOSTIC_STAFF_PASSWORD", PASSWORD)
    cli("staff", "add", "claire@plateforme.example")
    accounts = StaffAccounts(seeded.diagnostics.engine)
    version = accounts.by_email("claire@plateforme.example").session_version
    monkeypatch.setenv("DIAGNOSTIC_STAFF_PASSWORD", "un autre mot de passe")
    assert cli("staff", "password", "claire@plateforme.example") == 0
    assert accounts.authenticate("claire@plateforme.example", "un autre mot de passe") is not None
    assert accounts.by_email("claire@plateforme.example").session_version == version + 1


# --- exports -------------------------------------------------------------------------------------


def test_export_nlu_command(cli, seeded: Stores, tmp_path, capsys) -> None:
    seeded.review.add_correction("ouais carrément", "answer", by=STAFF)
    seeded.review.add_correction("oui bien sûr", "answer", by=STAFF)
    output = tmp_path / "out" / "relecture.yml"
    assert cli("export-nlu", "--output", str(output)) == 0
    assert yaml.safe_load(output.read_text(encoding="utf-8"))["nlu"] == [
        {"intent": "answer", "examples": "- ouais carrément\n"}
    ]
    err = capsys.readouterr().err
    assert "1 exemple(s) exporté(s)" in err and "déjà dans les données" in err
    assert cli("export-nlu") == 0
    assert capsys.readouterr().out.startswith('version: "3.1"')


def test_export_commands(cli, capsys) -> None:
    assert cli("export-diagnostics") == 0
    assert len(list(csv.DictReader(io.StringIO(capsys.readouterr().out)))) == 5
    assert cli("export-diagnostics", "--format", "json") == 0
    assert len(json.loads(capsys.readouterr().out)) == 5
    assert cli("export-transcripts") == 0
    assert len(json.loads(capsys.readouterr().out)) == 5


# --- deletion --------------------------------------------------------------------------------------


def test_delete_command(cli, seeded: Stores, monkeypatch, capsys) -> None:
    monkeypatch.setattr("builtins.input", lambda prompt="": "non")
    assert cli("delete", "bob") == 1
    assert "Rien n'a été supprimé" in capsys.readouterr().err
    monkeypatch.setattr("builtins.input", lambda prompt="": "oui")
    assert cli("delete", "bob") == 0
    assert "Conversation supprimée" in capsys.readouterr().out
    assert seeded.review.conversation_detail("bob") is None
    assert cli("delete", "bob", "--yes") == 1
    assert "Aucune donnée" in capsys.readouterr().err
    assert seeded.review.audit_log()[0].actor.startswith("ligne de commande")


def test_purge_command(cli, seeded: Stores, capsys) -> None:
    assert cli("purge", "--older-than", "3 ans") == 2
    assert "Durée invalide" in capsys.readouterr().err
    assert cli("purge", "--older-than", "36500d", "--dry-run") == 0
    assert "0 conversation(s) sans activité depuis 36500 jours seraient supprimées" in capsys.readouterr().out
    # alice (20 days before NOW) and carol (30) are old enough.
    assert cli("purge", "--older-than", "2w") == 0
    assert "supprimée(s)" in capsys.readouterr().out
    remaining = set(seeded.review.sender_ids(now=NOW))
    assert remaining <= {"bob", "dave", "eve", "sql"} and not {"alice", "carol"} & remaining


# --- tracker URL -----------------------------------------------------------------------------------


ENVIRONMENTS = [
    {"TRACKER_DIALECT": "sqlite", "TRACKER_URL": "", "TRACKER_DB": "/srv/var/tracker.db"},
    {"TRACKER_DIALECT": "sqlite", "TRACKER_URL": "", "TRACKER_DB": "var/tracker.db"},
    {
        "TRACKER_DIALECT": "postgresql",
        "TRACKER_URL": "postgresql://diag:mot%40passe@db:5432/rasa",
        "TRACKER_DB": "x",
    },
    {"TRACKER_DIALECT": "postgresql", "TRACKER_URL": "db.example:6543", "TRACKER_DB": "rasa"},
    {"TRACKER_DIALECT": "postgresql", "TRACKER_URL": "db.example", "TRACKER_DB": "rasa"},
]


@pytest.mark.parametrize("environ", ENVIRONMENTS)
def test_tracker_url_is_the_one_rasa_builds(environ: dict[str, str]) -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    rasa_url = SQLTrackerStore.get_db_url(
        dialect=environ["TRACKER_DIALECT"], host=environ["TRACKER_URL"] or None, db=environ["TRACKER_DB"]
    )
    expected = rasa_url if isinstance(rasa_url, str) else rasa_url.render_as_string(hide_password=False)
    assert tracker_url(environ) == expected


def test_tracker_url_defaults_to_the_var_directory() -> None:
    url = tracker_url({})
    assert url.startswith("sqlite:////") and url.endswith("/var/tracker.db")


# --- migration ---------------------------------------------------------------------------------------


def test_migration_0002_keeps_the_diagnostics_and_goes_back(storage_url: str) -> None:
    engine = make_engine(storage_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0001")
            # Written as the 0001 schema stands (today's models have later columns).
            connection.exec_driver_sql(
                "INSERT INTO diagnostics (id, public_id, sender_id, status, failed_attempts,"
                " created_at, updated_at) VALUES (1, 'p1', 'alice', 'en_cours', 0,"
                " '2026-11-01 09:00:00', '2026-11-01 09:00:00')"
            )
            connection.exec_driver_sql(
                "INSERT INTO answers (id, diagnostic_id, question_id, value, status, raw_text, answered_at)"
                " VALUES (1, 1, 'population', '12000', 'answered', '12 000', '2026-11-01 09:00:00')"
            )
        migrate(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"staff_users", "review_conversations", "review_tags", "nlu_corrections"} <= tables
        assert {"review_summaries", "review_flagged_turns", "review_state", "audit_log"} <= tables
        assert DiagnosticStore(engine).answers(1)["population"].value == 12000
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0001")
        assert "staff_users" not in set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT raw_text FROM answers").scalar() == "12 000"
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == "0001"
    finally:
        engine.dispose()


def test_migration_0004_makes_existing_accounts_administrators(storage_url: str) -> None:
    engine = make_engine(storage_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0003")
            connection.exec_driver_sql(
                "INSERT INTO staff_users (email, password_hash, created_at, failed_attempts) "
                "VALUES ('ancien@plateforme.example', 'x', '2026-11-01 09:00:00', 3)"
            )
        migrate(engine)
        accounts = StaffAccounts(engine)
        old = accounts.by_email("ancien@plateforme.example")
        assert old is not None and old.is_admin and old.session_version == 0
        new = accounts.add("nouveau@plateforme.example", PASSWORD)
        assert new.role == "reviewer"
        columns = {column["name"] for column in inspect(engine).get_columns("staff_users")}
        assert "failed_attempts" not in columns and "locked_until" not in columns
        assert "staff_sessions" in inspect(engine).get_table_names()
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0003")
        assert "staff_sessions" not in inspect(engine).get_table_names()
        columns = {column["name"] for column in inspect(engine).get_columns("staff_users")}
        assert {"failed_attempts", "locked_until"} <= columns and "role" not in columns
    finally:
        engine.dispose()
