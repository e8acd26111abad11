"""The engine the custom actions run on, in a fresh SQLite store: shared by the action tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions import actions as module
from bot.dialogue import DiagnosticConversation
from bot.messages import default_messages
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue
from bot.settings import report_url
from bot.storage import DiagnosticStore


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DiagnosticConversation:
    conversation = DiagnosticConversation(
        store=DiagnosticStore.from_url(f"sqlite:///{tmp_path / 'd.db'}"),
        questionnaire=default_questionnaire(),
        catalogue=default_catalogue(),
        messages=default_messages(),
        report_url=report_url("http://diag.test"),
    )
    monkeypatch.setattr(module, "conversation", lambda: conversation)
    return conversation
