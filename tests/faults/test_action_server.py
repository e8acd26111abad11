"""The action server dies in the middle of a diagnostic (issue 11), under the supervisor.

It is killed (SIGKILL) between two answers: the user's next message gets a clear French
error at once, never silence nor another question; supervisord starts the action server again
by itself and logs its exit; the same user then goes on at the same question, and every answer
given is stored once (``python -m bot export``).
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.faults.conftest import RESTART_DEADLINE, ROOT, Stack, question_of

pytestmark = pytest.mark.e2e

ANSWERS = {
    "type_collectivite": ("une commune", "commune"),
    "nom_collectivite": ("Saint-Martin-sur-Loire", "Saint-Martin-sur-Loire"),
    "population": ("environ douze mille habitants", 12000),
    "nombre_agents": ("à peu près 180 agents", 180),
    "role_repondant": ("je suis DST", "direction_technique"),
}


def start_diagnostic(stack: Stack, answered: int) -> tuple[str, dict]:
    """A new conversation through the door, ``answered`` questions answered; its current question."""
    sender, _ = stack.say(None, "Bonjour")
    sender, messages = stack.say(sender, "on commence")
    for _ in range(answered):
        question = question_of(messages)
        assert question is not None, messages
        sender, messages = stack.say(sender, ANSWERS[question["question_id"]][0])
    question = question_of(messages)
    assert question is not None, messages
    return sender, question


def assert_stored_once(stack: Stack, sender: str, question_ids: list[str]) -> None:
    exported = stack.export(sender)
    assert set(exported["answers"]) == set(question_ids)
    for question_id in question_ids:
        stored = exported["answers"][question_id]
        assert stored["value"] == ANSWERS[question_id][1], question_id
        assert stored["raw_text"] == ANSWERS[question_id][0]
        assert stored["revisions"] == [], f"{question_id} was stored more than once"


def test_killed_action_server_gives_a_french_error_then_the_same_question(stack: Stack) -> None:
    sender, question = start_diagnostic(stack, answered=2)
    assert question["question_id"] == "population"
    killed = stack.kill("actions")
    # At once, before the supervisor has it back (the action server takes seconds to start).
    response = stack.post(sender, ANSWERS["population"][0])
    assert response.status_code in (502, 503), response.text
    error = response.json()
    assert error["error"] in ("assistant_sans_reponse", "assistant_indisponible")
    assert "réessayez" in error["message"] and "conservées" in error["message"]
    assert "messages" not in error  # never a question with the error

    seconds = stack.wait_up("actions", RESTART_DEADLINE, old_pid=killed)
    print(f"action server back after {seconds:.1f} s")
    log = stack.supervisor_log()
    assert "exited: actions (terminated by SIGKILL; not expected)" in log
    assert log.count("spawned: 'actions'") >= 2

    # The same user, the same question: the retried answer is taken, the next question follows.
    sender_after, messages = stack.say(sender, ANSWERS["population"][0])
    assert sender_after == sender
    following = question_of(messages)
    assert following is not None and following["question_id"] == "nombre_agents", messages
    assert following["position"] == question["position"] + 1
    assert_stored_once(stack, sender, ["type_collectivite", "nom_collectivite", "population"])


def test_make_status_lists_every_service_with_its_log(stack: Stack) -> None:
    stack.wait_all_up()
    completed = subprocess.run(
        [sys.executable, "deploy/status.py"], cwd=ROOT, env=stack.env, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for name in ("serveur d'actions", "serveur Rasa", "site web", "site de démonstration"):
        assert name in completed.stdout
    assert completed.stdout.count(": en marche") == 4
    assert "depuis le " in completed.stdout
    for log in ("actions.log", "rasa.log", "web.log", "demo.log", "supervisord.log"):
        assert f"{stack.log_dir}/{log}" in completed.stdout


def test_every_service_comes_back_by_itself(stack: Stack) -> None:
    """The web application and the demo site too (Rasa: test_rasa_server.py)."""
    for name in ("web", "demo"):
        killed = stack.kill(name)
        started = time.monotonic()
        stack.wait_up(name, RESTART_DEADLINE, old_pid=killed)
        print(f"{name} back after {time.monotonic() - started:.1f} s")
        assert f"exited: {name} (terminated by SIGKILL; not expected)" in stack.supervisor_log()
