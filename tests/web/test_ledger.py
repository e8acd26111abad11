"""The door sends each message to Rasa once (bot/web/ledger.py), whatever the retries.

Rasa is a fake whose answers the test releases by hand; ``wait=0`` stands for a door that has
stopped waiting. No test depends on the wall clock: the ledger's clock is a counter.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.web.ledger import MessageLedger
from bot.web.rasa_client import AssistantError, no_answer
from tests.clocks import FrozenClock

CONVERSATION = "a" * 48


class SlowRasa:
    """Each call waits until the test answers it (:meth:`answer`) or makes it fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str | None]] = []
        self.pending: list[asyncio.Future] = []

    async def send(self, sender: str, message: str, question_id: str | None = None) -> list[dict[str, Any]]:
        self.calls.append((sender, message, question_id))
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self.pending.append(future)
        return await future

    def answer(self, text: str = "C'est noté.") -> None:
        future = self.pending.pop(0)
        future.set_result([{"text": text}])

    def fail(self, error: Exception) -> None:
        self.pending.pop(0).set_exception(error)


async def settle() -> None:
    """Lets the tasks that can run, run."""
    for _ in range(5):
        await asyncio.sleep(0)


def test_the_same_message_twice_at_once_goes_to_rasa_once() -> None:
    async def scenario() -> None:
        rasa, ledger = SlowRasa(), MessageLedger(wait=30)
        first = asyncio.ensure_future(ledger.send(rasa, CONVERSATION, "oui", question_id="q1"))
        second = asyncio.ensure_future(ledger.send(rasa, CONVERSATION, "oui", question_id="q1"))
        await settle()
        rasa.answer()
        assert await first == await second == [{"text": "C'est noté."}]
        assert rasa.calls == [(CONVERSATION, "oui", "q1")]
        # Said again once its replies were delivered: a new message (e.g. the next question's "oui").
        third = asyncio.ensure_future(ledger.send(rasa, CONVERSATION, "oui", question_id="q1"))
        await settle()
        rasa.answer("encore")
        assert await third == [{"text": "encore"}]
        assert len(rasa.calls) == 2

    asyncio.run(scenario())


def test_different_messages_or_question_ids_are_different_messages() -> None:
    async def scenario() -> None:
        rasa, ledger = SlowRasa(), MessageLedger(wait=30)
        sends = [
            asyncio.ensure_future(ledger.send(rasa, CONVERSATION, "oui", question_id="q1")),
            asyncio.ensure_future(ledger.send(rasa, CONVERSATION, "non", question_id="q1")),
            asyncio.ensure_future(ledger.send(rasa, CONVERSATION, "oui", question_id="q2")),
            asyncio.ensure_future(ledger.send(rasa, "b" * 48, "oui", question_id="q1")),
        ]
        await settle()
        for _ in sends:
            rasa.answer()
        await asyncio.gather(*sends)
        assert len(rasa.calls) == 4

    asyncio.run(scenario())


def test_a_retry_with_the_same_message_id_gets_the_same_replies() -> None:
    async def scenario() -> None:
        rasa, clock = SlowRasa(), FrozenClock(0.0)
        ledger = MessageLedger(wait=30, keep=600, clock=clock)
        first = asyncio.ensure_future(ledger.send(rasa, CONVERSATION, "oui", message_id="m-000001"))
        await settle()
        rasa.answer()
        replies = await first
        clock.now = 599  # the answer was lost on the way: the client sends it again
        assert await ledger.send(rasa, CONVERSATION, "oui", message_id="m-000001") == replies
        assert len(rasa.calls) == 1
        clock.now = 1200  # long after: forgotten, sent again (the engine refuses a stale one)
        again = asyncio.ensure_future(ledger.send(rasa, CONVERSATION, "oui", message_id="m-000001"))
        await settle()
        rasa.answer("déjà traitée")
        assert await again == [{"text": "déjà traitée"}]
        assert len(rasa.calls) == 2

    asyncio.run(scenario())


