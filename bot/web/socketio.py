"""Socket.IO at the door, for sites that embed the stock rasa-webchat 1.0.1.

Served at ``/socket.io/`` (python-socketio in ASGI mode), it speaks rasa-webchat's protocol:

- ``session_request`` ``{"session_id": id}``: the connection takes that conversation only if
  the door issued the id (bot/web/conversation_ids.py) and no other live connection holds
  it; otherwise it gets a fresh one. ``session_confirm`` answers with the id in use (a
  string, as Rasa's own channel does).
- ``user_uttered`` ``{"message": text, ...}``: the message goes, in the connection's own
  conversation (a ``session_id`` in the event is ignored), through the same checks and rate
  limits as ``POST /api/messages``, to Rasa's REST channel (once, even if a double click sends
  it twice: bot/web/ledger.py; a button's payload says which question it answers, as with
  ``POST /api/messages``); each answer comes back as one
  ``bot_uttered`` event ``{"text", "quick_replies": [{"content_type", "title", "payload"}],
  "metadata": {"custom": payload}}``. rasa-webchat renders text and buttons and passes the
  whole event to ``onSocketEvent`` listeners; the question or result payload is under
  ``metadata.custom`` because rasa-webchat renders an event as buttons only when, once
  ``metadata`` is set aside, ``text`` and ``quick_replies`` are its only keys.
- Refusals (bad message, too many messages, assistant unavailable) are a French
  ``bot_uttered`` text. Events are only ever sent to the connection they answer.

Malformed packets and events (not JSON, not an object, binary, too big, unknown) are
refused without a traceback: a packet the Socket.IO parser cannot read closes the
connection; an event with an unusable payload gets a French answer or nothing.

Which connection holds which conversation is kept in this process's memory: with several
door processes, a deployment pins each client to one process (sticky sessions, which
Engine.IO's long-polling needs anyway; deploy/nginx.conf hashes the client's address). Nothing
else needs sharing between processes: every event goes to the connection it answers, which
lives in the process that sends it, so no Socket.IO message queue (python-socketio's
``AsyncRedisManager``) is used; the rate limits are shared through Redis
(DIAGNOSTIC_REDIS_URL, bot/web/ratelimit.py), the conversations through Rasa's stores.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

import socketio
from starlette.routing import Mount
from starlette.types import Message, Receive, Scope, Send

from bot.settings import Settings
from bot.web.client_address import UNKNOWN, client_address
from bot.web.conversation_ids import conversation_key, is_issued, issue_conversation_id
from bot.web.errors import web_text
from bot.web.rasa_client import AssistantError
from bot.web.ratelimit import too_many_messages
from bot.web.validation import InputError, check_message, split_question_id

logger = logging.getLogger(__name__)

PATH = "/socket.io"
SESSION_REQUEST = "session_request"
SESSION_CONFIRM = "session_confirm"
USER_UTTERED = "user_uttered"
BOT_UTTERED = "bot_uttered"
# Socket.IO packets the parser cannot read (bad JSON, unknown type, bad attachments...).
_MALFORMED = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError)
FAILED = web_text("socket_failed")
REFUSED_CONNECTION = web_text("socket_refused_connection")


def webchat_events(message: dict[str, Any]) -> list[dict[str, Any]]:
    """rasa-webchat's ``bot_uttered`` events for one message of the REST channel."""
    events: list[dict[str, Any]] = []
    text, buttons, custom = message.get("text"), message.get("buttons"), message.get("custom")
    if text is not None or buttons or custom is not None:
        event: dict[str, Any] = {"text": text if isinstance(text, str) else ""}
        if buttons:
            event["quick_replies"] = [
                {"content_type": "text", "title": button["title"], "payload": button["payload"]}
                for button in buttons
            ]
        if custom is not None:
            event["metadata"] = {"custom": custom}
        events.append(event)
    if isinstance(message.get("image"), str):
        events.append({"attachment": {"type": "image", "payload": {"src": message["image"]}}})
    return events


