"""Starts the real action server and Rasa server on the trained model, once per session.

Each test talks to them through the REST channel with its own sender id. The servers
use their own SQLite files in a temporary folder, never the ones under var/ (see
tests/servers.py, shared with the browser tests).
"""

from __future__ import annotations

from typing import Any

from tests.servers import Servers

__all__ = ["Servers", "question_of", "result_of", "texts"]


def question_of(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The payload of the question asked in these messages, if any."""
    for message in reversed(messages):
        custom = message.get("custom") or {}
        if custom.get("type") == "question":
            return custom
    return None


def result_of(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    for message in messages:
        custom = message.get("custom") or {}
        if custom.get("type") == "result":
            return custom
    return None


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(message.get("text", "") for message in messages)
