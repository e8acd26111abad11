"""Read (and erase) access to Rasa's SQL tracker store: the ``events`` table.

Rasa keeps every event of every conversation in one table
(id, sender_id, type_name, timestamp, intent_name, action_name, data as JSON text) and has
no endpoint that lists conversations; this module reads that table directly. Its URL is
built from the same environment variables as ``endpoints.yml``, exactly as Rasa's
``SQLTrackerStore`` builds it. Nothing here imports Rasa.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib import parse

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    func,
    select,
)
from sqlalchemy.engine import URL, Engine, make_url

from bot.records import from_attributes
from bot.settings import tracker_store_settings

# Rasa's own variable: a PostgreSQL schema for the tracker tables (search_path).
POSTGRESQL_SCHEMA_ENV = "POSTGRESQL_SCHEMA"
# Sender ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits.
CHUNK = 500

tracker_metadata = MetaData()

# The table of rasa.core.tracker_store.SQLTrackerStore.SQLEvent (Rasa 3.6), column for column.
events = Table(
    "events",
    tracker_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def tracker_url(environ: Mapping[str, str] = os.environ) -> str:
    """The tracker store's URL, from TRACKER_DIALECT, TRACKER_URL and TRACKER_DB.

    The same rules as ``SQLTrackerStore.get_db_url`` for ``endpoints.yml`` (``url`` is passed
    as ``host``): a TRACKER_URL containing ``://`` is used as is; otherwise it is a host
    (``db.example:5432`` allowed) and the URL is ``dialect://host:port/TRACKER_DB``.
    Unset variables take the Makefile's defaults (sqlite, ``<repo>/var/tracker.db``).
    """
    named = tracker_store_settings(environ)
    dialect, host, db = named.dialect, named.host, named.db
    port: int | None = None
    if host and "://" in host:
        return host
    if host:
        parsed = parse.urlsplit(f"scheme://{host}")
        port = parsed.port or port
        host = parsed.hostname or host
    url = URL.create(dialect, None, None, host, port, database=db)
    return url.render_as_string(hide_password=False)


def make_tracker_engine(url: str | None = None, environ: Mapping[str, str] = os.environ) -> Engine:
    """An engine on the tracker store (default: :func:`tracker_url`), nothing connected yet."""
    parsed = make_url(url or tracker_url(environ))
    options: dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "postgresql":
        options["pool_pre_ping"] = True
        schema = environ.get(POSTGRESQL_SCHEMA_ENV, "").strip()
        if schema:
            options["connect_args"] = {"options": f"-csearch_path={schema}"}
    elif parsed.get_backend_name() == "sqlite":
        # Rasa writes while we read: wait for its short transactions instead of failing.
        options["connect_args"] = {"timeout": 15}
    return create_engine(parsed, **options)


@dataclass(frozen=True)
class Event:
    """One row of the events table, with its JSON decoded."""

    id: int
    sender_id: str
    type_name: str
    timestamp: float | None
    intent_name: str | None
    action_name: str | None
    data: dict[str, Any]


def _decode(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _chunks(values: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    chunk: list[str] = []
    for value in values:
        chunk.append(value)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class TrackerEvents:
    """The events table of one tracker store. A missing table reads as an empty store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._table_seen = False

    def _has_table(self) -> bool:
        if not self._table_seen:
            with self.engine.connect() as connection:
                self._table_seen = connection.dialect.has_table(connection, "events")
        return self._table_seen

    def create_table(self) -> None:
        """Create the events table as Rasa would (tests, benchmark); existing tables are kept."""
        tracker_metadata.create_all(self.engine)
        self._table_seen = True

    def max_id(self) -> int:
        if not self._has_table():
            return 0
        with self.engine.connect() as connection:
            return int(connection.scalar(select(func.max(events.c.id))) or 0)

    def senders_after(self, event_id: int) -> set[str]:
        """Sender ids with at least one event whose id is greater than ``event_id``."""
        if not self._has_table():
            return set()
        with self.engine.connect() as connection:
            return set(
                connection.scalars(select(events.c.sender_id).where(events.c.id > event_id).distinct())
            )

    def senders_between(self, low: int, high: int) -> set[str]:
        """Sender ids with an event whose id is in ``(low, high]``."""
        if not self._has_table():
            return set()
        with self.engine.connect() as connection:
            return set(
                connection.scalars(
                    select(events.c.sender_id).where(events.c.id > low, events.c.id <= high).distinct()
                )
            )

    def count_between(self, low: int, high: int) -> int:
        """Number of events whose id is in ``(low, high]`` (cheap: a primary-key range)."""
        if not self._has_table():
            return 0
        with self.engine.connect() as connection:
            return int(
                connection.scalar(
                    select(func.count()).select_from(events).where(events.c.id > low, events.c.id <= high)
                )
                or 0
            )

    def all_senders(self) -> set[str]:
        if not self._has_table():
            return set()
        with self.engine.connect() as connection:
            return set(connection.scalars(select(events.c.sender_id).distinct()))

    def events_of(self, sender_id: str) -> list[Event]:
        """Every event of a conversation, in Rasa's order (by id), all sessions."""
        if not self._has_table():
            return []
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(events).where(events.c.sender_id == sender_id).order_by(events.c.id)
            ).all()
        return [self._event(row) for row in rows]

    def events_of_many(
        self, sender_ids: Iterable[str], types: Iterable[str] | None = None
    ) -> Iterator[Event]:
        """Events of several conversations, grouped by sender, each in Rasa's order."""
        if not self._has_table():
            return
        wanted = None if types is None else list(types)
        for chunk in _chunks(sorted(set(sender_ids))):
            query = select(events).where(events.c.sender_id.in_(chunk))
            if wanted is not None:
                query = query.where(events.c.type_name.in_(wanted))
            with self.engine.connect() as connection:
                rows = connection.execute(query.order_by(events.c.sender_id, events.c.id)).all()
            for row in rows:
                yield self._event(row)

    def activity(
        self, sender_ids: Iterable[str] | None = None
    ) -> dict[str, tuple[float | None, float | None, int]]:
        """``{sender_id: (first timestamp, last timestamp, number of events)}``.

        For the given senders, or for every sender of the store when ``sender_ids`` is None.
        """
        if not self._has_table():
            return {}
        columns = (
            events.c.sender_id,
            func.min(events.c.timestamp),
            func.max(events.c.timestamp),
            func.count(events.c.id),
        )
        result: dict[str, tuple[float | None, float | None, int]] = {}
        with self.engine.connect() as connection:
            if sender_ids is None:
                rows = connection.execute(select(*columns).group_by(events.c.sender_id)).all()
            else:
                rows = []
                for chunk in _chunks(set(sender_ids)):
                    rows.extend(
                        connection.execute(
                            select(*columns).where(events.c.sender_id.in_(chunk)).group_by(events.c.sender_id)
                        ).all()
                    )
        for sender_id, first, last, count in rows:
            result[sender_id] = (first, last, int(count))
        return result

    def delete(self, sender_ids: Iterable[str]) -> int:
        """Erase every event of these conversations; returns the number of events removed."""
        if not self._has_table():
            return 0
        removed = 0
        with self.engine.begin() as connection:
            for chunk in _chunks(set(sender_ids)):
                removed += (
                    connection.execute(delete(events).where(events.c.sender_id.in_(chunk))).rowcount or 0
                )
        return removed

    @staticmethod
    def _event(row: Any) -> Event:
        return from_attributes(Event, row, data=_decode(row.data))


__all__ = [
    "Event",
    "TrackerEvents",
    "events",
    "make_tracker_engine",
    "tracker_url",
]