def allowed_origins(settings: Settings) -> list[str] | str:
    """The chat API's origins (DIAGNOSTIC_CORS_ORIGINS) and the door's own public address."""
    if "*" in settings.cors_origins:
        return "*"
    public = urlsplit(settings.public_url)
    return list(dict.fromkeys([*settings.cors_origins, f"{public.scheme}://{public.netloc}"]))


class _QuietLogger(logging.LoggerAdapter):
    """Engine.IO and Socket.IO log what a client got wrong with ``exception()``, and Engine.IO
    with ``error()`` the first time (an unknown or closed session, a refused origin or transport:
    a browser tab left open across a restart sends those): one warning line here."""

    def exception(self, msg: object, *args: object, exc_info: object = True, **kwargs: Any) -> None:
        text = str(msg)
        if args:
            with contextlib.suppress(TypeError, ValueError):
                text = text % args
        self.warning("%s (entrée refusée)", text)

    def error(self, msg: object, *args: object, **kwargs: Any) -> None:
        self.exception(msg, *args)


class _Server(socketio.AsyncServer):
    """python-socketio's server, closing connections whose packets it cannot read."""

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except _MALFORMED as error:
            self._binary_packet.pop(eio_sid, None)
            logger.warning("Socket.IO : paquet illisible (%s), connexion fermée", type(error).__name__)
            await self.eio.disconnect(eio_sid)

    async def _handle_event(self, eio_sid: str, namespace: Any, id: Any, data: Any) -> None:
        if not isinstance(data, list) or not data or not isinstance(data[0], str):
            logger.warning("Socket.IO : événement sans nom, ignoré")
            return
        if data[0] in self.reserved_events:  # "connect" sent as an event would reach the connect handler
            logger.warning("Socket.IO : événement réservé envoyé par un client, ignoré")
            return
        await super()._handle_event(eio_sid, namespace, id, data)

    async def _handle_ack(self, eio_sid: str, namespace: Any, id: Any, data: Any) -> None:
        return None  # the door never asks for acknowledgements

    async def _handle_eio_disconnect(self, eio_sid: str) -> None:
        self._binary_packet.pop(eio_sid, None)  # a binary event whose attachments never came
        await super()._handle_eio_disconnect(eio_sid)


