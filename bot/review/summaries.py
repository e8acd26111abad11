"""The read model of the tracker store: one summary row per conversation, kept up to date.

Listing 10,000 conversations must not read 200,000 events. The summary table
(``review_summaries``, in the diagnostic store) holds per-conversation aggregates — first
and last event, number of user turns, fallbacks and low-confidence turns, the typed
texts for the search — and ``review_flagged_turns`` holds every misunderstood message.

:func:`refresh` is incremental: it remembers the highest event id it has read and only
recomputes the conversations that received events since then, plus the senders of new
diagnostics. It also remembers how many events sat in the last ``OVERLAP`` ids below the
mark: if that count changed, a transaction committed late (PostgreSQL hands out ids before
commit) or events were erased, and the senders of that window are recomputed too. Each
affected conversation is recomputed from all its events, so a refresh is idempotent. A
change of the confidence threshold or of the read model's version, or a tracker store that
shrank, triggers a full rebuild.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from bot.review.db import locked_transaction
from bot.review.text import is_payload, search_key
from bot.review.tracker import CHUNK, TrackerEvents
from bot.review.transcript import event_time, user_message
from bot.storage.models import Diagnostic, as_utc, utcnow
from bot.storage.review_models import FlaggedTurnRow, ReviewStateRow, SummaryRow

logger = logging.getLogger(__name__)

summaries = SummaryRow.__table__
flagged_turns = FlaggedTurnRow.__table__
review_state = ReviewStateRow.__table__
diagnostics = Diagnostic.__table__

TRACKER_MARK = "tracker_event_id"
WINDOW_COUNT = "tracker_window_count"
DIAGNOSTIC_MARK = "diagnostic_id"
THRESHOLD_KEY = "confidence_threshold"
VERSION_KEY = "version"
# Bump when the summaries gain or change a column: the next refresh rebuilds them all.
READ_MODEL_VERSION = "2"
# Event ids re-read below the mark: events committed late, out of id order, are not missed.
OVERLAP = 1000
# Conversations recomputed per (locked) transaction.
BATCH = 200


@dataclass(frozen=True)
class RefreshReport:
    full: bool
    conversations: int  # summaries recomputed
    removed: int  # summaries deleted (conversation gone from both stores)
    tracker_mark: int
    seconds: float


def _state(connection: Connection) -> dict[str, str]:
    return dict(connection.execute(select(review_state.c.key, review_state.c.value)).all())


def _set_state(connection: Connection, values: dict[str, str]) -> None:
    existing = set(connection.scalars(select(review_state.c.key).where(review_state.c.key.in_(list(values)))))
    for key, value in values.items():
        if key in existing:
            connection.execute(update(review_state).where(review_state.c.key == key).values(value=value))
        else:
            connection.execute(insert(review_state).values(key=key, value=value))


def _threshold_text(threshold: float) -> str:
    return repr(float(threshold))


def refresh(engine: Engine, tracker: TrackerEvents, threshold: float, full: bool = False) -> RefreshReport:
    """Bring the summaries up to date with the tracker store and the diagnostics."""
    started = time.perf_counter()
    with engine.connect() as connection:
        state = _state(connection)
        diagnostic_max = int(connection.scalar(select(func.max(diagnostics.c.id))) or 0)
    tracker_max = tracker.max_id()
    tracker_mark = int(state.get(TRACKER_MARK, "0"))
    diagnostic_mark = int(state.get(DIAGNOSTIC_MARK, "0"))
    window_count = int(state.get(WINDOW_COUNT, "0"))
    if (
        state.get(THRESHOLD_KEY) != _threshold_text(threshold)
        or state.get(VERSION_KEY) != READ_MODEL_VERSION
        or tracker_max < tracker_mark
    ):
        full = True

    removed = 0
    if full:
        senders = tracker.all_senders()
        with engine.connect() as connection:
            senders |= set(connection.scalars(select(diagnostics.c.sender_id).distinct()))
            known = set(connection.scalars(select(summaries.c.sender_id)))
        gone = known - senders
        for chunk in _chunks(gone):
            with locked_transaction(engine) as connection:
                _delete_summaries(connection, chunk)
        removed = len(gone)
    else:
        senders = set()
        if tracker_max > tracker_mark:
            senders |= tracker.senders_after(tracker_mark)
        # Events committed late, with ids below the mark, change the count under it.
        if tracker.count_between(tracker_mark - OVERLAP, tracker_mark) != window_count:
            senders |= tracker.senders_between(tracker_mark - OVERLAP, tracker_mark)
        if diagnostic_max > diagnostic_mark:
            with engine.connect() as connection:
                senders |= set(
                    connection.scalars(
                        select(diagnostics.c.sender_id).where(diagnostics.c.id > diagnostic_mark).distinct()
                    )
                )

    batches = _chunks(senders, BATCH)
    changed = bool(senders) or full or tracker_max != tracker_mark or diagnostic_max != diagnostic_mark
    new_state = {
        TRACKER_MARK: str(tracker_max),
        DIAGNOSTIC_MARK: str(diagnostic_max),
        THRESHOLD_KEY: _threshold_text(threshold),
        VERSION_KEY: READ_MODEL_VERSION,
    }
    for index, chunk in enumerate(batches):
        with locked_transaction(engine) as connection:
            removed += _recompute(connection, tracker, chunk, threshold)
            if index == len(batches) - 1:  # the marks move with the last batch, in one commit
                new_state[WINDOW_COUNT] = str(tracker.count_between(tracker_max - OVERLAP, tracker_max))
                _set_state(connection, new_state)
    if changed and not batches:
        with locked_transaction(engine) as connection:
            new_state[WINDOW_COUNT] = str(tracker.count_between(tracker_max - OVERLAP, tracker_max))
            _set_state(connection, new_state)
    report = RefreshReport(
        full=full,
        conversations=len(senders),
        removed=removed,
        tracker_mark=tracker_max,
        seconds=time.perf_counter() - started,
    )
    if senders or removed:
        logger.info(
            "review read model refreshed: %d conversation(s), %d removed, full=%s, %.2f s",
            report.conversations,
            report.removed,
            report.full,
            report.seconds,
        )
    return report


def _chunks(values: Iterable[str], size: int = CHUNK) -> list[list[str]]:
    ordered = sorted(values)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def _delete_summaries(connection: Connection, sender_ids: list[str]) -> None:
    connection.execute(delete(flagged_turns).where(flagged_turns.c.sender_id.in_(sender_ids)))
    connection.execute(delete(summaries).where(summaries.c.sender_id.in_(sender_ids)))


def _recompute(
    connection: Connection, tracker: TrackerEvents, sender_ids: list[str], threshold: float
) -> int:
    """Replace the summaries of these senders (inside the caller's locked transaction).

    Returns how many of them no longer exist in either store (their summary is dropped).
    """
    activity = tracker.activity(sender_ids)
    current = _current_diagnostics(connection, sender_ids)
    counts: dict[str, dict[str, int]] = {
        s: {"turns": 0, "fallbacks": 0, "low_confidence": 0} for s in sender_ids
    }
    texts: dict[str, list[str]] = {s: [] for s in sender_ids}
    flagged: list[dict] = []
    for event in tracker.events_of_many(sender_ids, types=["user"]):
        message = user_message(event, threshold)
        count = counts[event.sender_id]
        count["turns"] += 1
        typed = not is_payload(message.text) and message.text.strip()
        if typed:
            texts[event.sender_id].append(search_key(message.text))
        if message.flag is None:
            continue
        count["fallbacks" if message.flag == "fallback" else "low_confidence"] += 1
        flagged.append(
            {
                "sender_id": event.sender_id,
                "event_id": event.id,
                "at": message.at,
                "text": message.text,
                "normalized_text": search_key(message.text),
                "kind": message.flag,
                "intent": message.intent,
                "confidence": message.confidence,
                "best_guess": message.best_guess,
            }
        )

    now = utcnow()
    rows = []
    missing = 0
    for sender_id in sender_ids:
        first_ts, last_ts, event_count = activity.get(sender_id, (None, None, 0))
        first_event, last_event = event_time(first_ts), event_time(last_ts)
        diagnostic = current.get(sender_id)
        if not event_count and diagnostic is None:
            missing += 1
            continue
        starts = [moment for moment in (first_event, diagnostic and diagnostic.first_created) if moment]
        started_at = min(starts) if starts else now
        lasts = [moment for moment in (last_event, diagnostic and diagnostic.updated_at) if moment]
        rows.append(
            {
                "sender_id": sender_id,
                "started_at": started_at,
                "last_event_at": last_event,
                "diagnostic_id": diagnostic and diagnostic.id,
                "last_activity_at": max(lasts) if lasts else started_at,
                "events": event_count,
                **counts[sender_id],
                "search_text": "\n".join(texts[sender_id]),
                "refreshed_at": now,
            }
        )
    _delete_summaries(connection, sender_ids)
    if rows:
        connection.execute(insert(summaries), rows)
    if flagged:
        connection.execute(insert(flagged_turns), flagged)
    return missing


@dataclass(frozen=True)
class _Current:
    id: int
    updated_at: datetime
    first_created: datetime  # the sender's first diagnostic


def _current_diagnostics(connection: Connection, sender_ids: list[str]) -> dict[str, _Current]:
    """Each sender's current diagnostic, chosen as ``DiagnosticStore.export`` does:
    the latest not abandoned, else the latest."""
    rows = connection.execute(
        select(
            diagnostics.c.id,
            diagnostics.c.sender_id,
            diagnostics.c.status,
            diagnostics.c.created_at,
            diagnostics.c.updated_at,
        ).where(diagnostics.c.sender_id.in_(sender_ids))
    ).all()
    by_sender: dict[str, list] = {}
    for row in rows:
        by_sender.setdefault(row.sender_id, []).append(row)
    chosen = {}
    for sender_id, candidates in by_sender.items():
        best = min(
            candidates,
            key=lambda row: (row.status == "abandonne", -as_utc(row.created_at).timestamp(), -row.id),
        )
        chosen[sender_id] = _Current(
            id=best.id,
            updated_at=as_utc(best.updated_at),
            first_created=min(as_utc(row.created_at) for row in candidates),
        )
    return chosen
