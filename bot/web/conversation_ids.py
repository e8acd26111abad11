"""Conversation ids issued by the door: unguessable, and checkable by any door process.

An id is 32 random hexadecimal characters followed by 16 hexadecimal characters of an
HMAC-SHA256 over them, keyed by a key derived from the door's secret key
(DIAGNOSTIC_SECRET_KEY) with the label ``conversation-id``. Nothing is stored: every
process that shares the secret key recognises the ids the others issued. Without
DIAGNOSTIC_SECRET_KEY (development only), the key is drawn once per process, so ids issued
before a restart are no longer recognised (their holders get a fresh conversation).

The ids match the sender pattern the door and Rasa's REST channel accept
(``^[A-Za-z0-9_-]{8,64}$``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from bot.settings import Settings, session_secret

LABEL = b"conversation-id"
NONCE_HEX = 32
TAG_HEX = 16
_ISSUED = re.compile(rf"[0-9a-f]{{{NONCE_HEX + TAG_HEX}}}")


def _derived(key: bytes | str) -> bytes:
    raw = key.encode("utf-8") if isinstance(key, str) else key
    return hmac.new(raw, LABEL, hashlib.sha256).digest()


def _tag(key: bytes | str, nonce: str) -> str:
    return hmac.new(_derived(key), nonce.encode("ascii"), hashlib.sha256).hexdigest()[:TAG_HEX]


def issue_conversation_id(key: bytes | str) -> str:
    """A new conversation id, signed with ``key`` (the door's secret key)."""
    nonce = secrets.token_hex(NONCE_HEX // 2)
    return nonce + _tag(key, nonce)


def is_issued(key: bytes | str, candidate: object) -> bool:
    """Whether ``candidate`` is an id issued with ``key`` (constant-time comparison)."""
    if not isinstance(candidate, str) or not _ISSUED.fullmatch(candidate):
        return False
    nonce, tag = candidate[:NONCE_HEX], candidate[NONCE_HEX:]
    return hmac.compare_digest(tag, _tag(key, nonce))


def conversation_key(settings: Settings) -> str:
    """The door's secret key (the process key in development without DIAGNOSTIC_SECRET_KEY)."""
    return session_secret(settings)
