"""Rasa's SQL tracker store, without rereading the whole conversation at every message.

Rasa's ``SQLTrackerStore`` reads every event of the session at each message, decodes and
replays them (``retrieve``), then counts the stored events again (``SELECT count(*)``) to know
which ones to insert (``save``): a turn costs more as the conversation grows (benchmarks/load.md,
« Profil d'un tour »). :class:`CachingSQLTrackerStore` keeps, per conversation, the tracker it
last loaded or saved, and how many of its events are stored:

- ``retrieve`` asks the database for the lowest and highest event id stored for the
  conversation (one indexed query). Same ids: the kept tracker is the stored one. A higher
  highest id: another Rasa server sharing the database went on with the conversation, and only
  the newer events are read and applied (all of them again when one starts a new session). A
  lower one, another lowest id or none: the conversation was erased (bot/review/deletion.py),
  and the store reads it whole, as Rasa does.
- ``save`` checks the same two ids, inserts the events after those already stored, and
  remembers the new highest id: no recount. When anything does not match (ids moved, a tracker
  the store did not hand out, a save that failed), it does exactly what ``SQLTrackerStore`` does
  and forgets the conversation; the next ``retrieve`` reads it whole.
- A tracker handed out by ``retrieve`` is not handed out again until it is saved: a message
  that fails halfway (its events never saved) leaves nothing behind in the cache.
- At most ``max_cached_conversations`` conversations are kept (least recently used dropped).

Several Rasa servers on one database stay correct because every ``retrieve`` and ``save`` checks
the database, and one conversation's messages are handled one at a time (the lock store), so
its event ids grow in the order they are committed. With an event broker, the store behaves as
``SQLTrackerStore`` (its diff needs a fresh read). channels/health.py watches this store as any
other. Importing this module applies channels/rasa_speedups.py (see below).
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import Session

from channels import rasa_speedups

# Every Rasa start imports this module (endpoints.yml names the class below as its tracker
# store): the one hook through which the RemoteAction patches are applied, explicitly, once.
rasa_speedups.apply()

logger = logging.getLogger(__name__)
DEFAULT_MAX_CACHED_CONVERSATIONS = 100

# The range of a conversation's event ids (``_id_range``, twice a turn) read from one index of
# (sender_id, id). With Rasa's index on sender_id alone, PostgreSQL answers min(id) / max(id) by
# walking the primary key through every conversation's events: 4 to 5 ms a call at 80 users in
# `make bench-scale`, nearly all of PostgreSQL's time, growing with the table (benchmarks/load.md).
EVENTS_BY_CONVERSATION = sa.Index(
    "ix_events_sender_id_id", SQLTrackerStore.SQLEvent.sender_id, SQLTrackerStore.SQLEvent.id
)


@dataclass
class CachedTracker:
    """A conversation's tracker as stored, with the range of its stored event ids."""

    tracker: DialogueStateTracker
    first_id: int  # lowest id stored for the conversation, all sessions: changes when it is erased
    last_id: int  # highest id stored for the conversation
    stored: int  # how many of tracker.events are stored
    lent: bool = False  # handed out by retrieve, not saved since


class CachingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` with a bounded per-conversation cache, checked against the database."""

    def __init__(
        self, *args: Any, max_cached_conversations: int = DEFAULT_MAX_CACHED_CONVERSATIONS, **kwargs: Any
    ) -> None:
        self._cache: OrderedDict[str, CachedTracker] = OrderedDict()
        self.max_cached_conversations = int(max_cached_conversations)
        super().__init__(*args, **kwargs)
        # Rasa creates the table (and this index with it) only when the table is missing.
        EVENTS_BY_CONVERSATION.create(bind=self.engine, checkfirst=True)

    @property
    def domain(self) -> Domain:
        return self._domain

    @domain.setter
    def domain(self, domain: Domain | None) -> None:
        # The kept trackers hold the former domain's slots.
        self._domain = domain or Domain.empty()
        self._cache.clear()

    def cached_conversations(self) -> list[str]:
        """The conversations kept in memory, least recently used first."""
        return list(self._cache)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        if self.event_broker is not None:
            return await super().retrieve(sender_id)
        with self.session_scope() as session:
            first_id, last_id = self._id_range(session, sender_id)
            cached = self._cache.pop(sender_id, None)
            if (
                cached is not None
                and self._still_stored(cached, first_id, last_id)
                and (last_id == cached.last_id or self._apply_newer_events(session, cached))
            ):
                cached.lent = True
                self._keep(sender_id, cached)
                return cached.tracker
            return self._load(session, sender_id, first_id, last_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        sender_id = tracker.sender_id
        cached = self._cache.pop(sender_id, None)
        if self.event_broker is not None or cached is None or cached.tracker is not tracker:
            await self._save_counting(tracker)
            return
        with self.session_scope() as session:
            if self._id_range(session, sender_id) != (cached.first_id, cached.last_id):
                cached = None
            else:
                new_events = list(itertools.islice(tracker.events, cached.stored, None))
                last_new_id = self._insert(session, sender_id, new_events)
                session.commit()
        if cached is None:
            await self._save_counting(tracker)
            return
        if any(isinstance(event, SessionStarted) for event in new_events):
            return  # the tracker holds the former session too: read the new one next time
        if last_new_id is not None:
            cached.last_id = last_new_id
        cached.stored = len(tracker.events)
        cached.lent = False
        self._keep(sender_id, cached)

    async def _save_counting(self, tracker: DialogueStateTracker) -> None:
        """``SQLTrackerStore.save``; keeps the tracker when it is all the stored session."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            query = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False)
            already_stored = query.count()
            new_events = list(itertools.islice(tracker.events, already_stored, len(tracker.events)))
            last_new_id = self._insert(session, tracker.sender_id, new_events)
            first_id, last_id = self._id_range(session, tracker.sender_id)
            session.commit()
        logger.debug("Tracker with sender_id '%s' stored to database", tracker.sender_id)
        # A new conversation: every event of the tracker was just stored.
        new_conversation = already_stored == 0 and last_new_id is not None
        if self.event_broker is None and new_conversation and self._cacheable(tracker, new_events):
            self._keep(
                tracker.sender_id,
                CachedTracker(tracker, first_id=first_id, last_id=last_id, stored=len(tracker.events)),
            )

    def _insert(self, session: Session, sender_id: str, new_events: list[Event]) -> int | None:
        """Adds the events as ``SQLTrackerStore.save`` does, in one statement (the ORM would send
        one INSERT per event, each a round trip made on Rasa's event loop); the highest id given."""
        if not new_events:
            return None
        rows = []
        for event in new_events:
            data = event.as_dict()
            rows.append({
                "sender_id": sender_id,
                "type_name": event.type_name,
                "timestamp": data.get("timestamp"),
                "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                "action_name": data.get("name"),
                "data": json.dumps(data),
            })  # fmt: skip
        table = self.SQLEvent.__table__
        statement = sa.insert(table).values(rows)
        dialect = session.get_bind().dialect
        if dialect.implicit_returning:  # PostgreSQL
            return max(session.execute(statement.returning(table.c.id)).scalars())
        result = session.execute(statement)
        if dialect.name == "sqlite":  # the last row's id (no RETURNING in SQLAlchemy 1.4)
            return result.lastrowid
        return self._id_range(session, sender_id)[1]  # the conversation is locked: ours

    def _id_range(self, session: Session, sender_id: str) -> tuple[int | None, int | None]:
        first_id, last_id = session.execute(
            sa.select(sa.func.min(self.SQLEvent.id), sa.func.max(self.SQLEvent.id)).where(
                self.SQLEvent.sender_id == sender_id
            )
        ).one()
        return first_id, last_id

    @staticmethod
    def _still_stored(cached: CachedTracker, first_id: int | None, last_id: int | None) -> bool:
        """The kept tracker is the stored one, or the start of it."""
        return (
            not cached.lent
            and last_id is not None
            and first_id == cached.first_id
            and last_id >= cached.last_id
            # nothing appended since it was saved (a holder that did not save)
            and len(cached.tracker.events) == cached.stored
        )

    def _apply_newer_events(self, session: Session, cached: CachedTracker) -> bool:
        """Applies the events stored after the kept ones; False when they start a new session."""
        rows = (
            session.query(self.SQLEvent)
            .filter(self.SQLEvent.sender_id == cached.tracker.sender_id, self.SQLEvent.id > cached.last_id)
            .order_by(self.SQLEvent.id)
            .all()
        )
        if any(row.type_name == SessionStarted.type_name for row in rows):
            return False
        newer = [Event.from_parameters(json.loads(row.data)) for row in rows]
        if any(event is None for event in newer):
            return False
        for event in newer:
            # As DialogueStateTracker.from_events replays them (update() would add model ids).
            cached.tracker.events.append(event)
            event.apply_to(cached.tracker)
        cached.last_id = rows[-1].id
        cached.stored = len(cached.tracker.events)
        return True

    def _load(
        self, session: Session, sender_id: str, first_id: int | None, last_id: int | None
    ) -> DialogueStateTracker | None:
        """The session read whole, as ``SQLTrackerStore._retrieve`` does, and kept (lent)."""
        rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
        if not rows:
            logger.debug("Can't retrieve tracker matching sender id '%s'.", sender_id)
            return None
        events = [json.loads(row.data) for row in rows]
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        # Kept only when the rows are exactly the tracker's events and the newest stored ones
        # (not when an event could not be read, or one was stored between the two queries).
        if first_id is not None and len(tracker.events) == len(rows) and rows[-1].id == last_id:
            cached = CachedTracker(tracker, first_id=first_id, last_id=last_id, stored=len(rows), lent=True)
            self._keep(sender_id, cached)
        return tracker

    @staticmethod
    def _cacheable(tracker: DialogueStateTracker, new_events: list[Event]) -> bool:
        return tracker.events.maxlen is None and not any(
            isinstance(event, SessionStarted) for event in new_events[1:]
        )

    def _keep(self, sender_id: str, cached: CachedTracker) -> None:
        if cached.tracker.events.maxlen is not None:
            return
        self._cache[sender_id] = cached
        while len(self._cache) > self.max_cached_conversations:
            self._cache.popitem(last=False)
