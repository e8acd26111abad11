"""Rasa's tracker store fails (issue 11): said in Rasa's log and the door's health, then resumed.

Rasa's ``FailSafeTrackerStore`` keeps the conversation in memory when its database fails,
silently; channels/health.py watches the real store. The e2e test locks Rasa's SQLite file
(another writer holding an exclusive transaction) for one message, then frees it. The unit
tests check the watch and the start-up fallback (Rasa stops so that the supervisor restarts it).
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import httpx
import pytest
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain

from channels.health import FALLBACK_EXIT_STATUS, TrackerStoreState, stop_on_memory_fallback, watch
from tests.faults.conftest import Stack, question_of
from tests.faults.test_action_server import ANSWERS, assert_stored_once, start_diagnostic


@pytest.mark.e2e
def test_a_failing_tracker_store_is_reported_then_resumes(stack: Stack) -> None:
    stack.wait_all_up()
    sender, question = start_diagnostic(stack, answered=1)
    assert question["question_id"] == "type_collectivite"
    assert stack.health()["tracker_store"] == "ok"
    log = stack.log_dir / "rasa.log"
    log_before = len(log.read_text(errors="replace"))

    writer = sqlite3.connect(stack.tracker_db, timeout=1, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    try:
        # The diagnostic itself is stored elsewhere: the user goes on, but Rasa's transcript
        # of this message is only in memory, and that must not be silent.
        # Rasa waits for its database (SQLite's busy timeout) longer than the door waits for
        # Rasa: the user may first get the door's 504, then the retry of the same message
        # gets its answer, sent to Rasa once (bot/web/ledger.py).
        body = {"sender": sender, "message": ANSWERS["type_collectivite"][0], "message_id": "tracker-store-1"}
        for _ in range(3):
            response = httpx.post(f"{stack.door_url}/api/messages", json=body, timeout=120)
            if response.status_code != 504:
                break
        assert response.status_code == 200, response.text
        sender, messages = response.json()["sender"], response.json()["messages"]
        assert question_of(messages)["question_id"] == "population"
        health = stack.health()
        assert health["status"] == "degrade" and health["tracker_store"] == "en_panne", health
        assert "Stockage des conversations de Rasa en panne" in log.read_text(errors="replace")[log_before:]
    finally:
        writer.execute("ROLLBACK")
        writer.close()

    sender, messages = stack.say(sender, ANSWERS["population"][0])
    assert question_of(messages)["question_id"] == "nombre_agents"
    health = stack.health()
    assert health["status"] == "ok" and health["tracker_store"] == "ok", health
    assert "Stockage des conversations de Rasa rétabli" in log.read_text(errors="replace")[log_before:]
    assert_stored_once(stack, sender, ["type_collectivite", "nom_collectivite", "population"])


class BrokenStore(InMemoryTrackerStore):
    """Fails while ``broken`` is set."""

    broken = False

    async def save(self, tracker: Any) -> None:
        if self.broken:
            raise OSError("disque plein")
        await super().save(tracker)


def test_the_watch_reports_failures_and_recovery(caplog: pytest.LogCaptureFixture) -> None:
    from rasa.shared.core.trackers import DialogueStateTracker

    primary = BrokenStore(Domain.empty())
    store = FailSafeTrackerStore(primary)
    state = TrackerStoreState(clock=lambda: 1000.0)
    watch(store, state)
    assert state.in_memory is False  # a subclass stands for the real store here
    tracker = DialogueStateTracker("quelqu-un", [])

    primary.broken = True
    asyncio.run(store.save(tracker))  # Rasa's fail-safe keeps it in memory, silently
    assert state.as_json()["tracker_store"] == "en_panne"
    assert "disque plein" in state.as_json()["erreur"]
    assert "Stockage des conversations de Rasa en panne" in caplog.text

    primary.broken = False
    asyncio.run(store.save(tracker))
    assert state.as_json() == {"tracker_store": "ok", "depuis": None, "erreur": "OSError: disque plein"}
    assert "rétabli" in caplog.text


def test_a_start_on_memory_stops_rasa_for_the_supervisor(caplog: pytest.LogCaptureFixture) -> None:
    """What Rasa does when its database did not answer at start-up: InMemoryTrackerStore."""
    state = TrackerStoreState()
    store: TrackerStore = FailSafeTrackerStore(InMemoryTrackerStore(Domain.empty()))
    watch(store, state)
    assert state.as_json()["tracker_store"] == "memoire"
    exits: list[int] = []
    stop_on_memory_fallback(state, exit=exits.append)
    assert exits == [FALLBACK_EXIT_STATUS]
    assert "redémarré" in caplog.text


def test_a_real_store_is_not_stopped() -> None:
    state = TrackerStoreState()
    watch(FailSafeTrackerStore(BrokenStore(Domain.empty())), state)
    exits: list[int] = []
    stop_on_memory_fallback(state, exit=exits.append)
    assert exits == []
