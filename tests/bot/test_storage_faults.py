"""The diagnostic database fails for a while (issue 11): a turn is stored whole, or not at all.

Each fault is put on the store's own connections, as the database would show it, then lifted:

- locked: another writer holds the database (SQLite ``BEGIN EXCLUSIVE``; PostgreSQL
  ``LOCK TABLE … ACCESS EXCLUSIVE``) for longer than the store's lock timeout;
- read-only: SQLite ``PRAGMA query_only``; PostgreSQL ``default_transaction_read_only``;
- disk full (SQLite only): ``PRAGMA max_page_count`` at the file's current size, so the file
  cannot grow (the database uses 512-byte pages and the answer is long enough to need a new
  page: a short row could still fit in a page that has room, as on a real full disk).

Tests run as root, where chmod changes nothing, hence these simulations. Each time: the turn
raises a storage error that :func:`describe_fault` names; nothing of the turn is stored (no
answer, no revision, no state change); once the fault is lifted, the same store (no restart)
takes the answer once, under the right question, and asks the next one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.dialogue import DiagnosticConversation
from bot.messages import default_messages
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue
from bot.settings import report_url
from bot.storage import STORAGE_ERRORS, DiagnosticStore, describe_fault, make_engine, migrate
from bot.storage import faults as fault_names
from bot.storage.engine import PING_AFTER_IDLE_SECONDS
from bot.storage.models import AnswerRevisionRow, AnswerRow, Diagnostic
from tests.bot.replies import asked
from tests.clocks import FrozenClock

SENDER = "mairie-en-panne"
LOCK_WAIT = 0.2  # s: the store's lock timeout in these tests (5 s in service)
QUESTION = "citoyens_outil_lequel"  # a free text question (up to 300 characters)
FOLLOWING = "citoyens_communication"
DESCRIPTION = (
    "Un portail citoyen unique, avec un guichet en ligne pour les démarches, le signalement des "
    "problèmes de voirie et d'éclairage, la prise de rendez-vous en mairie et une lettre "
    "d'information mensuelle ; nous envisageons d'y ajouter une application mobile l'an prochain."
)
EXPECTED = {
    "locked": fault_names.LOCKED,
    "read_only": fault_names.READ_ONLY,
    "disk_full": fault_names.DISK_FULL,
}


class FaultyDatabase:
    """Puts the store's database into one fault (:meth:`fault`), then lifts it."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.mode: str | None = None
        event.listen(engine, "checkout", self._on_checkout)

    def _on_checkout(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        """Each connection the store takes from its pool shows the current fault."""
        if self.sqlite:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA query_only = {'ON' if self.mode == 'read_only' else 'OFF'}")
            pages = cursor.execute("PRAGMA page_count").fetchone()[0]
            # max_page_count never goes below the current size: "disk full" at this size.
            cursor.execute(f"PRAGMA max_page_count = {pages if self.mode == 'disk_full' else 2**30 - 1}")
            cursor.close()
            return
        dbapi_connection.rollback()  # the pre-ping opened a transaction
        dbapi_connection.autocommit = True  # a session setting, for the transactions to come
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET default_transaction_read_only = {'on' if self.mode == 'read_only' else 'off'}")
        cursor.close()
        dbapi_connection.autocommit = False

    @contextmanager
    def fault(self, mode: str) -> Iterator[None]:
        assert mode != "disk_full" or self.sqlite, "no disk-full simulation on PostgreSQL"
        if mode == "locked":
            with self._locked():
                yield
            return
        if mode == "disk_full":
            with sqlite3.connect(self.engine.url.database) as connection:
                connection.execute("VACUUM")  # no free page left inside the file
        self.mode = mode
        try:
            yield
        finally:
            self.mode = None

    @contextmanager
    def _locked(self) -> Iterator[None]:
        if self.sqlite:
            holder = sqlite3.connect(self.engine.url.database, isolation_level=None)
            holder.execute("BEGIN EXCLUSIVE")
            try:
                yield
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            return
        other = make_engine(self.url)
        try:
            with other.connect() as connection:
                connection.exec_driver_sql("LOCK TABLE diagnostics, answers IN ACCESS EXCLUSIVE MODE")
                try:
                    yield
                finally:
                    connection.rollback()
        finally:
            other.dispose()


def small_page_sqlite(url: str) -> None:
    """Create the SQLite file with 512-byte pages (a long answer then needs a new page)."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            connection.execute("PRAGMA page_size = 512")
            connection.execute("VACUUM")


@pytest.fixture
def faulty(storage_url: str) -> Iterator[tuple[DiagnosticStore, FaultyDatabase]]:
    small_page_sqlite(storage_url)
    engine = make_engine(storage_url, lock_timeout=LOCK_WAIT)
    migrate(engine)
    try:
        yield DiagnosticStore(engine), FaultyDatabase(storage_url, engine)
    finally:
        engine.dispose()


@pytest.fixture
def conversation(faulty: tuple[DiagnosticStore, FaultyDatabase]) -> DiagnosticConversation:
    store, _ = faulty
    return DiagnosticConversation(
        store=store,
        questionnaire=default_questionnaire(),
        catalogue=default_catalogue(),
        messages=default_messages(),
        report_url=report_url("http://diag.test"),
    )


def snapshot(store: DiagnosticStore) -> tuple[Any, ...]:
    """Everything stored: the sender's diagnostic (state, dates), answers, row counts."""
    record = store.latest_for_sender(SENDER)
    with store.engine.connect() as connection:
        counts = tuple(
            connection.scalar(select(func.count()).select_from(model))
            for model in (Diagnostic, AnswerRow, AnswerRevisionRow)
        )
    return record, store.answers(record.id), counts


def advance_to(engine: DiagnosticConversation, question_id: str) -> None:
    """A diagnostic in progress whose earlier questions were all passed."""
    engine.start(SENDER)
    store = engine.store
    record = store.latest_for_sender(SENDER)
    with store.turn():
        for question in engine.questionnaire.questions:
            if question.id == question_id:
                break
            store.save_answer(record.id, question.id, None, "skipped", None)
        store.update_state(record.id, current_question_id=question_id)


# Disk full is simulated on SQLite only (max_page_count); PostgreSQL's read-only mode stands
# for it there.
FAULTS = [
    pytest.param("locked", id="locked"),
    pytest.param("read_only", id="read_only"),
]
SQLITE_ONLY = pytest.mark.parametrize("storage_url", ["sqlite"], indirect=True)


@pytest.mark.parametrize("mode", FAULTS)
def test_a_store_turn_is_stored_whole_or_not_at_all(faulty, mode: str) -> None:
    store, database = faulty
    record = store.create(SENDER)
    store.update_state(record.id, current_question_id="population")
    before = snapshot(store)
    long_text = "environ douze mille habitants " * 40  # needs a page of its own

    def turn() -> None:
        with store.turn():
            store.save_answer(record.id, "population", 12000, "answered", long_text)
            store.update_state(record.id, current_question_id="nombre_agents", failed_attempts=0)

    with database.fault(mode), pytest.raises(STORAGE_ERRORS) as failure:
        turn()
    assert describe_fault(failure.value) == EXPECTED[mode]
    assert snapshot(store) == before

    turn()  # the fault is lifted: the same store, no restart
    after = store.get(record.id)
    assert after.current_question_id == "nombre_agents" and after.population == 12000
    assert list(store.answers(record.id)) == ["population"]
    assert store.revisions(record.id, "population") == []


@SQLITE_ONLY
def test_a_store_turn_on_a_full_disk_is_not_stored(faulty) -> None:
    test_a_store_turn_is_stored_whole_or_not_at_all(faulty, "disk_full")


@pytest.mark.parametrize("mode", FAULTS)
def test_an_answer_during_a_fault_is_not_stored_then_is_once(conversation, faulty, mode: str) -> None:
    _, database = faulty
    advance_to(conversation, QUESTION)
    before = snapshot(conversation.store)
    assert before[0].current_question_id == QUESTION

    with database.fault(mode), pytest.raises(STORAGE_ERRORS) as failure:
        conversation.answer(SENDER, DESCRIPTION)
    assert describe_fault(failure.value) == EXPECTED[mode]
    assert snapshot(conversation.store) == before  # no answer, no revision, same question

    replies = conversation.answer(SENDER, DESCRIPTION)  # said again, the fault lifted
    assert asked(replies) == FOLLOWING
    store = conversation.store
    record = store.latest_for_sender(SENDER)
    assert record.current_question_id == FOLLOWING
    stored = store.answers(record.id)
    assert (stored[QUESTION].value, stored[QUESTION].raw_text) == (DESCRIPTION, DESCRIPTION)
    assert store.revisions(record.id, QUESTION) == []
    assert snapshot(store)[2] == (1, before[2][1] + 1, 0)


@SQLITE_ONLY
def test_an_answer_on_a_full_disk_is_not_stored_then_is_once(conversation, faulty) -> None:
    test_an_answer_during_a_fault_is_not_stored_then_is_once(conversation, faulty, "disk_full")


def test_reading_still_works_on_a_read_only_store(conversation, faulty) -> None:
    """A read-only store still explains and repeats the question; only writes fail."""
    _, database = faulty
    advance_to(conversation, QUESTION)
    with database.fault("read_only"):
        why = conversation.explain(SENDER)
        assert asked(why) == QUESTION
        assert asked(conversation.current_question(SENDER)) == QUESTION


@contextmanager
def failing_statement(store: DiagnosticStore, prefix: str, words: str) -> Iterator[None]:
    """The database fails on the statements that start with ``prefix`` and contain ``words``."""

    def fail(connection, cursor, statement, parameters, context, executemany) -> None:
        if statement.startswith(prefix) and words in statement:
            raise OperationalError(statement, parameters, Exception("disk I/O error"))

    event.listen(store.engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(store.engine, "before_cursor_execute", fail)


def test_a_turn_failing_half_way_leaves_nothing_half_written(conversation, faulty) -> None:
    """The database fails after the answer is written, when the next question is: the answer
    goes too, so that saying it again cannot store it twice nor under the next question."""
    store, _ = faulty
    advance_to(conversation, QUESTION)
    before = snapshot(store)
    with (
        failing_statement(store, "UPDATE diagnostics", "current_question_id"),
        pytest.raises(OperationalError),
    ):
        conversation.answer(SENDER, DESCRIPTION)
    assert snapshot(store) == before

    assert asked(conversation.answer(SENDER, DESCRIPTION)) == FOLLOWING
    record = store.latest_for_sender(SENDER)
    assert store.answers(record.id)[QUESTION].value == DESCRIPTION
    assert store.revisions(record.id, QUESTION) == []


def test_the_end_of_a_diagnostic_is_one_transaction_too(conversation, faulty) -> None:
    """The last answer, the result and the "finished" state are stored together."""
    store, _ = faulty
    advance_to(conversation, conversation.questionnaire.questions[-1].id)
    before = snapshot(store)
    with failing_statement(store, "UPDATE diagnostics", "completed_at"), pytest.raises(OperationalError):
        conversation.skip(SENDER)
    assert snapshot(store) == before
    record = store.latest_for_sender(SENDER)
    assert store.result(record.id) is None

    conversation.skip(SENDER)
    record = store.latest_for_sender(SENDER)
    assert record.status == "termine" and store.result(record.id) is not None


def test_turns_nest_and_an_inner_failure_undoes_the_whole_turn(faulty) -> None:
    store, _ = faulty
    record = store.create(SENDER)
    with pytest.raises(ValueError), store.turn():
        store.save_answer(record.id, "population", 100, "answered", "100")
        with store.turn():
            store.update_state(record.id, current_question_id="nombre_agents")
        store.update_state(record.id, status="pas_un_statut")
    assert store.answers(record.id) == {}
    assert store.get(record.id).current_question_id is None


def _kill_pooled_connection(engine: Engine) -> None:
    """The server ends the backend of the pool's only connection (as a restart would)."""
    with engine.connect() as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    killer = make_engine(engine.url.render_as_string(hide_password=False))
    with killer.connect() as connection:
        assert connection.exec_driver_sql(f"SELECT pg_terminate_backend({pid})").scalar_one()
    killer.dispose()


@pytest.mark.postgres
def test_a_connection_idle_a_while_is_checked_and_replaced_when_dead(postgres_url: str) -> None:
    clock = FrozenClock(100.0)
    engine = make_engine(postgres_url, clock=clock)
    try:
        _kill_pooled_connection(engine)
        clock.now += PING_AFTER_IDLE_SECONDS
        with engine.connect() as connection:  # checked, found dead, replaced: no error
            assert connection.exec_driver_sql("SELECT 1").scalar_one() == 1
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_connection_back_in_use_at_once_is_not_checked(postgres_url: str) -> None:
    """Under load a connection is reused within milliseconds: no extra round trip. Had the
    server died in between, the statement fails, and the whole pool is renewed."""
    clock = FrozenClock(100.0)
    engine = make_engine(postgres_url, clock=clock)
    try:
        _kill_pooled_connection(engine)
        clock.now += PING_AFTER_IDLE_SECONDS / 10
        with pytest.raises(OperationalError) as raised, engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        assert describe_fault(raised.value) == fault_names.UNREACHABLE
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar_one() == 1
    finally:
        engine.dispose()
