"""The diagnostic database fails for a while (issue 11): the user is asked to repeat, nothing is
stored twice nor under the wrong question, and the service resumes by itself.

- e2e, through the door of the supervised stack: the stack's SQLite diagnostic database is
  locked by the test process (``BEGIN EXCLUSIVE``, held while the answer waits out the busy
  timeout), then its disk is "full" (the action server may write no byte to any file:
  ``RLIMIT_FSIZE`` at 0, which tests running as root can set, unlike a chmod). Each time the
  user gets the French ``storage_error`` message and the log says which fault; once it is
  lifted, the answer said again is stored once and the next question follows.
- PostgreSQL stopped then started (``pg_ctl stop -m immediate``), then switched to read-only
  (``ALTER SYSTEM SET default_transaction_read_only``), on a throwaway server of its own (the
  shared test server is left alone): the same engine and store, never rebuilt, go on after it.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import resource
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bot.messages import default_messages
from tests.faults.conftest import RESTART_DEADLINE, Stack, question_of
from tests.faults.stack import process_tree
from tests.faults.test_action_server import ANSWERS, assert_stored_once, start_diagnostic
from tests.servers import free_port


def apology() -> str:
    return default_messages().say("storage_error")


def texts(messages: list[dict]) -> list[str]:
    return [message.get("text") for message in messages]




@pytest.mark.e2e
def test_a_locked_then_full_diagnostic_database_asks_to_repeat_then_resumes(stack: Stack) -> None:
    stack.wait_all_up()
    sender, question = start_diagnostic(stack, answered=2)
    assert question["question_id"] == "population"
    database = Path(stack.env["DIAGNOSTIC_DATABASE_URL"].removeprefix("sqlite:///"))
    log = stack.log_dir / "actions.log"
    log_before = len(log.read_text(errors="replace"))

    # Locked by another writer for longer than the busy timeout (5 s): the user is told.
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        sender, messages = stack.say(sender, ANSWERS["population"][0])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert texts(messages) == [apology()], messages
    assert question_of(messages) is None
    assert "Diagnostic store fault (locked by another writer)" in log.read_text(errors="replace")[log_before:]

    # Said again once the lock is gone: stored once, under the right question.
    sender, messages = stack.say(sender, ANSWERS["population"][0])
    assert question_of(messages)["question_id"] == "nombre_agents", messages
    assert_stored_once(stack, sender, ["type_collectivite", "nom_collectivite", "population"])

    # Disk full: the action server may not write a single byte to a file.
    pid = stack.info("actions")["pid"]
    writers = process_tree(pid)  # SQLite connections are opened per turn (no pool to look at)
    limits = {writer: resource.prlimit(writer, resource.RLIMIT_FSIZE) for writer in writers}
    for writer, (_, hard) in limits.items():
        resource.prlimit(writer, resource.RLIMIT_FSIZE, (0, hard))
    try:
        sender, messages = stack.say(sender, ANSWERS["nombre_agents"][0])
    finally:
        for writer, limit in limits.items():
            resource.prlimit(writer, resource.RLIMIT_FSIZE, limit)
    assert texts(messages) == [apology()], messages
    assert "Diagnostic store fault (disk write error" in log.read_text(errors="replace")[log_before:]
    assert_stored_once(stack, sender, ["type_collectivite", "nom_collectivite", "population"])

    # Space is back: the same process goes on (no restart), the answer is stored once.
    sender, messages = stack.say(sender, ANSWERS["nombre_agents"][0])
    assert question_of(messages)["question_id"] == "role_repondant", messages
    assert stack.info("actions")["pid"] == pid
    answered = ["type_collectivite", "nom_collectivite", "population", "nombre_agents"]
    assert_stored_once(stack, sender, answered)
    stack.wait_all_up(RESTART_DEADLINE)


# --- PostgreSQL stopped then started, then read-only -----------------------------------------


class ThrowawayPostgres:
    """A PostgreSQL server of its own, in a temporary folder, on a free port."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="diagnostic-pg-"))  # readable by postgres
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, cwd="/", check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            shutil.chown(self.data, "postgres", "postgres")
        self.data.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.data / "server.log"), "-w", "-t", "60",
                  "-o", options, "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def set_read_only(self, read_only: bool) -> None:
        """Server-wide, for every session, as an operator would (config reload, no restart)."""
        admin = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql("SET default_transaction_read_only = off")  # this session
                value = "on" if read_only else "DEFAULT"
                connection.exec_driver_sql(f"ALTER SYSTEM SET default_transaction_read_only = {value}")
                connection.execute(text("SELECT pg_reload_conf()"))
            deadline = time.monotonic() + 30
            while True:  # new sessions show the setting once the server has reloaded
                with admin.connect() as connection:
                    shown = connection.exec_driver_sql("SHOW default_transaction_read_only").scalar()
                if shown == ("on" if read_only else "off"):
                    break
                assert time.monotonic() < deadline, "the server did not reload its configuration"
                time.sleep(0.05)
            time.sleep(0.2)  # the running sessions were signalled by then; let them take it
        finally:
            admin.dispose()

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def postgres() -> Iterator[ThrowawayPostgres]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL's binaries are not installed (scripts/test-services.sh installs them)")
    server = ThrowawayPostgres(Path(found[-1]).parent)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()