class DoorSocketIO:
    """The door's Socket.IO endpoint; ``state`` is the web application's ``app.state``."""

    def __init__(self, settings: Settings, state: Any) -> None:
        self.settings = settings
        self.state = state
        self._key = conversation_key(settings)
        quiet = _QuietLogger(logging.getLogger(f"{__name__}.engine"), {})
        self.server = _Server(
            async_mode="asgi",
            cors_allowed_origins=allowed_origins(settings),
            cors_credentials=False,
            max_http_buffer_size=settings.max_body_bytes,
            logger=quiet,
            engineio_logger=quiet,
        )
        self._conversation: dict[str, str] = {}  # connection -> conversation id
        self._holder: dict[str, str] = {}  # conversation id -> connection
        self._client: dict[str, str] = {}  # connection -> client address
        self.server.on("connect", self.connect)
        self.server.on("disconnect", self.disconnect)
        self.server.on(SESSION_REQUEST, self.session_request)
        self.server.on(USER_UTTERED, self.user_uttered)

    # --- ASGI ---------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] in ("http.response.start", "websocket.accept")
            if "headers" in message:
                # Engine.IO writes header names capitalised; ASGI wants them in lower case (else
                # the CORS middleware adds a second Access-Control-Allow-Origin, which browsers refuse).
                message = {
                    **message,
                    "headers": [(name.lower(), value) for name, value in message["headers"]],
                }
            await send(message)

        try:
            await self.server.handle_request(scope, receive, tracking_send)
        except Exception as error:  # Engine.IO failing on what a client sent: no traceback
            logger.warning("Engine.IO : requête refusée (%s)", type(error).__name__)
            if started:
                return
            if scope["type"] == "http":
                await send(
                    {
                        "type": "http.response.start",
                        "status": 400,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                    }
                )
                body = web_text("socket_invalid_request").encode()
                await send({"type": "http.response.body", "body": body})
            else:
                await send({"type": "websocket.close", "code": 1008})

    async def shutdown(self) -> None:
        """Stops Engine.IO's background task (python-socketio 5.9 has no shutdown of its own)."""
        await self.server.eio.shutdown()

    # --- events -------------------------------------------------------------------------

    async def connect(self, sid: str, environ: MutableMapping[str, Any], auth: Any = None) -> None:
        try:
            address = client_address(environ.get("asgi.scope") or {}, self.settings.trusted_proxies)
            retry_after = await self.state.limits.ahit("socket_connect", address)
        except Exception:
            logger.exception("Socket.IO : échec de l'ouverture d'une connexion")
            raise socketio.exceptions.ConnectionRefusedError(FAILED) from None
        if retry_after is not None:
            raise socketio.exceptions.ConnectionRefusedError(REFUSED_CONNECTION)
        self._client[sid] = address

    async def disconnect(self, sid: str, *reason: Any) -> None:
        self._release(sid)
        self._client.pop(sid, None)

    async def session_request(self, sid: str, *args: Any) -> None:
        data = args[0] if args else None
        candidate = data.get("session_id") if isinstance(data, dict) else None
        await self._confirm(sid, self._bind(sid, candidate))

    async def user_uttered(self, sid: str, *args: Any) -> None:
        try:
            await self._answer(sid, args[0] if args else None)
        except Exception:
            logger.exception("Socket.IO : échec du traitement d'un message")
            await self._say(sid, FAILED)

    # --- conversations ------------------------------------------------------------------

    def _bind(self, sid: str, candidate: object) -> str:
        """The conversation the connection takes: the candidate if issued and free, else a fresh one."""
        current = self._conversation.get(sid)
        if current is not None and candidate == current:
            return current
        free = isinstance(candidate, str) and self._holder.get(candidate) in (None, sid)
        if free and is_issued(self._key, candidate):
            conversation = str(candidate)
        else:
            conversation = issue_conversation_id(self._key)
        self._release(sid)
        self._conversation[sid] = conversation
        self._holder[conversation] = sid
        return conversation

    def _release(self, sid: str) -> None:
        conversation = self._conversation.pop(sid, None)
        if conversation is not None and self._holder.get(conversation) == sid:
            del self._holder[conversation]

    async def _confirm(self, sid: str, conversation: str) -> None:
        await self.server.emit(SESSION_CONFIRM, conversation, to=sid)

    async def _say(self, sid: str, text: str) -> None:
        await self.server.emit(BOT_UTTERED, {"text": text}, to=sid)

    async def _answer(self, sid: str, data: object) -> None:
        if sid not in self._client:
            return  # disconnected meanwhile
        conversation = self._conversation.get(sid)
        if conversation is None:  # a client that skipped session_request
            conversation = self._bind(sid, None)
            await self._confirm(sid, conversation)
        limits = self.state.limits
        address = self._client.get(sid, UNKNOWN)
        try:
            message = check_message(
                data.get("message") if isinstance(data, dict) else None, self.settings.max_message_length
            )
            message, question_id = split_question_id(message)  # a button says which question
        except InputError as error:
            # A refused message counts for its client too: a flood of them is limited as well.
            retry_after = await limits.ahit("chat_client", address)
            await self._say(sid, error.message if retry_after is None else too_many_messages(retry_after))
            return
        hits = [("chat_client", address), ("chat_conversation", f"{address} {conversation}")]
        retry_after = await limits.ahit_all(hits)
        if retry_after is not None:
            await self._say(sid, too_many_messages(retry_after))
            return
        try:
            messages = await self.state.ledger.send(
                self.state.rasa, conversation, message, question_id=question_id
            )
        except AssistantError as error:
            await self._say(sid, error.message)
            return
        for answer in messages:
            for event in webchat_events(answer):
                await self.server.emit(BOT_UTTERED, event, to=sid)


async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI app mounted at /socket.io: the application's :class:`DoorSocketIO`."""
    door: Callable[[Scope, Receive, Send], Awaitable[None]] = scope["app"].state.socketio
    await door(scope, receive, send)


ROUTES = [Mount(PATH, app=endpoint, name="socketio")]
