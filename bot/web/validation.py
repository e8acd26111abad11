"""Checks of what a browser sends to the chat API, before anything reaches Rasa.

Every refusal is an :class:`InputError` with an HTTP status, a stable code for programs
and a French message for people (the widget shows it as is).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# Conversation ids: the door issues them (bot/web/conversation_ids.py); any other is replaced.
SENDER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Control characters other than tab and newline are dropped from messages.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
JSON_MEDIA_TYPES = ("application/json",)


class InputError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ChatRequest:
    sender: str | None  # None: the client has no conversation yet (the door issues one)
    message: str


def check_content_type(content_type: str | None) -> None:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type not in JSON_MEDIA_TYPES:
        raise InputError(
            415,
            "type_non_pris_en_charge",
            "La requête doit être envoyée en JSON (Content-Type: application/json).",
        )


def check_declared_length(content_length: str | None, limit: int) -> None:
    if content_length is None:
        return
    try:
        length = int(content_length)
    except ValueError:
        raise InputError(400, "longueur_invalide", "L'en-tête Content-Length est invalide.") from None
    if length > limit:
        raise too_large(limit)


def too_large(limit: int) -> InputError:
    message = f"La requête est trop volumineuse (au plus {limit} octets)."
    return InputError(413, "requete_trop_grosse", message)


def parse_chat_request(body: bytes, max_message_length: int) -> ChatRequest:
    """The sender id (None when absent) and message of a JSON body ``{"sender": "...", "message": "..."}``."""
    try:
        data: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep
        raise InputError(400, "json_invalide", "Le contenu de la requête n'est pas un JSON valide.") from None
    if not isinstance(data, dict):
        raise InputError(400, "json_invalide", "Le contenu de la requête doit être un objet JSON.")
    sender = data.get("sender")
    if sender is not None and (not isinstance(sender, str) or not SENDER_PATTERN.fullmatch(sender)):
        raise InputError(
            422,
            "identifiant_invalide",
            "L'identifiant de conversation est invalide (8 à 64 lettres, chiffres, tirets).",
        )
    return ChatRequest(sender=sender, message=check_message(data.get("message"), max_message_length))


def check_message(message: object, max_message_length: int) -> str:
    """The text of a chat message, cleaned (REST and Socket.IO alike), or an :class:`InputError`."""
    if not isinstance(message, str):
        raise InputError(422, "message_invalide", "Le message doit être un texte.")
    if _SURROGATE.search(message):
        # JSON's "\ud800" escapes decode to lone surrogates, which no UTF-8 text may carry.
        raise InputError(422, "message_invalide", "Le message contient des caractères invalides.")
    message = _CONTROL.sub("", message).strip()
    if not message:
        raise InputError(422, "message_vide", "Le message est vide : écrivez votre réponse avant d'envoyer.")
    if len(message) > max_message_length:
        raise InputError(
            422,
            "message_trop_long",
            f"Votre message est trop long ({len(message)} caractères, au plus {max_message_length}).",
        )
    return message
