"""A storage fault during an action (issue 11): a French message, a clear log line, nothing stored.

The SQLite file is locked by another writer (``BEGIN EXCLUSIVE``) for longer than the store's
lock timeout, then set read-only (``PRAGMA query_only`` on the store's connections): the action
answers with ``storage_error`` and logs which fault it was; the answer said again once the
fault is lifted is stored once, and the next question is asked.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from actions import actions as module
from actions.actions import ActionAnswer, ActionStartDiagnostic
from bot.dialogue import DiagnosticConversation
from bot.messages import default_messages
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue
from bot.settings import report_url
from bot.storage import DiagnosticStore, make_engine, migrate
from tests.actions.test_actions import SENDER, run


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DiagnosticConversation]:
    database = make_engine(f"sqlite:///{tmp_path / 'd.db'}", lock_timeout=0.2)
    migrate(database)
    conversation = DiagnosticConversation(
        store=DiagnosticStore(database),
        questionnaire=default_questionnaire(),
        catalogue=default_catalogue(),
        messages=default_messages(),
        report_url=report_url("http://diag.test"),
    )
    monkeypatch.setattr(module, "conversation", lambda: conversation)
    yield conversation
    database.dispose()


def stored(engine: DiagnosticConversation) -> dict:
    record = engine.store.latest_for_sender(SENDER)
    return {question_id: answer.value for question_id, answer in engine.store.answers(record.id).items()}


def test_a_locked_then_read_only_store_asks_to_repeat_and_logs_the_fault(
    engine: DiagnosticConversation, caplog: pytest.LogCaptureFixture
) -> None:
    apology = default_messages().say("storage_error")
    run(ActionStartDiagnostic(), "commencer", "start_diagnostic")

    holder = sqlite3.connect(engine.store.engine.url.database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with caplog.at_level(logging.ERROR, logger=module.__name__):
            messages = run(ActionAnswer(), "Cahors", "answer")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [m["text"] for m in messages] == [apology]
    assert "rien n'a été noté" in apology and "réessayez dans un instant" in apology
    assert "Diagnostic store fault (locked by another writer) in action_answer" in caplog.text
    assert "database is locked" in caplog.text
    assert stored(engine) == {}

    messages = run(ActionAnswer(), "Cahors", "answer")
    assert messages[-1]["custom"]["question_id"] == "type_collectivite"
    assert stored(engine) == {"nom_collectivite": "Cahors"}

    read_only = True

    def query_only(dbapi_connection, record, proxy) -> None:
        dbapi_connection.execute(f"PRAGMA query_only = {'ON' if read_only else 'OFF'}")

    event.listen(engine.store.engine, "checkout", query_only)
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger=module.__name__):
        messages = run(ActionAnswer(), "une commune", "answer")
    assert [m["text"] for m in messages] == [apology]
    assert "Diagnostic store fault (read-only) in action_answer" in caplog.text
    assert stored(engine) == {"nom_collectivite": "Cahors"}

    read_only = False
    messages = run(ActionAnswer(), "une commune", "answer")
    assert messages[-1]["custom"]["question_id"] == "population"
    assert stored(engine) == {"nom_collectivite": "Cahors", "type_collectivite": "commune"}
