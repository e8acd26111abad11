"""Transactions of the review on the diagnostic store, serialised where they must be."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine

from bot.storage.engine import one_writer_at_a_time

# Serialises the read-model refresh and deletions across processes on PostgreSQL.
_PG_REVIEW_LOCK_KEY = 0x72657669  # "revi"


@contextmanager
def locked_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction that holds the review lock until it ends.

    SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock at once (other writers wait,
    readers go on). PostgreSQL: a transaction-scoped advisory lock. Keep these short: the
    action server writes to the same database.
    """
    with engine.connect() as connection, connection.begin():
        one_writer_at_a_time(connection, _PG_REVIEW_LOCK_KEY)
        yield connection
