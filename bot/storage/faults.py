"""Which fault of the diagnostic database an error shows, in a few words for the logs.

The actions catch :data:`STORAGE_ERRORS` (SQLAlchemy's errors, which wrap the drivers'
ones, and a raw ``sqlite3`` error should one escape) and log :func:`describe_fault`: an
operator reads at once whether the database was locked, read-only, full or unreachable.
No database driver is imported here.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

STORAGE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, sqlite3.Error)

LOCKED = "locked by another writer"
READ_ONLY = "read-only"
DISK_FULL = "disk full"
DISK_ERROR = "disk write error (disk full or failing)"
UNREACHABLE = "unreachable"
BUSY = "no free connection"
UNEXPECTED = "unexpected database error"

# PostgreSQL error codes (SQLSTATE) and classes.
_PG_CODES = {
    "25006": READ_ONLY,  # read_only_sql_transaction
    "53100": DISK_FULL,  # disk_full
    "55P03": LOCKED,  # lock_not_available (lock_timeout)
    "40P01": LOCKED,  # deadlock_detected
    "57P01": UNREACHABLE,  # admin_shutdown
    "57P02": UNREACHABLE,  # crash_shutdown
    "57P03": UNREACHABLE,  # cannot_connect_now (starting up, shutting down)
}
_PG_CLASSES = {"08": UNREACHABLE, "53": DISK_FULL, "58": DISK_ERROR}

# Words of the drivers' messages (SQLite has no error codes in Python 3.10's sqlite3).
_MESSAGES = (
    ("database is locked", LOCKED),
    ("database table is locked", LOCKED),
    ("database schema is locked", LOCKED),
    ("readonly database", READ_ONLY),
    ("read-only transaction", READ_ONLY),
    ("database or disk is full", DISK_FULL),
    ("no space left on device", DISK_FULL),
    ("disk i/o error", DISK_ERROR),
    ("unable to open database file", UNREACHABLE),
    ("could not connect", UNREACHABLE),
    ("connection refused", UNREACHABLE),
    ("server closed the connection", UNREACHABLE),
    ("terminating connection", UNREACHABLE),
    ("connection already closed", UNREACHABLE),
    ("no connection to the server", UNREACHABLE),
    ("the database system is", UNREACHABLE),  # starting up, shutting down, in recovery mode
    ("timeout expired", UNREACHABLE),
    ("ssl syscall error", UNREACHABLE),
)


def describe_fault(error: BaseException) -> str:
    """``locked by another writer``, ``read-only``, ``disk full``, ``unreachable``…"""
    if isinstance(error, PoolTimeoutError):
        return BUSY
    original = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    code = getattr(original, "pgcode", None)
    if isinstance(code, str) and code:
        if code in _PG_CODES:
            return _PG_CODES[code]
        if code[:2] in _PG_CLASSES:
            return _PG_CLASSES[code[:2]]
    message = str(original).lower()
    for words, fault in _MESSAGES:
        if words in message:
            return fault
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return UNREACHABLE
    return UNEXPECTED


def error_summary(error: BaseException) -> str:
    """The driver's own error, on one line (``OperationalError: database is locked``)."""
    original = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    text = " ".join(str(original).split())
    return f"{type(original).__name__}: {text}"[:500]
