"""Database URL and engine factory (nothing is connected at import time)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import StaticPool

from bot.settings import database_url

# How long a statement waits for a lock held by another writer (SQLite's busy timeout,
# PostgreSQL's lock_timeout) before failing cleanly: long enough for a brief lock, short
# enough to answer the person well within the action server's and the door's timeouts.
LOCK_TIMEOUT_SECONDS = 5.0
# How long connecting to a PostgreSQL server may take before the turn fails.
CONNECT_TIMEOUT_SECONDS = 5
# A pooled PostgreSQL connection idle this long (seconds) is checked before it is used again.
PING_AFTER_IDLE_SECONDS = 1.0


def _enable_sqlite_foreign_keys(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def ping_after_idle(engine: Engine, idle: float, clock: Callable[[], float] = time.monotonic) -> None:
    """Before a pooled connection that has been idle ``idle`` seconds or more is used again, ask
    the server whether it is still there (``SELECT 1``); a dead one is replaced by a new one.

    SQLAlchemy's ``pool_pre_ping`` asks before every use: one more round trip and one more
    statement for the server at every turn, though under load a connection is back in use
    within milliseconds. A connection that dies while in use (the server restarted during a
    turn) fails its statement: SQLAlchemy then drops every connection of the pool, and the
    turn is refused cleanly (bot/storage/faults.py), as a turn during the outage is.
    """
    dbapi_error = engine.dialect.dbapi.Error

    def note_idle(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = clock()

    def check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or clock() - idle_since < idle:
            return
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        except dbapi_error as error:
            raise DisconnectionError("connexion morte, remplacée") from error
        finally:
            cursor.close()

    event.listen(engine.pool, "checkin", note_idle)
    event.listen(engine.pool, "checkout", check)


def make_engine(
    url: str | None = None,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> Engine:
    """A 2.0-style engine for ``url`` (default: :func:`database_url`).

    SQLite connections enforce foreign keys (``PRAGMA foreign_keys=ON``) and an
    in-memory SQLite database is shared by every session of the engine.

    A database that fails for a while needs no restart: a statement waits at most
    ``lock_timeout`` seconds for another writer's lock (unless the URL sets SQLite's
    ``timeout``), connecting to PostgreSQL at most :data:`CONNECT_TIMEOUT_SECONDS`, and
    PostgreSQL connections idle for :data:`PING_AFTER_IDLE_SECONDS` are checked before use
    (:func:`ping_after_idle`; ``clock``: monotonic seconds), so those left dead by a restart
    of the server are replaced by new ones; SQLite file connections are opened for each use
    (SQLAlchemy 1.4's ``NullPool``), so none outlives a fault.
    """
    parsed = make_url(url or database_url())
    options: dict[str, Any] = {"future": True}
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            options["poolclass"] = StaticPool
            connect_args["check_same_thread"] = False
        elif not parsed.query.get("uri"):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        if "timeout" not in parsed.query:
            connect_args["timeout"] = lock_timeout
    else:
        if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg2":
            if "connect_timeout" not in parsed.query:
                connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
            server_options = parsed.query.get("options") or ""
            if "lock_timeout" not in str(server_options):
                joined = " ".join(server_options) if isinstance(server_options, tuple) else server_options
                connect_args["options"] = f"{joined} -c lock_timeout={round(lock_timeout * 1000)}".strip()
    if connect_args:
        options["connect_args"] = connect_args
    engine = create_engine(parsed, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    else:
        ping_after_idle(engine, PING_AFTER_IDLE_SECONDS, clock)
    return engine


def one_writer_at_a_time(connection: Connection, key: int, wait_as_long_as_needed: bool = False) -> None:
    """Take, at the start of ``connection``'s transaction, the lock that makes writers run one
    after the other until the transaction ends.

    SQLite: ``BEGIN IMMEDIATE`` (pysqlite only opens transactions before writing) takes the
    database's write lock at once; other writers wait, readers go on. PostgreSQL: the
    transaction-scoped advisory lock ``key``; ``wait_as_long_as_needed`` lifts the lock timeout
    of ordinary statements (:data:`LOCK_TIMEOUT_SECONDS`) for a writer that may wait for a long one.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        if wait_as_long_as_needed:
            connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
