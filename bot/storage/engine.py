"""Database URL and engine factory (nothing is connected at import time)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool

DATABASE_URL_ENV = "DIAGNOSTIC_DATABASE_URL"
REPO_ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = REPO_ROOT / "var"
DEFAULT_DATABASE_NAME = "diagnostic.db"


def database_url() -> str:
    """``$DIAGNOSTIC_DATABASE_URL``, or a SQLite file ``<repo>/var/diagnostic.db`` (absolute path).

    The ``var/`` directory is created when the default is used.
    """
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    if url:
        return url
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(VAR_DIR / DEFAULT_DATABASE_NAME).resolve()}"


def _enable_sqlite_foreign_keys(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """A 2.0-style engine for ``url`` (default: :func:`database_url`).

    SQLite connections enforce foreign keys (``PRAGMA foreign_keys=ON``) and an
    in-memory SQLite database is shared by every session of the engine.
    """
    parsed = make_url(url or database_url())
    options: dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            options.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        elif not parsed.query.get("uri"):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    else:
        options["pool_pre_ping"] = True
    engine = create_engine(parsed, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine
