"""The chat API: the browser's messages, checked and rate-limited, passed on to Rasa.

POST /api/messages  {"sender": "<id>", "message": "<text>"}  (application/json)
→ 200 {"messages": [{"text", "buttons", "custom"}...]}
→ 4xx/5xx {"error": "<code>", "message": "<phrase en français>"}
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.settings import Settings
from bot.web.errors import json_error
from bot.web.rasa_client import AssistantError
from bot.web.ratelimit import RateLimiter
from bot.web.validation import (
    InputError,
    check_content_type,
    check_declared_length,
    parse_chat_request,
    too_large,
)

NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class ChatLimits:
    per_client: RateLimiter  # one client address, every conversation
    per_conversation: RateLimiter  # one client address and one sender id

    @classmethod
    def of(cls, settings: Settings) -> ChatLimits:
        window = settings.rate_window_seconds
        return cls(
            per_client=RateLimiter(settings.rate_limit_ip, window),
            per_conversation=RateLimiter(settings.rate_limit, window),
        )


def _too_many(retry_after: float) -> JSONResponse:
    seconds = max(1, math.ceil(retry_after))
    return json_error(
        429,
        "trop_de_messages",
        f"Vous envoyez trop de messages à la suite : patientez {seconds} seconde"
        f"{'s' if seconds > 1 else ''} avant de réessayer.",
        headers={"Retry-After": str(seconds), **NO_STORE},
    )


async def _read_body(request: Request, limit: int) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise too_large(limit)
    return bytes(body)


async def post_message(request: Request) -> Response:
    state = request.app.state
    settings: Settings = state.settings
    limits: ChatLimits = state.chat_limits
    client = request.client.host if request.client else "inconnu"
    try:
        check_content_type(request.headers.get("content-type"))
        check_declared_length(request.headers.get("content-length"), settings.max_body_bytes)
        retry_after = limits.per_client.hit(client)
        if retry_after is not None:
            return _too_many(retry_after)
        body = await _read_body(request, settings.max_body_bytes)
        chat = parse_chat_request(body, settings.max_message_length)
    except InputError as error:
        return json_error(error.status, error.code, error.message, headers=NO_STORE)
    except ClientDisconnect:
        return Response(status_code=400)
    retry_after = limits.per_conversation.hit((client, chat.sender))
    if retry_after is not None:
        return _too_many(retry_after)
    try:
        messages = await state.rasa.send(chat.sender, chat.message)
    except AssistantError as error:
        return json_error(error.status, error.code, error.message, headers=NO_STORE)
    return JSONResponse({"messages": messages}, headers=NO_STORE)


ROUTES = [Route("/api/messages", post_message, methods=["POST"], name="messages")]
