"""Two Rasa servers behind one door, sharing PostgreSQL and Redis (issue 12, scale-out).

One stack for the module (loading a model takes about a minute): two action servers, two Rasa
servers (each on its own action server) on databases of their own on the test PostgreSQL and a
key prefix of their own on the test Redis (``bash scripts/test-services.sh``, then
``source var/test-services.env``), and the door (the web application, served by uvicorn in
this process) on both Rasa (DIAGNOSTIC_RASA_URL with two addresses), its transport noting
which server each turn went to.

- Complete diagnostics: the door alternates the servers turn by turn, and every conversation is
  intact in the diagnostic store (each answer once, in order, under its own diagnostic, which
  ends with a result).
- One Rasa killed (SIGKILL) while users are answering: they go on on the other one (a turn
  that was on the killed server gets the door's French "réessayez" and is sent again, as the
  widget does), and nothing is lost or stored twice.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import text

from bot.service_secret import RASA_SECRET
from bot.settings import Settings
from bot.storage import DiagnosticStore
from bot.web.app import create_app
from bot.web.rasa_client import RasaClient, request_limit
from scripts.bench_load import canned_answers
from tests.faults.stack import postgres_url_for_tests, redis_url_for_tests
from tests.scale.pair import RasaPair, Recorder, rasa_pair, shared_stores
from tests.servers import free_port

pytestmark = pytest.mark.e2e

RETRIES = 40  # a turn the door could not finish is sent again (same message id), 0.5 s apart
ANSWERS = canned_answers()  # what the users type at each question ({n}: the conversation's number)


@dataclass
class Door:
    url: str
    recorder: Recorder
    store: DiagnosticStore
    pair: RasaPair


@contextmanager
def running_door(pair: RasaPair, database_url: str) -> Iterator[Door]:
    port = free_port()
    settings = Settings(
        public_url=f"http://127.0.0.1:{port}",
        rasa_url=",".join(pair.urls),
        rasa_secret=pair.env[RASA_SECRET],
        rate_limit=100_000,
        rate_limit_ip=1_000_000,
    )
    recorder = Recorder()
    store = DiagnosticStore.from_url(database_url)
    rasa = RasaClient(
        pair.urls,
        request_limit(settings.rasa_timeout),
        transport=recorder,
        secret=settings.rasa_secret,
        spread_turns=True,  # every conversation alternates the servers turn by turn
    )
    app = create_app(settings, store=store, rasa_client=rasa)

    async def door_app(scope: Any, receive: Any, send: Any) -> None:
        """The application, closing its Rasa client (which it does not own) when it stops."""
        if scope["type"] != "lifespan":
            return await app(scope, receive, send)

        async def receive_closing() -> Any:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                await rasa.aclose()
            return message

        return await app(scope, receive_closing, send)

    config = uvicorn.Config(door_app, host="127.0.0.1", port=port, log_level="warning", ws="wsproto")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the door did not start"
        time.sleep(0.05)
    try:
        yield Door(url=settings.public_url, recorder=recorder, store=store, pair=pair)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        store.engine.dispose()


@pytest.fixture(scope="module")
def door(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Door]:
    folder = tmp_path_factory.mktemp("scale")
    with (
        shared_stores(postgres_url_for_tests(), redis_url_for_tests(), "scale_e2e") as stores,
        rasa_pair(folder, stores) as pair,
        running_door(pair, stores["DIAGNOSTIC_DATABASE_URL"]) as running,
    ):
        yield running


@pytest.fixture
def both_up(door: Door) -> Door:
    """Both Rasa servers running (a test that killed one does not change the next one's stack)."""
    door.pair.ensure_up()
    door.recorder.served.clear()
    door.recorder.refused.clear()
    return door


@dataclass
class Diagnostic:
    sender: str
    taken: list[tuple[str, str | None]]  # (question id, text typed) of each answer taken, in order
    retried: int  # turns the door could not finish and the user sent again
    result: dict[str, Any]


def run_diagnostic(door: Door, number: int, after_turn: Any = None) -> Diagnostic:
    """A person answering the whole questionnaire through ``POST /api/messages``, each answer
    with its question id and a message id (as the widget sends them), sending a turn again when
    the door says to retry. ``after_turn()`` is called after each turn."""
    retried = 0
    with httpx.Client(base_url=door.url, timeout=90) as client:
        sender: str | None = None

        def say(message: str, question_id: str | None) -> list[dict[str, Any]]:
            nonlocal sender, retried
            body: dict[str, Any] = {"message": message, "message_id": f"m-{uuid.uuid4().hex}"}
            if sender is not None:
                body["sender"] = sender
            if question_id is not None:
                body["question_id"] = question_id
            for _ in range(RETRIES):
                response = client.post("/api/messages", json=body)
                if response.status_code == 200:
                    break
                assert response.status_code in (502, 503, 504), response.text
                assert "réessayez" in response.json()["message"]
                retried += 1
                time.sleep(0.5)
            assert response.status_code == 200, response.text
            sender = response.json()["sender"]
            if after_turn is not None:
                after_turn()
            return response.json()["messages"]

        def asked(messages: list[dict[str, Any]]) -> dict[str, Any]:
            ends = ("question", "confirmation", "result")
            customs = [m["custom"] for m in messages if (m.get("custom") or {}).get("type") in ends]
            assert customs, messages
            return customs[-1]

        say("bonjour", None)
        custom = asked(say("commencer", None))
        taken: list[tuple[str, str | None]] = []
        while custom["type"] != "result":
            question_id = custom["question_id"]
            if custom["type"] == "confirmation":
                # A reading to confirm: its first button, as a person would click it.
                value = custom["candidates"][0]["value"]
                value = ",".join(value) if isinstance(value, list) else value
                payload = "/answer" + json.dumps({"choice": value, "question_id": question_id})
                custom = asked(say(payload, question_id))
                taken[-1] = (question_id, None)  # the text typed is kept; the value is the button's
            else:
                typed = ANSWERS[question_id].format(n=number)
                custom = asked(say(typed, question_id))
                taken.append((question_id, typed))
            if custom["type"] != "confirmation":
                assert custom.get("question_id") != question_id, f"{question_id}: not taken"
        assert sender is not None
        return Diagnostic(sender=sender, taken=taken, retried=retried, result=custom)


def assert_intact(door: Door, diagnostic: Diagnostic) -> None:
    """One diagnostic for the conversation, ended, its answers exactly those taken, in order, once."""
    with door.store.engine.connect() as db:
        rows = db.execute(
            text("SELECT id, status FROM diagnostics WHERE sender_id = :s"), {"s": diagnostic.sender}
        ).all()
        assert len(rows) == 1, f"{diagnostic.sender}: {len(rows)} diagnostics"
        diagnostic_id, status = rows[0]
        stored = db.execute(
            text("SELECT question_id, raw_text FROM answers WHERE diagnostic_id = :d ORDER BY id"),
            {"d": diagnostic_id},
        ).all()
        revisions = db.execute(
            text(
                "SELECT COUNT(*) FROM answer_revisions r JOIN answers a ON a.id = r.answer_id "
                "WHERE a.diagnostic_id = :d"
            ),
            {"d": diagnostic_id},
        ).scalar_one()
    assert status == "termine"
    assert [row[0] for row in stored] == [question_id for question_id, _ in diagnostic.taken]
    for (question_id, raw_text), (_, typed) in zip(stored, diagnostic.taken, strict=True):
        assert typed is None or raw_text == typed, question_id
    assert revisions == 0
    assert diagnostic.result["type"] == "result"


def test_the_door_alternates_the_servers_and_every_diagnostic_is_intact(both_up: Door) -> None:
    door = both_up
    ports = [int(url.rsplit(":", 1)[1]) for url in door.pair.urls]
    alone = run_diagnostic(door, 1)
    served = [port for port, _ in door.recorder.served]
    assert len(served) == len(alone.taken) + 2
    assert all(a != b for a, b in itertools.pairwise(served)), served  # turn by turn
    assert set(served) == set(ports)
    assert_intact(door, alone)
    # Three people at once (an odd number: taking turns, each one's turns still alternate the
    # servers): each conversation goes through both servers, and stays whole.
    with ThreadPoolExecutor(3) as pool:
        together = list(pool.map(lambda n: run_diagnostic(door, n), range(2, 5)))
    for diagnostic in together:
        assert {port for port, sender in door.recorder.served if sender == diagnostic.sender} == set(ports)
        assert diagnostic.retried == 0
        assert_intact(door, diagnostic)
    assert door.recorder.refused == []


def test_a_killed_rasa_s_users_go_on_on_the_other(both_up: Door) -> None:
    door = both_up
    killed, survivor = door.pair.rasa
    killed_port, survivor_port = (int(url.rsplit(":", 1)[1]) for url in door.pair.urls)
    kill_at = 30  # turns served in all before the kill: every user is mid-diagnostic
    lock = threading.Lock()
    served_at_kill: list[int] = []

    def after_turn() -> None:
        with lock:
            if not served_at_kill and len(door.recorder.served) >= kill_at:
                killed.kill()
                served_at_kill.append(len(door.recorder.served))

    with ThreadPoolExecutor(3) as pool:
        diagnostics = list(pool.map(lambda n: run_diagnostic(door, n, after_turn), range(101, 104)))
    assert served_at_kill, "the kill did not happen"
    assert not killed.is_running()
    before = door.recorder.served[: served_at_kill[0]]
    after = door.recorder.served[served_at_kill[0] :]
    # Every user had turns on the killed server before, and went on on the other one after.
    for diagnostic in diagnostics:
        assert (killed_port, diagnostic.sender) in before
        assert (survivor_port, diagnostic.sender) in after
        assert_intact(door, diagnostic)
    # Turns in flight on the killed server when it died: at most one per user, sent again.
    assert sum(diagnostic.retried for diagnostic in diagnostics) <= len(diagnostics)
    # Later turns offered to the dead server were refused there and went on at once.
    assert {port for port, _ in after[len(diagnostics) :]} == {survivor_port}
    assert set(door.recorder.refused) <= {killed_port}
    assert survivor.is_running()
