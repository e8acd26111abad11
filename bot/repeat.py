"""Starting a repeat of a finished diagnostic ("refaire le diagnostic", issue 14).

The repeat is a new diagnostic linked to the earlier one (``previous_diagnostic_id``) for the
same authority: the profile answers and the official authority are carried over, so they are
not asked again. It opens on its own question, whether the first action recommended last time
was started (``bot.progress.FIRST_ACTION_QUESTION``), when there was one; then the engine
(bot/dialogue.py) asks each question with the earlier answer recalled and a "Toujours vrai"
button.
"""

from __future__ import annotations

from bot.progress import FIRST_ACTION_QUESTION
from bot.questionnaire import Questionnaire
from bot.storage import DiagnosticRecord, DiagnosticStore


def start_repeat(
    store: DiagnosticStore, questionnaire: Questionnaire, previous_public_id: str, sender_id: str
) -> DiagnosticRecord | None:
    """The new diagnostic of ``sender_id`` repeating the finished one ``previous_public_id``;
    None when there is no such finished diagnostic (nothing is created then)."""
    with store.turn():
        previous = store.by_public_id(previous_public_id)
        if previous is None or previous.status != "termine":
            return None
        result = store.result(previous.id)
        if result is None:
            return None
        earlier = store.answers(previous.id)
        carried = tuple(q.id for q in questionnaire.questions if q.is_profile and q.id in earlier)
        top = (result.get("recommendation") or {}).get("top") or {}
        if top.get("code"):
            first = FIRST_ACTION_QUESTION
        else:
            first = next(q.id for q in questionnaire.questions if q.id not in carried)
        return store.create_repeat(sender_id, previous.id, carried, first)
