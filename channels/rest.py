"""Rasa's REST channel, with each bot message delivered whole.

Rasa's stock collector splits a message that has both text and a ``custom``
payload into two REST messages (and splits texts on blank lines). The diagnostic's
contract is that the message asking a question carries its payload, so this
channel keeps text, buttons and payload of one dispatched message together. It
answers on the usual address, ``/webhooks/rest/webhook``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import QueueOutputChannel, RestInput
from sanic import Blueprint

_KEPT_FIELDS = ("text", "buttons", "image", "attachment", "custom")


class WholeMessageCollector(CollectingOutputChannel):
    """Collects each bot message as one dict, as the dispatcher built it."""

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        kept = {key: message[key] for key in _KEPT_FIELDS if message.get(key)}
        if kept:
            await self._persist_message({"recipient_id": recipient_id, **kept})


class DiagnosticRestInput(RestInput):
    """``rest`` channel whose JSON answer keeps each message's payload with its text."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def collect_whole(message: UserMessage) -> None:
            original = message.output_channel
            if not isinstance(original, CollectingOutputChannel) or isinstance(original, QueueOutputChannel):
                await on_new_message(message)
                return
            collector = WholeMessageCollector()
            message.output_channel = collector
            try:
                await on_new_message(message)
            finally:
                original.messages.extend(collector.messages)

        return super().blueprint(collect_whole)
