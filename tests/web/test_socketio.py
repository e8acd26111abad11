"""Socket.IO at the door (bot/web/socketio.py), on a real port with a fake Rasa.

The same checks and rate limits as /api/messages, French refusals, CORS, what Rasa's
failures become, malformed input, and the WebSocket transport (through uvicorn's wsproto).
Findings 3 and 4 are in tests/security/.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio
import websockets
import websockets.exceptions

from bot.settings import Rate, Settings
from bot.web.conversation_ids import conversation_key, is_issued
from tests.web.conftest import FakeRasa
from tests.web.socket_support import ORIGIN, Client, Door, running_door

BASE = Settings(cors_origins=(ORIGIN,), public_url="https://diagnostic.example.fr")
REPLY = [{"text": "Bonjour !", "buttons": [{"title": "Oui", "payload": "/answer"}], "custom": {"type": "x"}}]


def run(
    tmp_path: Path,
    scenario: Callable[[Door], Awaitable[Any]],
    fake_rasa: FakeRasa | None = None,
    **overrides: Any,
) -> Any:
    fake_rasa = fake_rasa if fake_rasa is not None else FakeRasa(reply=lambda sender, message: REPLY)
    with running_door(replace(BASE, **overrides), fake_rasa, tmp_path) as door:
        return asyncio.run(scenario(door))


async def opened(door: Door, origin: str = ORIGIN) -> Client:
    client = Client(door.url)
    await client.connect(origin)
    await client.session(None)
    return client


# The test's own Socket.IO client logs its side of a connection the door closed: not the door's.
CLIENT_LOGGERS = ("engineio.client", "socketio.client")


def _client_leak(record: logging.LogRecord) -> bool:
    """aiohttp's report of a connection the test's Socket.IO client left open (see
    ``Client.close``): the door speaks no aiohttp."""
    leak = "Unclosed connection\nclient_connection:"
    return record.name == "asyncio" and record.getMessage().startswith(leak)


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """The door logged no error and no traceback (the test client's own logs aside)."""
    bad = [
        r
        for r in caplog.records
        if not r.name.startswith(CLIENT_LOGGERS)
        and not _client_leak(r)
        and (r.exc_info or r.levelno >= logging.ERROR or "Traceback" in r.getMessage())
    ]
    assert not bad, [r.getMessage() for r in bad]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("", "Le message est vide : écrivez votre réponse avant d'envoyer."),
        ("  \x00 ", "Le message est vide : écrivez votre réponse avant d'envoyer."),
        (42, "Le message doit être un texte."),
        (None, "Le message doit être un texte."),
        (["oui"], "Le message doit être un texte."),
        ({"text": "oui"}, "Le message doit être un texte."),
        (b"oui", "Le message doit être un texte."),
        ("é" * 2001, "Votre message est trop long (2001 caractères, au plus 2000)."),
        ("a\ud800b", "Le message contient des caractères invalides."),
    ],
)
def test_bad_messages_get_the_chat_apis_french_refusal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, message: Any, expected: str
) -> None:
    fake_rasa = FakeRasa(reply=lambda sender, message: REPLY)

    async def scenario(door: Door) -> list[dict]:
        client = await opened(door)
        try:
            return await client.say(message)
        finally:
            await client.close()

    assert run(tmp_path, scenario, fake_rasa) == [{"text": expected}]
    assert fake_rasa.received == []
    no_traceback(caplog)


def test_a_message_is_cleaned_like_the_chat_apis(tmp_path: Path) -> None:
    fake_rasa = FakeRasa(reply=lambda sender, message: REPLY)

    async def scenario(door: Door) -> str:
        client = await opened(door)
        try:
            await client.say("  on commence\x00 ")
            return client.received[0][1]
        finally:
            await client.close()

    conversation = run(tmp_path, scenario, fake_rasa)
    assert fake_rasa.received == [{"sender": conversation, "message": "on commence"}]


def test_a_message_before_session_request_gets_a_conversation_first(tmp_path: Path) -> None:
    async def scenario(door: Door) -> list:
        client = Client(door.url)
        await client.connect()
        try:
            await client.say("bonjour")
            return client.received
        finally:
            await client.close()

    (first, conversation), (second, reply) = run(tmp_path, scenario)
    assert first == "session_confirm" and is_issued(conversation_key(BASE), conversation)
    assert second == "bot_uttered" and reply["text"] == "Bonjour !"


