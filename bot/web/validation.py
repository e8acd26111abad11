"""Checks of what a browser sends to the chat API, before anything reaches Rasa.

Every refusal is an :class:`InputError` with an HTTP status, a stable code for programs
and a French message for people (the widget shows it as is).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.web.errors import DoorError, web_text

if TYPE_CHECKING:  # only the door reads a body this way; Rasa's REST channel has its own
    from starlette.requests import Request

# Conversation ids: the door issues them (bot/web/conversation_ids.py); any other is replaced.
SENDER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# The question a message answers (ids of bot/content/questionnaire.yml), sent back by clients.
QUESTION_ID_PATTERN = re.compile(r"^[a-z0-9_]{1,64}$")
# A client's key for one message, the same when it sends that message again (retry).
MESSAGE_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
QUESTION_ID = "question_id"
# A button payload: "/intent" or "/intent{json object}" (Rasa's own syntax).
_PAYLOAD = re.compile(r"/(?P<intent>[A-Za-z_][A-Za-z0-9_]*)(?P<entities>\{.*\})?", re.DOTALL)
# Control characters other than tab and newline are dropped from messages.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
JSON_MEDIA_TYPES = ("application/json",)


class InputError(DoorError):
    """What the browser sent is refused."""


@dataclass(frozen=True)
class ChatRequest:
    sender: str | None  # None: the client has no conversation yet (the door issues one)
    message: str
    question_id: str | None = None  # the question the message answers, if the client said
    message_id: str | None = None  # the client's key for this message (the same on a retry)


def check_content_type(content_type: str | None) -> None:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type not in JSON_MEDIA_TYPES:
        raise InputError(
            415,
            "type_non_pris_en_charge",
            web_text("json_required"),
        )


def check_declared_length(content_length: str | None, limit: int) -> None:
    if content_length is None:
        return
    try:
        length = int(content_length)
    except ValueError:
        raise InputError(400, "longueur_invalide", web_text("invalid_length")) from None
    if length > limit:
        raise too_large(limit)


def too_large(limit: int) -> InputError:
    message = web_text("too_large", limit=limit)
    return InputError(413, "requete_trop_grosse", message)


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, refused (413) as soon as it is longer than ``limit`` bytes."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise too_large(limit)
    return bytes(body)


def parse_chat_request(body: bytes, max_message_length: int) -> ChatRequest:
    """The sender id (None when absent) and message of a JSON body ``{"sender": "...", "message": "..."}``,
    with the optional ``question_id`` (or the one a button payload carries) and ``message_id``."""
    try:
        data: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep
        raise InputError(400, "json_invalide", web_text("invalid_json")) from None
    if not isinstance(data, dict):
        raise InputError(400, "json_invalide", web_text("json_not_object"))
    sender = data.get("sender")
    if sender is not None and (not isinstance(sender, str) or not SENDER_PATTERN.fullmatch(sender)):
        raise InputError(
            422,
            "identifiant_invalide",
            web_text("invalid_sender"),
        )
    message = check_message(data.get("message"), max_message_length)
    question_id = check_question_id(data.get(QUESTION_ID))
    message, in_payload = split_question_id(message)
    return ChatRequest(
        sender=sender,
        message=message,
        question_id=in_payload or question_id,
        message_id=check_message_id(data.get("message_id")),
    )


def check_question_id(question_id: object) -> str | None:
    """The id of the question a message answers (optional), or an :class:`InputError`."""
    return _optional_id(question_id, QUESTION_ID_PATTERN, "question_invalide", "invalid_question_id")


def check_message_id(message_id: object) -> str | None:
    """The client's key for a message (optional), or an :class:`InputError`."""
    return _optional_id(message_id, MESSAGE_ID_PATTERN, "message_id_invalide", "invalid_message_id")


def _optional_id(value: object, pattern: re.Pattern[str], code: str, refusal: str) -> str | None:
    """``value`` if absent (None) or a string matching ``pattern``; else an :class:`InputError`
    (422, ``code``, the sentence ``refusal`` of web.yml)."""
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InputError(422, code, web_text(refusal))
    return value


def _payload_entities(message: str) -> tuple[str, dict[str, Any]] | None:
    """The intent and entities of a button payload; None for anything else."""
    match = _PAYLOAD.fullmatch(message)
    if match is None:
        return None
    if match["entities"] is None:
        return match["intent"], {}
    try:
        entities = json.loads(match["entities"])
    except (ValueError, RecursionError):
        return None
    return (match["intent"], entities) if isinstance(entities, dict) else None


def split_question_id(message: str) -> tuple[str, str | None]:
    """A button payload that carries the id of its question, and that id, apart.

    ``/answer{"choice": "oui", "question_id": "donnees_rgpd"}`` gives
    ``('/answer{"choice": "oui"}', "donnees_rgpd")``; ``/skip{"question_id": "x"}`` gives
    ``("/skip", "x")``. Rasa gets the payload it knows, the id travels beside it. Typed text,
    and payloads without the id, come back unchanged with None.
    """
    parsed = _payload_entities(message)
    if parsed is None or QUESTION_ID not in parsed[1]:
        return message, None
    intent, entities = parsed
    question_id = check_question_id(entities.pop(QUESTION_ID))
    return f"/{intent}{json.dumps(entities) if entities else ''}", question_id


def with_question_id(payload: str, question_id: str) -> str:
    """The button payload the door hands to clients: the engine's, plus its question's id."""
    parsed = _payload_entities(payload)
    if parsed is None:
        return payload
    intent, entities = parsed
    return f"/{intent}{json.dumps({**entities, QUESTION_ID: question_id})}"


def check_message(message: object, max_message_length: int) -> str:
    """The text of a chat message, cleaned (REST and Socket.IO alike), or an :class:`InputError`."""
    if not isinstance(message, str):
        raise InputError(422, "message_invalide", web_text("message_not_text"))
    if _SURROGATE.search(message):
        # JSON's "\ud800" escapes decode to lone surrogates, which no UTF-8 text may carry.
        raise InputError(422, "message_invalide", web_text("message_invalid_characters"))
    message = _CONTROL.sub("", message).strip()
    if not message:
        raise InputError(422, "message_vide", web_text("message_empty"))
    if len(message) > max_message_length:
        raise InputError(
            422,
            "message_trop_long",
            web_text("message_too_long", length=len(message), maximum=max_message_length),
        )
    return message
