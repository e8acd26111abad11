"""Erasure of conversations from both stores, on request or by retention, with an audit trail.

A conversation lives in two places: Rasa's tracker store (its events) and the diagnostic
store (diagnostics with answers, revisions, results; the review's rows about it). Both
are erased; the tracker first, so that a failure half-way leaves nothing the read model
would resurrect, and running the deletion again finishes it. Each deletion is written to
``audit_log`` (who, when, which sender id, how many rows) and to the Python log — never
what the person wrote.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine

from bot.review.db import locked_transaction
from bot.review.tracker import CHUNK, TrackerEvents
from bot.review.transcript import event_time
from bot.staff_text import staff_text
from bot.storage.models import Diagnostic, as_utc, utcnow
from bot.storage.repository import unlink_repeats
from bot.storage.review_models import (
    AuditRow,
    CorrectionRow,
    FlaggedTurnRow,
    ReviewRow,
    ReviewTagRow,
    SummaryRow,
)

logger = logging.getLogger(__name__)

diagnostics = Diagnostic.__table__
audit_log = AuditRow.__table__
_REVIEW_TABLES = (
    FlaggedTurnRow.__table__,
    SummaryRow.__table__,
    ReviewTagRow.__table__,
    ReviewRow.__table__,
)
corrections = CorrectionRow.__table__

_DURATION = re.compile(r"^\s*(\d{1,6})\s*([a-z]+)\s*$", re.IGNORECASE)
_UNITS = {"d": 1, "j": 1, "w": 7, "s": 7}
MAX_RETENTION_DAYS = 36_500


class DurationError(ValueError):
    """A retention period that cannot be read; the message (French) says what is expected."""


def parse_duration(text: str) -> timedelta:
    """``365d``, ``30d``, ``12w`` (also ``j`` for jours, ``s`` for semaines) → a timedelta."""
    match = _DURATION.match(text or "")
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _UNITS:
        raise DurationError(staff_text("duration_invalid", text=repr(text)))
    days = int(match.group(1)) * _UNITS[unit]
    if days < 1:
        raise DurationError(staff_text("duration_too_short"))
    if days > MAX_RETENTION_DAYS:
        raise DurationError(staff_text("duration_too_long", maximum=MAX_RETENTION_DAYS))
    return timedelta(days=days)


@dataclass(frozen=True)
class DeletionReport:
    sender_ids: tuple[str, ...]
    events: int
    diagnostics: int
    review_rows: int
    dry_run: bool = False

    @property
    def conversations(self) -> int:
        return len(self.sender_ids)


def record_audit(
    connection: Connection, actor: str, action: str, target: str | None, details: dict[str, Any] | None
) -> None:
    connection.execute(
        insert(audit_log).values(
            at=utcnow(), actor=actor[:254] or "?", action=action[:50], target=target, details=details
        )
    )


def _erase_in_store(connection: Connection, sender_ids: list[str]) -> tuple[int, int]:
    """Diagnostics (cascading to answers, revisions, results) and review rows of these senders."""
    diagnostic_count = review_count = 0
    for start in range(0, len(sender_ids), CHUNK):
        chunk = sender_ids[start : start + CHUNK]
        connection.execute(unlink_repeats(chunk))
        diagnostic_count += connection.execute(
            delete(diagnostics).where(diagnostics.c.sender_id.in_(chunk))
        ).rowcount
        for table in _REVIEW_TABLES:
            review_count += connection.execute(delete(table).where(table.c.sender_id.in_(chunk))).rowcount
        review_count += connection.execute(
            delete(corrections).where(corrections.c.source_sender_id.in_(chunk))
        ).rowcount
    return diagnostic_count, review_count


def delete_conversations(
    engine: Engine,
    tracker: TrackerEvents,
    sender_ids: Iterable[str],
    actor: str,
    action: str = "suppression",
    details: dict[str, Any] | None = None,
) -> DeletionReport:
    """Erase these conversations from both stores and record one audit entry per conversation.

    Corrections made from their messages are erased too: they are the person's words.
    """
    senders = sorted({sender for sender in sender_ids if sender})
    total_events = total_diagnostics = total_review = 0
    for start in range(0, len(senders), CHUNK):
        chunk = senders[start : start + CHUNK]
        # The lock keeps the read model's refresh from re-creating a summary half-way.
        with locked_transaction(engine) as connection:
            per_sender_events = tracker.activity(chunk)
            events = tracker.delete(chunk)
            diagnostic_count, review_count = _erase_in_store(connection, chunk)
            for sender in chunk:
                record_audit(
                    connection,
                    actor,
                    action,
                    sender,
                    {**(details or {}), "events": per_sender_events.get(sender, (None, None, 0))[2]},
                )
        total_events += events
        total_diagnostics += diagnostic_count
        total_review += review_count
    report = DeletionReport(
        sender_ids=tuple(senders),
        events=total_events,
        diagnostics=total_diagnostics,
        review_rows=total_review,
    )
    if senders:
        logger.info(
            "%s by %s: %d conversation(s)%s, %d event(s), %d diagnostic(s), %d review row(s)",
            action,
            actor,
            report.conversations,
            f" (sender_id={senders[0]})" if len(senders) == 1 else "",
            report.events,
            report.diagnostics,
            report.review_rows,
        )
    return report


def inactive_senders(engine: Engine, tracker: TrackerEvents, cutoff: datetime) -> list[str]:
    """Conversations whose last activity, in both stores, is before ``cutoff``."""
    last: dict[str, datetime] = {}
    for sender, (_, last_ts, _) in tracker.activity().items():
        moment = event_time(last_ts)
        if moment is not None:
            last[sender] = moment
        else:
            last.setdefault(sender, cutoff)  # no timestamp: keep it (never purge what we cannot date)
    with engine.connect() as connection:
        rows = connection.execute(
            select(diagnostics.c.sender_id, func.max(diagnostics.c.updated_at)).group_by(
                diagnostics.c.sender_id
            )
        ).all()
    for sender, updated in rows:
        moment = as_utc(updated if isinstance(updated, datetime) else datetime.fromisoformat(str(updated)))
        if sender not in last or moment > last[sender]:
            last[sender] = moment
    return sorted(sender for sender, moment in last.items() if moment < cutoff)


def purge(
    engine: Engine,
    tracker: TrackerEvents,
    older_than: timedelta,
    actor: str,
    dry_run: bool = False,
    now: datetime | None = None,
) -> DeletionReport:
    """Erase every conversation whose last activity is older than ``older_than``."""
    now = now or utcnow()
    cutoff = now - older_than
    senders = inactive_senders(engine, tracker, cutoff)
    if dry_run:
        activity = tracker.activity(senders) if senders else {}
        with engine.connect() as connection:
            diagnostic_count = 0
            for start in range(0, len(senders), CHUNK):
                chunk = senders[start : start + CHUNK]
                diagnostic_count += int(
                    connection.scalar(
                        select(func.count())
                        .select_from(diagnostics)
                        .where(diagnostics.c.sender_id.in_(chunk))
                    )
                    or 0
                )
        return DeletionReport(
            sender_ids=tuple(senders),
            events=sum(count for _, _, count in activity.values()),
            diagnostics=diagnostic_count,
            review_rows=0,
            dry_run=True,
        )
    report = delete_conversations(
        engine,
        tracker,
        senders,
        actor,
        action="purge",
        details={"older_than_days": older_than.days, "cutoff": cutoff.isoformat()},
    )
    logger.info(
        "purge by %s: older than %d days, %d conversation(s)", actor, older_than.days, report.conversations
    )
    with engine.begin() as connection:
        record_audit(
            connection,
            actor,
            "purge_terminee",
            None,
            {
                "older_than_days": older_than.days,
                "conversations": report.conversations,
                "events": report.events,
                "diagnostics": report.diagnostics,
            },
        )
    return report


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    target: str | None
    details: dict[str, Any] | None


def audit_entries(engine: Engine, limit: int = 100) -> list[AuditEntry]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
        ).all()
    return [AuditEntry(row.at, row.actor, row.action, row.target, row.details) for row in rows]
