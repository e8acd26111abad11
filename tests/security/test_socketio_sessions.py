"""Finding 3: over Socket.IO, a client that presents another live conversation's ``session_id``
joined its room, received its replies and drove its diagnostic.

Socket.IO is now served by the door (``/socket.io/``): a conversation id is taken only if the
door issued it and no other live connection holds it; everything else gets a fresh id.
These tests run the door on a real port with a fake Rasa that names the conversation in
each reply.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.settings import Settings
from bot.web.conversation_ids import conversation_key, is_issued, issue_conversation_id
from tests.web.conftest import FakeRasa
from tests.web.socket_support import ORIGIN, Client, Door, running_door


def _fake_rasa() -> FakeRasa:
    return FakeRasa(reply=lambda sender, message: [{"text": f"{sender} a dit {message}"}])


def _run(tmp_path: Path, scenario: Callable[[Door, FakeRasa], Awaitable[None]]) -> FakeRasa:
    fake_rasa = _fake_rasa()
    settings = Settings(cors_origins=(ORIGIN,), rate_limit=1000, rate_limit_ip=1000)
    with running_door(settings, fake_rasa, tmp_path) as door:
        asyncio.run(scenario(door, fake_rasa))
    return fake_rasa


def test_another_live_conversation_id_gets_a_fresh_conversation(tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    async def scenario(door: Door, fake_rasa: FakeRasa) -> None:
        owner, intruder = Client(door.url), Client(door.url)
        await owner.connect()
        await intruder.connect()
        try:
            first = await owner.session(None)
            assert (await owner.say("bonjour"))[0]["text"] == f"{first} a dit bonjour"

            second = await intruder.session(first)
            seen["ids"] = (first, second)
            assert second != first
            assert is_issued(conversation_key(door.app.state.settings), second)

            # The intruder's message goes to its own conversation, even naming the other one.
            reply = await intruder.say("je réponds à sa place", session_id=first)
            assert reply[0]["text"] == f"{second} a dit je réponds à sa place"
            # The owner's next reply reaches the owner only.
            assert (await owner.say("oui"))[0]["text"] == f"{first} a dit oui"
            # Once the intruder's own later reply has come, nothing of the owner's came before it.
            await intruder.say("encore moi")
            texts = [data["text"] for event, data in intruder.received if event == "bot_uttered"]
            assert texts == [f"{second} a dit je réponds à sa place", f"{second} a dit encore moi"]
        finally:
            await intruder.close()
            await owner.close()

    fake_rasa = _run(tmp_path, scenario)
    first, second = seen["ids"]
    senders = [(body["sender"], body["message"]) for body in fake_rasa.received]
    assert senders == [
        (first, "bonjour"),
        (second, "je réponds à sa place"),
        (first, "oui"),
        (second, "encore moi"),
    ]


def test_an_id_the_door_did_not_issue_gets_a_fresh_conversation(tmp_path: Path) -> None:
    presented = [
        "mairie-exemple",  # chosen by the client
        "3f2b8c1e-8d5a-4a57-9a57-3c0e0f1b2a4d",
        issue_conversation_id("une autre clé, celle d'un autre déploiement"),
        None,
        "",
    ]

    async def scenario(door: Door, fake_rasa: FakeRasa) -> None:
        key = conversation_key(door.app.state.settings)
        issued = issue_conversation_id(key)
        forged = issued[:-1] + ("0" if issued[-1] != "0" else "1")
        for candidate in [*presented, forged]:
            client = Client(door.url)
            await client.connect()
            try:
                confirmed = await client.session(candidate)
                assert confirmed != candidate
                assert is_issued(key, confirmed)
                assert (await client.say("bonjour"))[0]["text"] == f"{confirmed} a dit bonjour"
            finally:
                await client.close()

    fake_rasa = _run(tmp_path, scenario)
    used = {body["sender"] for body in fake_rasa.received}
    assert len(used) == len(presented) + 1
    assert not used & {p for p in presented if p}


def test_a_conversation_is_resumed_once_its_connection_is_gone(tmp_path: Path) -> None:
    async def scenario(door: Door, fake_rasa: FakeRasa) -> None:
        first = Client(door.url)
        await first.connect()
        conversation = await first.session(None)
        await first.say("bonjour")
        # Asking again on the same connection keeps the conversation.
        assert await first.session(conversation) == conversation
        await first.close()

        again = Client(door.url)
        await again.connect()
        try:
            assert await again.session(conversation) == conversation
            assert (await again.say("je reviens"))[0]["text"] == f"{conversation} a dit je reviens"
        finally:
            await again.close()

    _run(tmp_path, scenario)