def test_each_conversation_is_rate_limited(tmp_path: Path) -> None:
    fake_rasa = FakeRasa(reply=lambda sender, message: REPLY)

    async def scenario(door: Door) -> tuple[list, list]:
        client, other = await opened(door), await opened(door)
        try:
            answers = [(await client.say("oui"))[0]["text"] for _ in range(3)]
            return answers, await other.say("oui")
        finally:
            await client.close()
            await other.close()

    answers, other = run(tmp_path, scenario, fake_rasa, rate_limit=2)
    assert answers[:2] == ["Bonjour !", "Bonjour !"]
    assert answers[2].startswith("Vous envoyez trop de messages à la suite : patientez ")
    assert other[0]["text"] == "Bonjour !", "another conversation has its own budget"
    assert len(fake_rasa.received) == 3


def test_each_client_address_is_rate_limited_across_rest_and_socketio(tmp_path: Path) -> None:
    async def scenario(door: Door) -> tuple[int, list]:
        async with httpx.AsyncClient() as http:
            status = (await http.post(f"{door.url}/api/messages", json={"message": "oui"})).status_code
        client = await opened(door)
        try:
            return status, [(await client.say("oui"))[0]["text"] for _ in range(3)]
        finally:
            await client.close()

    status, answers = run(tmp_path, scenario, rate_limit_ip=3)
    assert status == 200
    assert answers[:2] == ["Bonjour !", "Bonjour !"]
    assert "patientez" in answers[2]


def test_connections_are_rate_limited_per_client_address(tmp_path: Path) -> None:
    async def scenario(door: Door) -> list:
        clients = [await opened(door), await opened(door)]
        try:
            refused, reasons = Client(door.url), []
            refused.sio.on("connect_error", reasons.append)
            with pytest.raises(socketio.exceptions.ConnectionError):
                await refused.connect()
            return reasons
        finally:
            for client in clients:
                await client.close()

    reasons = run(tmp_path, scenario, socket_rate=Rate(2, 60))
    assert reasons == [{"message": "Trop de connexions depuis votre adresse : patientez avant de réessayer."}]


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (httpx.ConnectError("refused"), "momentanément indisponible"),
        (httpx.ReadTimeout("slow"), "trop de temps"),
    ],
)
def test_rasa_down_gets_a_french_answer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, failure: Exception, expected: str
) -> None:
    fake_rasa = FakeRasa(error=failure)

    async def scenario(door: Door) -> list[dict]:
        client = await opened(door)
        try:
            return await client.say("bonjour")
        finally:
            await client.close()

    [answer] = run(tmp_path, scenario, fake_rasa)
    assert set(answer) == {"text"} and expected in answer["text"]
    no_traceback(caplog)


def test_rasa_answering_nothing_gets_a_french_answer(tmp_path: Path) -> None:
    async def scenario(door: Door) -> list[dict]:
        client = await opened(door)
        try:
            return await client.say("bonjour")
        finally:
            await client.close()

    [answer] = run(tmp_path, scenario, FakeRasa(reply=lambda sender, message: []))
    assert "service de diagnostic indisponible" in answer["text"]


def test_another_site_cannot_open_a_connection(tmp_path: Path) -> None:
    async def scenario(door: Door) -> tuple[int, str | None]:
        client = Client(door.url)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect("https://pirate.example")
        async with httpx.AsyncClient() as http:
            response = await http.get(
                f"{door.url}/socket.io/?EIO=4&transport=polling", headers={"Origin": "https://pirate.example"}
            )
        return response.status_code, response.headers.get("access-control-allow-origin")

    assert run(tmp_path, scenario) == (400, None)


def test_the_embedding_sites_and_the_door_itself_may_connect(tmp_path: Path) -> None:
    async def scenario(door: Door) -> list[str | None]:
        origins = []
        async with httpx.AsyncClient() as http:
            for origin in (ORIGIN, "https://diagnostic.example.fr"):
                response = await http.get(
                    f"{door.url}/socket.io/?EIO=4&transport=polling", headers={"Origin": origin}
                )
                assert response.status_code == 200
                origins.append(response.headers.get("access-control-allow-origin"))
                assert "access-control-allow-credentials" not in response.headers
        return origins

    assert run(tmp_path, scenario) == [ORIGIN, "https://diagnostic.example.fr"]


