"""Property tests over the door's Socket.IO events: no payload makes it raise or log a traceback.

Payloads are arbitrary JSON values, texts (lone surrogates included), bytes (sent as binary
attachments) and raw packets, fed to the door's Socket.IO server in process (no network,
see tests.web.socket_support.Harness). Every answer is the expected one: ``session_confirm``
with a fresh issued id, the fake Rasa's reply, a French refusal, or nothing; and nothing
ever reaches another connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.settings import Rate, Settings
from bot.web.conversation_ids import conversation_key, is_issued
from bot.web.socketio import webchat_events
from bot.web.validation import InputError, check_message
from tests.web.conftest import FakeRasa
from tests.web.socket_support import ORIGIN, Harness, door_app

SETTINGS = Settings(
    cors_origins=(ORIGIN,), rate_limit=10**6, rate_limit_ip=10**6, socket_rate=Rate(10**6, 60)
)
REPLY = [{"text": "Bien reçu.", "buttons": [{"title": "Oui", "payload": "/answer"}], "custom": {"type": "q"}}]
FRENCH = ("Le ", "La ", "L'", "Votre ", "Vous ")
RUNS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _no_bytes(value: Any) -> bool:
    if isinstance(value, bytes):
        return False
    if isinstance(value, dict):
        return all(_no_bytes(item) for item in value.values())
    if isinstance(value, list):
        return all(_no_bytes(item) for item in value)
    return True


texts = st.text(st.characters(blacklist_categories=()), max_size=40)  # surrogates included
leaves = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts | st.binary(max_size=30)
)
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
payloads = (
    values
    | st.fixed_dictionaries({}, optional={"session_id": values, "message": values, "customData": values})
    | st.fixed_dictionaries({"message": texts}, optional={"session_id": values})
)
arguments = st.lists(payloads, max_size=3)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
HEADERS = ["0", "1", "2", "3", "4", "5", "6", "21", "51-", "31", "0/x,", "2/x,"]
events = st.sampled_from(["session_request", "user_uttered", "connect", "disconnect"]) | json_values
# Socket.IO packets (what Engine.IO hands over) of every type, well formed, with any JSON after
# the header: EVENT, EVENT with an ack id, ACK, CONNECT, BINARY_EVENT/ACK, another namespace.
json_packets = st.builds(
    lambda header, data: header + json.dumps(data),
    st.sampled_from(["2", "21", "3", "31", "0", "1", "51-", "61-", "2/x,", "0/x,"]),
    json_values | st.lists(json_values, max_size=4) | st.tuples(events, payloads.filter(_no_bytes)).map(list),
)


class Door:
    def __init__(self, tmp_path: Path) -> None:
        self.fake_rasa = FakeRasa(reply=lambda sender, message: REPLY)
        self.app = door_app(SETTINGS, self.fake_rasa, tmp_path)
        self.harness = Harness(self.app)
        self.key = conversation_key(SETTINGS)
        self.bystander = asyncio.run(self.harness.open())
        self.bystander_packets = self.harness.packets(self.bystander)

    def run(self, coroutine: Any) -> Any:
        return asyncio.run(coroutine)

    def nothing_for_the_bystander(self) -> None:
        assert self.harness.packets(self.bystander) == self.bystander_packets


@pytest.fixture
def door(tmp_path: Path) -> Iterator[Door]:
    opened = Door(tmp_path)
    yield opened
    opened.app.state.store.engine.dispose()


def clean_logs(caplog: pytest.LogCaptureFixture) -> None:
    bad = [
        r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR or "Traceback" in r.getMessage()
    ]
    assert not bad, [r.getMessage() for r in bad]


def expected_answer(args: list[Any]) -> list[tuple[str, Any]]:
    payload = args[0] if args else None
    try:
        check_message(
            payload.get("message") if isinstance(payload, dict) else None, SETTINGS.max_message_length
        )
    except InputError as error:
        return [("bot_uttered", {"text": error.message})]
    return [("bot_uttered", event) for message in REPLY for event in webchat_events(message)]


@RUNS
@given(args=arguments)
def test_session_request_always_confirms_a_fresh_issued_id(
    door: Door, caplog: pytest.LogCaptureFixture, args: list[Any]
) -> None:
    caplog.clear()

    async def scenario() -> list[tuple[str, Any]]:
        sid = await door.harness.open()
        await door.harness.emit(sid, "session_request", *args)
        return door.harness.events(sid)

    [(event, conversation)] = door.run(scenario())
    assert event == "session_confirm"
    assert is_issued(door.key, conversation)
    door.nothing_for_the_bystander()
    clean_logs(caplog)


@RUNS
@given(args=arguments)
def test_user_uttered_answers_in_french_or_forwards_the_clean_message(
    door: Door, caplog: pytest.LogCaptureFixture, args: list[Any]
) -> None:
    caplog.clear()
    received = len(door.fake_rasa.received)

    async def scenario() -> list[tuple[str, Any]]:
        sid = await door.harness.open()
        await door.harness.emit(sid, "session_request", {"session_id": None})
        await door.harness.emit(sid, "user_uttered", *args)
        return door.harness.events(sid)

    (confirm, conversation), *answers = door.run(scenario())
    assert confirm == "session_confirm"
    expected = expected_answer(args)
    assert answers == expected
    if len(door.fake_rasa.received) > received:
        assert door.fake_rasa.received[-1]["sender"] == conversation, (
            "always the connection's own conversation"
        )
    else:
        assert expected[0][1]["text"].startswith(FRENCH)
    door.nothing_for_the_bystander()
    clean_logs(caplog)


@RUNS
@given(event=texts, args=arguments)
def test_unknown_events_are_ignored(
    door: Door, caplog: pytest.LogCaptureFixture, event: str, args: list[Any]
) -> None:
    caplog.clear()

    async def scenario() -> list[tuple[str, Any]]:
        sid = await door.harness.open()
        await door.harness.emit(sid, event, *args)
        return door.harness.events(sid)

    answers = door.run(scenario())
    if event == "session_request":
        assert [name for name, _ in answers] == ["session_confirm"]
    elif event != "user_uttered":
        assert answers == []
    door.nothing_for_the_bystander()
    clean_logs(caplog)


@given(
    packets=st.lists(
        texts
        | st.binary(max_size=60)
        | json_packets
        | st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(HEADERS), texts),
        min_size=1,
        max_size=4,
    )
)
@RUNS
def test_raw_packets_never_raise(
    door: Door, caplog: pytest.LogCaptureFixture, packets: list[str | bytes]
) -> None:
    caplog.clear()

    async def scenario() -> list[tuple[str, Any]]:
        sid = await door.harness.open()
        for data in packets:
            await door.harness.feed(sid, data)
        return door.harness.events(sid)

    for name, data in door.run(scenario()):
        assert name in ("session_confirm", "bot_uttered")
        if name == "bot_uttered":
            assert data["text"] == "Bien reçu." or data["text"].startswith(FRENCH)
    door.nothing_for_the_bystander()
    clean_logs(caplog)
