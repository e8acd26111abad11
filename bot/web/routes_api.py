"""The chat API: the browser's messages, checked and rate-limited, passed on to Rasa.

POST /api/messages  {"sender": "<id>", "message": "<text>"}  (application/json)
    optional: "question_id" (the question the message answers; a button's payload carries it),
    "message_id" (the client's key for this message, the same when it sends it again)
→ 200 {"sender": "<id in use>", "messages": [{"text", "buttons", "custom"}...]}
→ 4xx/5xx {"error": "<code>", "message": "<phrase en français>"}

The door issues conversation ids (bot/web/conversation_ids.py): a request without "sender",
or with an id the door did not issue, starts a fresh conversation whose id the answer gives;
the client sends it with its next messages. Each message goes to Rasa once, however often
the client sends it (bot/web/ledger.py).
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.settings import Settings
from bot.web.client_address import client_address
from bot.web.conversation_ids import conversation_key, is_issued, issue_conversation_id
from bot.web.errors import NO_STORE, json_error
from bot.web.rasa_client import AssistantError
from bot.web.ratelimit import RateLimits, too_many_response
from bot.web.validation import (
    InputError,
    check_content_type,
    check_declared_length,
    parse_chat_request,
    read_body,
)


async def post_message(request: Request) -> Response:
    state = request.app.state
    settings: Settings = state.settings
    limits: RateLimits = state.limits
    client = client_address(request, settings.trusted_proxies)
    try:
        check_content_type(request.headers.get("content-type"))
        check_declared_length(request.headers.get("content-length"), settings.max_body_bytes)
        body = await read_body(request, settings.max_body_bytes)
        chat = parse_chat_request(body, settings.max_message_length)
    except InputError as error:
        # A refused request counts for its client too: a flood of them is limited as well.
        retry_after = await limits.ahit("chat_client", client)
        if retry_after is not None:
            return too_many_response(retry_after)
        return json_error(error.status, error.code, error.message, headers=NO_STORE)
    except ClientDisconnect:
        return Response(status_code=400)
    sender = _conversation_of(settings, chat.sender)
    hits = [("chat_client", client), ("chat_conversation", f"{client} {sender}")]
    retry_after = await limits.ahit_all(hits)
    if retry_after is not None:
        return too_many_response(retry_after)
    try:
        messages = await state.ledger.send(
            state.rasa, sender, chat.message, question_id=chat.question_id, message_id=chat.message_id
        )
    except AssistantError as error:
        # With the conversation in use: a first message that failed is retried in the same one.
        body = {"error": error.code, "message": error.message, "sender": sender}
        return JSONResponse(body, status_code=error.status, headers=NO_STORE)
    return JSONResponse({"sender": sender, "messages": messages}, headers=NO_STORE)


def _conversation_of(settings: Settings, sender: str | None) -> str:
    """The sender if the door issued it, else a fresh conversation id (never someone else's)."""
    key = conversation_key(settings)
    return sender if sender is not None and is_issued(key, sender) else issue_conversation_id(key)


ROUTES = [Route("/api/messages", post_message, methods=["POST"], name="messages")]
