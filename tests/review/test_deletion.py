"""Deletion of a conversation from both stores, retention purge, audit trail."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.review import DurationError, parse_duration
from bot.review.tracker import events
from bot.storage.models import AnswerRow, Diagnostic, ResultRow
from bot.storage.review_models import CorrectionRow, FlaggedTurnRow, ReviewRow, ReviewTagRow, SummaryRow
from tests.review.conftest import NOW, STAFF, Stores


def count(engine, table, **where) -> int:
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(getattr(table.c if hasattr(table, "c") else table, column) == value)
    with engine.connect() as connection:
        return int(connection.scalar(query))


def rows_of(stores: Stores, sender_id: str) -> dict[str, int]:
    diagnostic_engine = stores.diagnostics.engine
    return {
        "events": count(stores.review.tracker.engine, events, sender_id=sender_id),
        "diagnostics": count(diagnostic_engine, Diagnostic.__table__, sender_id=sender_id),
        "summaries": count(diagnostic_engine, SummaryRow.__table__, sender_id=sender_id),
        "flagged": count(diagnostic_engine, FlaggedTurnRow.__table__, sender_id=sender_id),
        "reviews": count(diagnostic_engine, ReviewRow.__table__, sender_id=sender_id),
        "tags": count(diagnostic_engine, ReviewTagRow.__table__, sender_id=sender_id),
        "corrections": count(diagnostic_engine, CorrectionRow.__table__, source_sender_id=sender_id),
    }


def test_delete_conversation_removes_it_from_both_stores(seeded: Stores, caplog) -> None:
    review = seeded.review
    review.list_conversations(now=NOW)
    review.mark_reviewed("alice", by=STAFF)
    review.set_tags("alice", "rgpd", by=STAFF)
    fallback = next(turn for turn in review.conversation_detail("alice").turns if turn.flag == "fallback")
    review.correct_turn("alice", fallback.user.event_id, "other_language", by=STAFF)
    before = rows_of(seeded, "alice")
    assert all(before.values()), before
    answers_before = count(seeded.diagnostics.engine, AnswerRow.__table__)

    with caplog.at_level(logging.INFO, logger="bot.review.deletion"):
        report = review.delete_conversation("alice", actor=STAFF)

    assert rows_of(seeded, "alice") == dict.fromkeys(before, 0)
    assert (report.conversations, report.events, report.diagnostics) == (1, before["events"], 1)
    assert count(seeded.diagnostics.engine, AnswerRow.__table__) == answers_before - 3  # cascaded
    assert count(seeded.diagnostics.engine, ResultRow.__table__) == 1  # sql's only
    assert review.conversation_detail("alice") is None
    assert "alice" not in [item.sender_id for item in review.list_conversations(now=NOW).items]
    assert rows_of(seeded, "bob")["events"] > 0  # the others are untouched
    entry = review.audit_log()[0]
    assert (entry.actor, entry.action, entry.target, entry.details["events"]) == (
        STAFF,
        "suppression",
        "alice",
        before["events"],
    )
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "sender_id=alice" in logged and STAFF in logged
    assert "zorglub" not in logged and "douze" not in logged  # no personal data in the log


def test_deleting_twice_or_an_unknown_conversation_is_harmless(seeded: Stores) -> None:
    seeded.review.delete_conversation("dave", actor=STAFF)
    report = seeded.review.delete_conversation("dave", actor=STAFF)
    assert (report.events, report.diagnostics, report.review_rows) == (0, 0, 0)


def test_the_read_model_does_not_resurrect_a_deleted_conversation(seeded: Stores) -> None:
    review = seeded.review
    review.refresh()
    review.delete_conversation("carol", actor=STAFF)
    assert review.refresh(full=True).full
    assert "carol" not in review.sender_ids()


@pytest.mark.parametrize(
    ("text", "days"),
    [("365d", 365), ("30d", 30), ("12w", 84), ("1j", 1), (" 2 W ", 14), ("52s", 364)],
)
def test_parse_duration(text: str, days: int) -> None:
    assert parse_duration(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["", "365", "d", "-3d", "0d", "3x", "1y", "10 jours", "99999999d", "1e3d"])
def test_parse_duration_refuses_bad_values_in_french(text: str) -> None:
    with pytest.raises(DurationError, match=r"Durée invalide|au moins un jour|ne peut dépasser"):
        parse_duration(text)


def test_purge_removes_conversations_inactive_in_both_stores(seeded: Stores) -> None:
    review = seeded.review
    dry = review.purge(timedelta(days=15), actor=STAFF, dry_run=True, now=NOW)
    # alice (20 days) and carol (30 days); sql is 10 days old, eve's diagnostic 3 days.
    assert dry.dry_run and dry.sender_ids == ("alice", "carol") and dry.diagnostics == 2 and dry.events > 0
    assert rows_of(seeded, "alice")["events"] > 0  # a dry run deletes nothing

    report = review.purge(timedelta(days=15), actor=STAFF, now=NOW)

    assert report.sender_ids == ("alice", "carol")
    assert rows_of(seeded, "alice")["events"] == 0 and rows_of(seeded, "carol")["diagnostics"] == 0
    assert sorted(review.sender_ids(now=NOW)) == ["bob", "dave", "eve", "sql"]
    actions = [entry.action for entry in review.audit_log()]
    assert actions.count("purge") == 2 and "purge_terminee" in actions


def test_recent_activity_in_either_store_keeps_a_conversation(seeded: Stores) -> None:
    # carol's events are 30 days old but her diagnostic was touched yesterday.
    seeded.backdate("carol", NOW - timedelta(days=30), NOW - timedelta(days=1))
    assert seeded.review.purge(timedelta(days=15), actor=STAFF, dry_run=True, now=NOW).sender_ids == (
        "alice",
    )