def test_postgres_stopped_then_started_then_read_only(
    postgres: ThrowawayPostgres, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from actions import actions as module
    from actions.actions import ActionAnswer, ActionStartDiagnostic
    from bot.dialogue import DiagnosticConversation
    from bot.questionnaire import default_questionnaire
    from bot.recommendations import default_catalogue
    from bot.settings import report_url
    from bot.storage import DiagnosticStore
    from tests.actions.test_actions import SENDER, run

    store = DiagnosticStore.from_url(postgres.url)
    engine = DiagnosticConversation(
        store=store,
        questionnaire=default_questionnaire(),
        catalogue=default_catalogue(),
        messages=default_messages(),
        report_url=report_url("http://diag.test"),
    )
    monkeypatch.setattr(module, "conversation", lambda: engine)  # one engine, never rebuilt

    def stored() -> dict:
        record = store.latest_for_sender(SENDER)
        for question_id in store.answers(record.id):
            assert store.revisions(record.id, question_id) == [], f"{question_id} stored twice"
        return {question_id: answer.value for question_id, answer in store.answers(record.id).items()}

    def fails_cleanly(text: str, fault: str) -> None:
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger=module.__name__):
            messages = run(ActionAnswer(), text, "answer")
        assert texts(messages) == [apology()]
        assert f"Diagnostic store fault ({fault}) in action_answer" in caplog.text

    try:
        run(ActionStartDiagnostic(), "commencer", "start_diagnostic")
        run(ActionAnswer(), "Cahors", "answer")

        postgres.stop("immediate")  # as a crash: the pooled connections are dead
        fails_cleanly("une commune", "unreachable")
        postgres.start()
        messages = run(ActionAnswer(), "une commune", "answer")
        assert messages[-1]["custom"]["question_id"] == "population"
        assert stored() == {"type_collectivite": "commune", "nom_collectivite": "Cahors"}

        postgres.set_read_only(True)
        fails_cleanly("environ douze mille habitants", "read-only")
        assert stored() == {"type_collectivite": "commune", "nom_collectivite": "Cahors"}
        assert store.latest_for_sender(SENDER).current_question_id == "population"
        postgres.set_read_only(False)
        messages = run(ActionAnswer(), "environ douze mille habitants", "answer")
        assert messages[-1]["custom"]["question_id"] == "nombre_agents"
        assert stored() == {"type_collectivite": "commune", "nom_collectivite": "Cahors", "population": 12000}
    finally:
        store.engine.dispose()
