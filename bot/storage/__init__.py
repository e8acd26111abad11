"""The diagnostic store: SQLAlchemy models, Alembic migrations and a repository.

Use ``DiagnosticStore.from_url()`` (URL from ``$DIAGNOSTIC_DATABASE_URL``, default a
SQLite file in ``var/``); nothing connects to a database at import time.
"""

from bot.storage.engine import database_url, make_engine
from bot.storage.migrate import migrate
from bot.storage.repository import DiagnosticNotFoundError, DiagnosticRecord, DiagnosticStore, Revision

__all__ = [
    "DiagnosticNotFoundError",
    "DiagnosticRecord",
    "DiagnosticStore",
    "Revision",
    "database_url",
    "make_engine",
    "migrate",
]
