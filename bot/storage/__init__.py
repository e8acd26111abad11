"""The diagnostic store: SQLAlchemy models, Alembic migrations and a repository.

Use ``DiagnosticStore.from_url()`` (URL from ``$DIAGNOSTIC_DATABASE_URL``, default a
SQLite file in ``var/``); nothing connects to a database at import time.
"""

# Registers the review tables (issue 4) and the official administrative division (issue 13)
# on the shared metadata, for migrations and checks.
from bot.storage import division_models, review_models  # noqa: F401
from bot.storage.engine import database_url, make_engine
from bot.storage.faults import STORAGE_ERRORS, describe_fault
from bot.storage.migrate import migrate
from bot.storage.repository import (
    DiagnosticNotFoundError,
    DiagnosticRecord,
    DiagnosticStore,
    OfficialAuthority,
    Revision,
)

__all__ = [
    "STORAGE_ERRORS",
    "DiagnosticNotFoundError",
    "DiagnosticRecord",
    "DiagnosticStore",
    "OfficialAuthority",
    "Revision",
    "database_url",
    "describe_fault",
    "make_engine",
    "migrate",
]
