"""Bring a database to the latest schema (``alembic upgrade head``, without alembic.ini)."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

from bot.storage.engine import make_engine, one_writer_at_a_time

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Serialises concurrent migrations on PostgreSQL (two processes starting together).
_PG_LOCK_KEY = 0x64696167  # "diag"
# Alembic's ``context`` is a process-wide proxy: one migration at a time per process.
_PROCESS_LOCK = threading.Lock()


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration built in code, pointing at ``bot/storage/migrations``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    with _PROCESS_LOCK:
        _upgrade_locked(connection)


def _upgrade_locked(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch migrations copy, drop and rename tables: with foreign keys enforced,
        # dropping a parent table would cascade-delete its children. The pragma only
        # takes effect outside a transaction, hence the commit around it.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    try:
        with connection.begin():
            # Serialise processes migrating the same database at start-up: the second one
            # waits, then finds the schema at head. On SQLite the write lock taken at once also
            # makes the DDL transactional; waiting for another process's migration may take
            # longer than the lock timeout of ordinary statements.
            one_writer_at_a_time(connection, _PG_LOCK_KEY, wait_as_long_as_needed=True)
            command.upgrade(alembic_config(connection), "head")
            if sqlite:
                problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise RuntimeError(f"migration left dangling foreign keys: {problems[:5]}")
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def migrate(engine_or_url: Engine | str | None = None) -> None:
    """Upgrade the database to the latest revision; running it again does nothing.

    Accepts an engine (left open) or a URL (default: :func:`bot.storage.engine.database_url`).
    """
    if isinstance(engine_or_url, Engine):
        with engine_or_url.connect() as connection:
            _upgrade(connection)
        return
    engine = make_engine(engine_or_url)
    try:
        with engine.connect() as connection:
            _upgrade(connection)
    finally:
        engine.dispose()
