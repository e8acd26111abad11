"""Builds the diagnostic engine once per action-server process, on first use."""

from __future__ import annotations

from functools import lru_cache

from bot.dialogue import DiagnosticConversation
from bot.messages import default_messages
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue
from bot.settings import load_settings
from bot.storage import DiagnosticStore


@lru_cache(maxsize=1)
def conversation() -> DiagnosticConversation:
    """The engine on the store named by DIAGNOSTIC_DATABASE_URL (migrated on first use)."""
    return DiagnosticConversation(
        store=DiagnosticStore.from_url(),
        questionnaire=default_questionnaire(),
        catalogue=default_catalogue(),
        messages=default_messages(),
        public_url=load_settings().public_url,
    )
