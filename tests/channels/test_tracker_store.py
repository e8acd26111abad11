"""channels/tracker_store.py: the same trackers and rows as Rasa's SQLTrackerStore, without
rereading the conversation, correct when two Rasa servers share the database, bounded."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import read_endpoint_config

from channels import rasa_speedups
from channels.health import TrackerStoreState, watch
from channels.tracker_store import CachingSQLTrackerStore
from tests.channels.conftest import ROOT, START, session_start, turn_events

SENDER = "conversation-0001"


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def state(tracker: DialogueStateTracker | None) -> dict[str, Any] | None:
    return None if tracker is None else tracker.current_state(EventVerbosity.ALL)


def rows(store: SQLTrackerStore, sender_id: str = SENDER) -> list[tuple]:
    """The stored events, without their ids."""
    table = store.SQLEvent.__table__
    with store.engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.select(table.c.type_name, table.c.timestamp, table.c.intent_name, table.c.action_name,
                          table.c.data).where(table.c.sender_id == sender_id).order_by(table.c.id)
            )
        ]  # fmt: skip


@pytest.fixture
def stores(tracker_url: str, domain: Domain) -> Iterator[Any]:
    """A factory of tracker stores on the test database; every engine disposed at the end."""
    made: list[SQLTrackerStore] = []

    def make(cls: type[SQLTrackerStore] = CachingSQLTrackerStore, **kwargs: Any) -> SQLTrackerStore:
        store = cls(domain=domain, host=tracker_url, **kwargs)
        made.append(store)
        return store

    yield make
    for store in made:
        store.engine.dispose()


async def one_turn(store: TrackerStore, sender_id: str, number: int) -> DialogueStateTracker:
    """A message handled as Rasa's processor does: fetch (or create), add the turn's events, save."""
    tracker = await store.get_or_create_tracker(sender_id, append_action_listen=False)
    at = START + 10 * number
    if not any(event.type_name == "session_started" for event in tracker.events):
        tracker.update_with_events(session_start(at - 1), None, override_timestamp=False)
    tracker.update_with_events(turn_events(number, at), None, override_timestamp=False)
    await store.save(tracker)
    return tracker


async def new_session(store: TrackerStore, sender_id: str, number: int) -> None:
    """The session expired: Rasa adds a new session start to the tracker it holds."""
    tracker = await store.retrieve(sender_id)
    tracker.update_with_events(session_start(START + 10 * number - 1), None, override_timestamp=False)
    await store.save(tracker)


def test_many_turns_give_sqltrackerstore_s_trackers_and_rows(stores: Any) -> None:
    caching, plain = stores(), stores(SQLTrackerStore)
    reference = stores(SQLTrackerStore)  # reads what the caching store wrote, as Rasa would

    async def scenario() -> None:
        for number in range(1, 41):
            if number == 25:
                await new_session(caching, SENDER, number)
                await new_session(plain, "plain", number)
            await one_turn(caching, SENDER, number)
            await one_turn(plain, "plain", number)
            from_cache = await caching.retrieve(SENDER)
            assert state(from_cache) == state(await reference.retrieve(SENDER)), number
            # Nothing appended: the same tracker goes back (the whole point: no rereading).
            await caching.save(from_cache)

    run(scenario())
    assert rows(caching) == rows(plain, "plain")
    assert state(run(caching.retrieve(SENDER))) == state(run(plain.retrieve("plain"))) | {"sender_id": SENDER}
    assert SENDER in caching.cached_conversations()


def test_the_cache_serves_the_tracker_it_saved_without_rereading_it(stores: Any) -> None:
    store = stores()
    run(one_turn(store, SENDER, 1))
    run(one_turn(store, SENDER, 2))
    saved = run(one_turn(store, SENDER, 3))
    assert run(store.retrieve(SENDER)) is saved


def test_two_servers_alternating_on_one_database_each_see_the_other_s_events(stores: Any) -> None:
    first, second, reference = stores(), stores(), stores(SQLTrackerStore)
    servers = [first, second]

    async def scenario() -> None:
        for number in range(1, 31):
            await one_turn(servers[number % 2], SENDER, number)
            expected = state(await reference.retrieve(SENDER))
            # Both kept the conversation in memory, and both must read the other's turns.
            for server in servers:
                tracker = await server.retrieve(SENDER)
                assert state(tracker) == expected, number
                await server.save(tracker)

    run(scenario())
    tracker = run(first.retrieve(SENDER))
    users = [event for event in tracker.events if event.type_name == "user"]
    assert [event.text for event in users] == [f"réponse {number}" for number in range(1, 31)]
    assert len(rows(reference)) == 3 + 30 * 5  # stored once each, none lost


def test_a_turn_on_the_other_server_is_applied_to_the_kept_tracker(stores: Any) -> None:
    first, second = stores(), stores()
    run(one_turn(first, SENDER, 1))  # starts the session: read whole at the next message
    kept = run(one_turn(first, SENDER, 2))
    run(one_turn(second, SENDER, 3))
    tracker = run(first.retrieve(SENDER))
    assert tracker is kept  # brought up to date, not reread
    assert tracker.latest_message.text == "réponse 3"
    run(one_turn(first, SENDER, 4))
    stored = [json.loads(row[4])["text"] for row in rows(first) if row[0] == "user"]
    assert stored == ["réponse 1", "réponse 2", "réponse 3", "réponse 4"]


def test_a_message_that_failed_before_its_save_leaves_nothing_in_the_cache(stores: Any) -> None:
    store, reference = stores(), stores(SQLTrackerStore)
    run(one_turn(store, SENDER, 1))
    run(one_turn(store, SENDER, 2))
    tracker = run(store.retrieve(SENDER))
    tracker.update(ActionExecuted("action_never_saved", timestamp=START + 500))
    # Not saved (the action server failed): the next message reads the stored conversation.
    again = run(store.retrieve(SENDER))
    assert again is not tracker
    assert state(again) == state(run(reference.retrieve(SENDER)))
    assert "action_never_saved" not in [event.as_dict().get("name") for event in again.events]


def test_a_tracker_lent_twice_is_read_from_the_database(stores: Any) -> None:
    store = stores()
    run(one_turn(store, SENDER, 1))
    run(one_turn(store, SENDER, 2))
    first = run(store.retrieve(SENDER))
    second = run(store.retrieve(SENDER))  # while the first one is held (not saved yet)
    assert second is not first
    assert state(second) == state(first)


def test_an_erased_conversation_is_not_served_from_the_cache(stores: Any) -> None:
    store, reference = stores(), stores(SQLTrackerStore)
    run(one_turn(store, SENDER, 1))
    run(one_turn(store, SENDER, 2))
    table = store.SQLEvent.__table__
    with store.engine.begin() as connection:  # bot/review/deletion.py erases a conversation so
        connection.execute(sa.delete(table).where(table.c.sender_id == SENDER))
    assert run(store.retrieve(SENDER)) is None
    run(one_turn(store, SENDER, 3))
    assert state(run(store.retrieve(SENDER))) == state(run(reference.retrieve(SENDER)))
    assert [event.text for event in run(store.retrieve(SENDER)).events if event.type_name == "user"] == [
        "réponse 3"
    ]


def test_the_cache_keeps_at_most_its_bound(stores: Any) -> None:
    store, reference = stores(max_cached_conversations=3), stores(SQLTrackerStore)
    senders = [f"conversation-{number:04d}" for number in range(6)]
    for number, sender in enumerate(senders, start=1):
        run(one_turn(store, sender, number))
        run(one_turn(store, sender, number + 1))
    assert store.cached_conversations() == senders[-3:]
    # The conversations dropped from memory are read from the database, as before.
    assert state(run(store.retrieve(senders[0]))) == state(run(reference.retrieve(senders[0])))
    assert store.cached_conversations() == [*senders[-2:], senders[0]]


def test_a_new_domain_empties_the_cache(stores: Any, domain: Domain) -> None:
    store = stores()
    run(one_turn(store, SENDER, 1))
    run(one_turn(store, SENDER, 2))
    assert store.cached_conversations() == [SENDER]
    store.domain = domain
    assert store.cached_conversations() == []


def test_a_failing_database_is_reported_not_hidden_by_the_cache(stores: Any) -> None:
    store = stores()
    state_ = TrackerStoreState(clock=lambda: 1000.0)
    watch(store, state_)
    run(one_turn(store, SENDER, 1))
    run(one_turn(store, SENDER, 2))
    assert state_.as_json()["tracker_store"] == "ok"
    with store.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE events"))
    with pytest.raises(sa.exc.DatabaseError):
        run(store.retrieve(SENDER))  # the database is asked at every message
    assert state_.as_json()["tracker_store"] == "en_panne"
    store.Base.metadata.create_all(store.engine)
    assert run(store.retrieve(SENDER)) is None
    assert state_.as_json()["tracker_store"] == "ok"


def test_endpoints_yml_names_this_store_and_rasa_builds_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                           domain: Domain) -> None:  # fmt: skip
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    monkeypatch.setenv("DIAGNOSTIC_ACTIONS_SECRET", "secret")
    monkeypatch.setenv("TRACKER_DIALECT", "sqlite")
    monkeypatch.setenv("TRACKER_URL", "")
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "tracker.db"))
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    store = TrackerStore.create(config, domain)
    try:
        assert type(store) is CachingSQLTrackerStore
        assert store.engine.url.database == os.environ["TRACKER_DB"]
        assert store.max_cached_conversations == 100
    finally:
        store.engine.dispose()
    # Importing the store applied the patches of the call to the action server.
    assert RemoteAction._action_call_format is rasa_speedups.action_call_format


def event_indexes(engine: sa.engine.Engine) -> dict[str, list[str]]:
    return {index["name"]: index["column_names"] for index in sa.inspect(engine).get_indexes("events")}


def test_a_conversation_s_event_ids_are_indexed_even_on_an_older_table(tracker_url: str, stores: Any) -> None:
    """The events table of an earlier deployment (made by Rasa, without the index) gets the index
    of (sender_id, id) when the store starts; a new table is made with it."""
    engine = sa.create_engine(tracker_url)
    try:
        SQLTrackerStore.SQLEvent.__table__.create(engine)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP INDEX ix_events_sender_id_id"))
        assert "ix_events_sender_id_id" not in event_indexes(engine)
        store = stores()
        run(one_turn(store, SENDER, 1))
        assert event_indexes(engine).get("ix_events_sender_id_id") == ["sender_id", "id"]
        stores()  # a second start finds it there
    finally:
        engine.dispose()