def test_a_slow_rasa_gets_a_504_and_the_retry_gets_its_replies() -> None:
    async def scenario() -> None:
        rasa, ledger = SlowRasa(), MessageLedger(wait=0)
        with pytest.raises(AssistantError) as slow:
            await ledger.send(rasa, CONVERSATION, "oui", question_id="q1", message_id="m-000001")
        assert slow.value.status == 504 and "pas perdu" in slow.value.message
        # Rasa still works on it: a retry does not send it again...
        with pytest.raises(AssistantError):
            await ledger.send(rasa, CONVERSATION, "oui", question_id="q1", message_id="m-000001")
        assert len(rasa.calls) == 1
        rasa.answer()
        await settle()
        # ...and gets its replies once they have come.
        replies = await ledger.send(rasa, CONVERSATION, "oui", question_id="q1", message_id="m-000001")
        assert replies == [{"text": "C'est noté."}]
        assert len(rasa.calls) == 1

    asyncio.run(scenario())


def test_without_a_message_id_undelivered_replies_answer_the_same_text_once() -> None:
    async def scenario() -> None:
        rasa, ledger = SlowRasa(), MessageLedger(wait=0)
        with pytest.raises(AssistantError):
            await ledger.send(rasa, CONVERSATION, "12 000")
        rasa.answer("population notée")
        await settle()
        # The person never saw the next question: the same text is the same answer.
        assert await ledger.send(rasa, CONVERSATION, "12 000") == [{"text": "population notée"}]
        assert len(rasa.calls) == 1
        # Once delivered, the same text again is a new message.
        with pytest.raises(AssistantError):
            await ledger.send(rasa, CONVERSATION, "12 000")
        assert len(rasa.calls) == 2
        rasa.answer()

    asyncio.run(scenario())


def test_undelivered_replies_are_not_replayed_after_another_message() -> None:
    async def scenario() -> None:
        rasa, ledger = SlowRasa(), MessageLedger(wait=0)
        with pytest.raises(AssistantError):
            await ledger.send(rasa, CONVERSATION, "non")
        rasa.answer("Q3 notée")
        await settle()
        with pytest.raises(AssistantError):
            await ledger.send(rasa, CONVERSATION, "oui")
        rasa.answer("Q4 notée")
        await settle()
        # "non" again now answers a later question: it goes to Rasa.
        with pytest.raises(AssistantError):
            await ledger.send(rasa, CONVERSATION, "non")
        assert [message for _, message, _ in rasa.calls] == ["non", "oui", "non"]
        rasa.answer()

    asyncio.run(scenario())


def test_a_failed_message_is_forgotten_so_that_a_retry_sends_it() -> None:
    async def scenario() -> None:
        rasa, ledger = SlowRasa(), MessageLedger(wait=30)
        first = asyncio.ensure_future(ledger.send(rasa, CONVERSATION, "oui", message_id="m-000001"))
        await settle()
        rasa.fail(no_answer())
        with pytest.raises(AssistantError) as failed:
            await first
        assert failed.value.status == 502
        again = asyncio.ensure_future(ledger.send(rasa, CONVERSATION, "oui", message_id="m-000001"))
        await settle()
        rasa.answer()
        assert await again == [{"text": "C'est noté."}]
        assert len(rasa.calls) == 2
        assert len(ledger) == 1

    asyncio.run(scenario())


def test_memory_stays_bounded() -> None:
    async def scenario() -> None:
        rasa, ledger = SlowRasa(), MessageLedger(wait=30, max_entries=3)
        for number in range(6):
            send = asyncio.ensure_future(
                ledger.send(rasa, CONVERSATION, "oui", message_id=f"m-00000{number}")
            )
            await settle()
            rasa.answer()
            await send
        assert len(ledger) <= 4

    asyncio.run(scenario())


def test_closing_cancels_the_requests_on_their_way() -> None:
    async def scenario() -> None:
        rasa, ledger = SlowRasa(), MessageLedger(wait=0)
        with pytest.raises(AssistantError):
            await ledger.send(rasa, CONVERSATION, "oui")
        await ledger.aclose()
        assert rasa.pending[0].cancelled()
        assert len(ledger) == 0

    asyncio.run(scenario())