def test_a_packet_too_big_closes_that_connection_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario(door: Door) -> tuple[int, list]:
        client = await opened(door)
        try:
            sid = client.sio.eio.sid
            packet = '42["user_uttered",{"message":"' + "a" * 40_000 + '"}]'
            async with httpx.AsyncClient() as http:
                response = await http.post(
                    f"{door.url}/socket.io/?EIO=4&transport=polling&sid={sid}",
                    content=packet.encode(),
                    headers={"Content-Type": "text/plain;charset=UTF-8"},
                )
            other = await opened(door)
            try:
                return response.status_code, await other.say("bonjour")
            finally:
                await other.close()
        finally:
            await client.close()

    status, answer = run(tmp_path, scenario)
    assert status == 400
    assert answer[0]["text"] == "Bonjour !"
    no_traceback(caplog)


MALFORMED = [
    b"\xff\xfe\x00", b"42[", b'42["user_uttered"', b"4", b"9", b"42{}", b"42[]", b"42[1,2]",
    b'451-["user_uttered",{"_placeholder":true,"num":7}]', b'42[["user_uttered"]]', b'42["connect",null]',
    b"42" + b"[" * 5000 + b"]" * 5000, b"0/autre,",
]  # fmt: skip


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_packets_never_give_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    async def scenario(door: Door) -> list:
        client = await opened(door)
        try:
            sid = client.sio.eio.sid
            async with httpx.AsyncClient() as http:
                response = await http.post(
                    f"{door.url}/socket.io/?EIO=4&transport=polling&sid={sid}",
                    content=body,
                    headers={"Content-Type": "text/plain;charset=UTF-8"},
                )
                assert response.status_code in (200, 400)
            other = await opened(door)
            try:
                return await other.say("bonjour")
            finally:
                await other.close()
        finally:
            await client.close()

    assert run(tmp_path, scenario)[0]["text"] == "Bonjour !"
    no_traceback(caplog)


def test_websocket_transport_through_the_door(tmp_path: Path) -> None:
    """Engine.IO v4 over WebSocket (uvicorn's wsproto), as Chromium uses it after the upgrade."""

    async def scenario(door: Door) -> tuple[str, dict]:
        url = door.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        async with websockets.connect(url, origin=ORIGIN) as ws:
            assert json.loads((await ws.recv())[1:])["sid"]  # "0{...}": Engine.IO open
            await ws.send("40")
            assert (await ws.recv()).startswith("40")  # Socket.IO connect
            await ws.send('42["session_request",{"session_id":null}]')
            event, conversation = json.loads((await ws.recv())[2:])
            assert event == "session_confirm"
            await ws.send('42["user_uttered",{"message":"bonjour","session_id":"x"}]')
            event, reply = json.loads((await ws.recv())[2:])
            assert event == "bot_uttered"
            return conversation, reply

    conversation, reply = run(tmp_path, scenario)
    assert is_issued(conversation_key(BASE), conversation)
    assert reply == {
        "text": "Bonjour !",
        "quick_replies": [{"content_type": "text", "title": "Oui", "payload": "/answer"}],
        "metadata": {"custom": {"type": "x"}},
    }


def test_another_site_cannot_open_a_websocket(tmp_path: Path) -> None:
    async def scenario(door: Door) -> None:
        url = door.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        with pytest.raises(websockets.exceptions.WebSocketException):
            async with websockets.connect(url, origin="https://pirate.example") as ws:
                await ws.recv()

    run(tmp_path, scenario)


def test_an_unknown_session_is_refused_with_a_warning_not_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A tab left open across a restart polls with a session the door no longer knows."""

    async def scenario(door: Door) -> list[int]:
        async with httpx.AsyncClient() as http:
            return [
                (await http.get(f"{door.url}/socket.io/?EIO=4&transport=polling&sid=inconnue{n}")).status_code
                for n in range(2)
            ]

    caplog.set_level(logging.INFO)
    assert run(tmp_path, scenario) == [400, 400]
    refused = [r for r in caplog.records if "Invalid session inconnue0" in r.getMessage()]
    assert [r.levelno for r in refused] == [logging.WARNING]
    no_traceback(caplog)
