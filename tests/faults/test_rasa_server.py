"""Rasa dies in the middle of a diagnostic, while it holds the conversation's lock (issue 11).

The action server is paused (SIGSTOP) so that Rasa is stuck inside the user's message, holding
the conversation's ticket lock; Rasa is then killed (SIGKILL), and the paused action server too,
so the message in flight is never carried out. The user gets a clear French error; supervisord
starts Rasa again, which finds the conversation in its tracker store; the user's retry is
answered at once (Rasa's in-memory locks died with the process, and never wait their lifetime,
TICKET_LOCK_LIFETIME) with the question that follows, every answer stored once.
"""

from __future__ import annotations

import signal
import sqlite3
import threading
import time

import httpx
import pytest

from tests.faults.conftest import RESTART_DEADLINE, START_DEADLINE, Stack, question_of
from tests.faults.test_action_server import ANSWERS, assert_stored_once, start_diagnostic

pytestmark = pytest.mark.e2e


def tracker_events(stack: Stack, sender: str) -> int:
    with sqlite3.connect(stack.tracker_db) as tracker:
        return tracker.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def test_killed_rasa_restarts_and_the_conversation_goes_on(stack: Stack) -> None:
    sender, question = start_diagnostic(stack, answered=3)
    assert question["question_id"] == "nombre_agents"
    events_before = tracker_events(stack, sender)
    assert events_before > 0

    actions_pid = stack.kill("actions", signal.SIGSTOP)
    answers: list[httpx.Response] = []
    typed = ANSWERS["nombre_agents"][0]
    in_flight = threading.Thread(target=lambda: answers.append(stack.post(sender, typed)))
    in_flight.start()
    time.sleep(3)  # Rasa now waits for the paused action server, the conversation locked
    rasa_pid = stack.kill("rasa")
    stack.kill("actions")  # the paused request dies with it, never carried out
    in_flight.join(timeout=60)
    assert answers, "the door did not answer"
    assert answers[0].status_code in (502, 503), answers[0].text
    assert "réessayez" in answers[0].json()["message"]

    # While Rasa reloads its model, the door says so at once, in French.
    stack.wait_up("actions", RESTART_DEADLINE, old_pid=actions_pid)
    response = stack.post(sender, ANSWERS["nombre_agents"][0], timeout=10)
    assert response.status_code == 503
    assert response.json()["error"] == "assistant_indisponible"
    assert stack.health()["status"] == "degrade"

    seconds = stack.wait_up("rasa", START_DEADLINE, old_pid=rasa_pid)
    print(f"Rasa back after {seconds:.1f} s")
    assert "exited: rasa (terminated by SIGKILL; not expected)" in stack.supervisor_log()
    assert tracker_events(stack, sender) >= events_before

    started = time.monotonic()
    _, messages = stack.say(sender, ANSWERS["nombre_agents"][0])
    waited = time.monotonic() - started
    print(f"first answer after the restart in {waited:.1f} s")
    assert waited < 10, "the user waited for a lock left by the killed Rasa"
    following = question_of(messages)
    assert following is not None and following["question_id"] == "role_repondant", messages
    assert_stored_once(
        stack, sender, ["type_collectivite", "nom_collectivite", "population", "nombre_agents"]
    )
    assert stack.health()["status"] == "ok"
