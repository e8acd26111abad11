"""The door's connections to Rasa (bot/web/aiohttp_transport.py under bot/web/rasa_client.py),
on real sockets: kept open between turns however many are in flight, and each failure told
apart as the door needs (a server that cannot have received the turn is passed over; one that
may have received it is not).

Servers on loopback (tests/keep_alive.py) stand for Rasa and count the connections they accept.
"""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from bot.web.aiohttp_transport import POOL_SIZE, AiohttpTransport
from bot.web.rasa_client import AssistantError, RasaClient
from tests.keep_alive import KeepAliveServer

IN_FLIGHT = 40  # more than httpx's own pool keeps open (20)
REPLY = [{"recipient_id": "x", "text": "Bonjour !"}]


def closed_port_url() -> str:
    """An address nothing listens on (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_turns_in_flight_reuse_the_open_connections() -> None:
    assert POOL_SIZE >= IN_FLIGHT

    async def run() -> tuple[int, int, int]:
        fake = KeepAliveServer(REPLY)
        rasa = RasaClient(await fake.start(), timeout=10)
        try:
            counts = []
            for round_ in range(2):
                fake.expect(IN_FLIGHT)
                replies = await asyncio.gather(
                    *(rasa.send(f"conversation-{n}", f"tour {round_}") for n in range(IN_FLIGHT))
                )
                assert all(reply == [{"text": "Bonjour !"}] for reply in replies)
                counts.append(fake.connections)
            await rasa.aclose()
            await asyncio.wait_for(fake.all_closed.wait(), 10)  # closing the client closes them
            return counts[0], counts[1], fake.open
        finally:
            await fake.stop()

    first_round, after_second_round, still_open = asyncio.run(run())
    assert first_round == IN_FLIGHT  # each turn in flight needs its own connection
    assert after_second_round == first_round  # the second round opened none
    assert still_open == 0


def test_the_request_reaches_rasa_whole() -> None:
    async def run() -> KeepAliveServer:
        fake = KeepAliveServer(REPLY)
        fake.expect(1)
        rasa = RasaClient(await fake.start(), timeout=10, secret="s3cret")
        try:
            assert await rasa.send("conversation-1", "Bonjour, ça va ?", question_id="population") == [
                {"text": "Bonjour !"}
            ]
        finally:
            await rasa.aclose()
            await fake.stop()
        return fake

    head = asyncio.run(run()).heads[0].decode().lower()
    assert head.startswith("post /webhooks/rest/webhook http/1.1")
    assert "x-diagnostic-secret: s3cret" in head
    assert "content-type: application/json" in head


def test_a_refused_server_is_passed_over_for_the_next_one() -> None:
    async def run() -> tuple[list, KeepAliveServer]:
        fake = KeepAliveServer(REPLY)
        fake.expect(1)
        url = await fake.start()
        rasa = RasaClient([closed_port_url(), url], timeout=10, spread_turns=True)
        try:
            return await rasa.send("conversation-1", "oui"), fake
        finally:
            await rasa.aclose()
            await fake.stop()

    replies, fake = asyncio.run(run())
    assert replies == [{"text": "Bonjour !"}]
    assert len(fake.heads) == 1


@pytest.mark.parametrize(
    ("then", "code"), [("hang up", "assistant_indisponible"), ("say nothing", "assistant_trop_lent")]
)
def test_a_server_that_may_have_the_turn_is_not_passed_over(then: str, code: str) -> None:
    async def run() -> tuple[str, KeepAliveServer, KeepAliveServer]:
        failing, other = KeepAliveServer(REPLY, then=then), KeepAliveServer(REPLY)
        rasa = RasaClient([await failing.start(), await other.start()], timeout=0.5, spread_turns=True)
        try:
            with pytest.raises(AssistantError) as raised:
                await rasa.send("conversation-1", "oui")
            return raised.value.code, failing, other
        finally:
            await rasa.aclose()
            await failing.stop()
            await other.stop()

    error_code, failing, other = asyncio.run(run())
    assert error_code == code
    assert len(failing.heads) == 1 and other.heads == []


def test_no_free_connection_in_time_is_a_connect_timeout() -> None:
    async def run() -> None:
        fake = KeepAliveServer(REPLY, then="say nothing")
        url = await fake.start()
        one_connection = AiohttpTransport(pool_size=1)
        client = httpx.AsyncClient(transport=one_connection, timeout=httpx.Timeout(5, connect=0.3))
        try:
            holding = asyncio.ensure_future(client.post(url, json={}))  # takes the only connection
            await asyncio.sleep(0.1)
            with pytest.raises(httpx.ConnectTimeout):
                await client.post(url, json={})
            holding.cancel()
            with pytest.raises(asyncio.CancelledError):
                await holding
        finally:
            await client.aclose()
            await fake.stop()

    asyncio.run(run())
