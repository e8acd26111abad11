"""Rasa's REST channel, private to the web application, with each bot message delivered whole.

Only the web application calls it: every request must carry the header
``X-Diagnostic-Secret`` equal to ``DIAGNOSTIC_RASA_SECRET`` (compared in constant time),
otherwise it gets a 401; without that variable the channel refuses everything (503) and
says why once in the log. Rasa's ``--auth-token`` protects its HTTP API, not the channels'
webhooks, hence this check here.

The body is checked as the web application checks the browser's (``bot.web.validation``):
``{"sender": "<8 to 64 of A-Z a-z 0-9 _ ->", "message": "<text>"}`` in JSON, of bounded
size; every refusal is a 4xx ``{"error": "<code>", "message": "<phrase en français>"}``.
An optional ``question_id`` (the question the message answers) reaches the actions as the
user message's metadata; the engine refuses an answer to a question that has moved on.

Rasa's stock collector splits a message that has both text and a ``custom`` payload into
two REST messages (and splits texts on blank lines). The diagnostic's contract is that the
message asking a question carries its payload, so this channel keeps text, buttons and
payload of one dispatched message together. It answers on the usual address,
``/webhooks/rest/webhook``.
"""

from __future__ import annotations

import copy
import inspect
import logging
import os
from asyncio import CancelledError
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.service_secret import RASA_SECRET, SECRET_HEADER, configured_secret, secret_refusal
from bot.settings import Settings, int_variable
from bot.web.validation import (
    QUESTION_ID,
    SENDER_PATTERN,
    ChatRequest,
    InputError,
    check_content_type,
    check_declared_length,
    parse_chat_request,
    too_large,
)
from bot.web_text import web_text
from channels import rasa_speedups

_KEPT_FIELDS = ("text", "buttons", "image", "attachment", "custom")
# The longest JSON encoding of one character ("\ud83d\ude00"): a body holding any message the
# web application accepts must fit, whatever its encoder escapes.
_MAX_BYTES_PER_CHARACTER = 12
_ENVELOPE_BYTES = 1024

logger = logging.getLogger(__name__)
structlogger = structlog.get_logger()


class WholeMessageCollector(CollectingOutputChannel):
    """Collects each bot message as one dict, as the dispatcher built it."""

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        kept = {key: message[key] for key in _KEPT_FIELDS if message.get(key)}
        if kept:
            await self._persist_message({"recipient_id": recipient_id, **kept})


def body_limit(max_message_length: int, max_body_bytes: int) -> int:
    """Bytes accepted in one body: the web application's limit, or more if a long message needs it."""
    return max(max_body_bytes, max_message_length * _MAX_BYTES_PER_CHARACTER + _ENVELOPE_BYTES)


def refused(error: InputError) -> HTTPResponse:
    return response.json(
        {"error": error.code, "message": error.message},
        status=error.status,
        headers={"Cache-Control": "no-store"},
    )


def check_secret(expected: str | None, provided: str | None) -> None:
    """Raises a 503 when no secret is configured, a 401 when ``provided`` is not the secret."""
    refusal = secret_refusal(expected, provided)
    if refusal is not None:
        raise InputError(refusal.status, refusal.code, refusal.message)


def parse_body(body: bytes, max_message_length: int) -> ChatRequest:
    """The web application's checks, plus those a private channel needs whatever they become."""
    try:
        chat = parse_chat_request(body, max_message_length)
    except RecursionError:
        raise InputError(400, "json_invalide", web_text("private_too_nested")) from None
    sender: Any = chat.sender
    if not isinstance(sender, str) or not SENDER_PATTERN.fullmatch(sender):
        raise InputError(422, "identifiant_invalide", web_text("invalid_sender"))
    try:
        chat.message.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(422, "message_invalide", web_text("message_invalid_characters")) from None
    return chat


def message_metadata(chat: ChatRequest) -> dict[str, Any] | None:
    """What the actions read beside the text: the question the message answers, if given
    (``tracker.latest_message``'s user event; actions/actions.py)."""
    return {QUESTION_ID: chat.question_id} if chat.question_id is not None else None


async def read_body(request: Request, limit: int) -> bytes:
    """The body of a streamed request, refused (413) as soon as it exceeds ``limit`` bytes."""
    body = bytearray()
    try:
        while (chunk := await request.stream.read()) is not None:
            body.extend(chunk)
            if len(body) > limit:
                raise too_large(limit)
    except SanicException as error:  # bad chunked encoding, Sanic's own size limit
        status = error.status_code if 400 <= error.status_code < 500 else 400
        raise InputError(status, "requete_invalide", web_text("private_bad_body")) from None
    return bytes(body)


class DiagnosticRestInput(RestInput):
    """``rest`` channel for the web application: secret, checked input, whole messages."""

    def __init__(
        self,
        secret: str | None,
        max_message_length: int = Settings.max_message_length,
        max_body_bytes: int = Settings.max_body_bytes,
    ) -> None:
        self.secret = secret
        self.max_message_length = max_message_length
        self.max_body_bytes = body_limit(max_message_length, max_body_bytes)

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> DiagnosticRestInput:
        return cls.from_environ(os.environ)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> DiagnosticRestInput:
        """Secret and limits from the same variables as the web application's."""
        return cls(
            secret=configured_secret(environ, RASA_SECRET),
            max_message_length=int_variable(
                environ, "DIAGNOSTIC_MAX_MESSAGE_LENGTH", Settings.max_message_length
            ),
            max_body_bytes=int_variable(environ, "DIAGNOSTIC_MAX_BODY_BYTES", Settings.max_body_bytes),
        )

    async def checked_request(self, request: Request) -> ChatRequest:
        """The sender and message of ``request``, or an :class:`InputError` saying why not."""
        check_secret(self.secret, request.headers.get(SECRET_HEADER))
        check_content_type(request.headers.get("content-type"))
        check_declared_length(request.headers.get("content-length"), self.max_body_bytes)
        body = await read_body(request, self.max_body_bytes)
        return parse_body(body, self.max_message_length)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", module.__name__ if module else None)

        @webhook.listener("before_server_stop")
        async def close_action_server_sessions(_app: Any, _loop: Any) -> None:
            await rasa_speedups.close_sessions()  # the connections to the action server

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                chat = await self.checked_request(request)
            except InputError as error:
                logger.info("REST request refused: %s (%s)", error.code, error.status)
                return refused(error)
            collector = WholeMessageCollector()
            try:
                await on_new_message(
                    UserMessage(
                        chat.message,
                        collector,
                        chat.sender,
                        input_channel=self.name(),
                        metadata=message_metadata(chat),
                    )
                )
            except CancelledError:
                structlogger.error("rest.message.received.timeout", text=copy.deepcopy(chat.message))
            except Exception:
                structlogger.exception("rest.message.received.failure", text=copy.deepcopy(chat.message))
            return response.json(collector.messages)

        return webhook
