"""Reading the engine's replies and store in the engine's tests."""

from __future__ import annotations

from typing import Any

from bot.dialogue import DiagnosticConversation, Reply


def asked(replies: list[Reply]) -> str | None:
    """The id of the last question the replies ask, if any."""
    for reply in reversed(replies):
        if reply.custom and reply.custom.get("type") == "question":
            return reply.custom["question_id"]
    return None


def stored(engine: DiagnosticConversation, sender: str, detail: str) -> dict[str, tuple[Any, Any]]:
    """The sender's latest diagnostic's answers: question id -> (value, the answer's ``detail``)."""
    record = engine.store.latest_for_sender(sender)
    return {qid: (a.value, getattr(a, detail)) for qid, a in engine.store.answers(record.id).items()}
