"""Two tabs, a double click, a retry after a slow answer: one answer per question (issue 11).

Through the door of the supervised stack (real Rasa, actions and database): messages say
which question they answer (``question_id``, which a button's payload carries) and the engine
refuses a late one; the door sends a message once however often it comes (``message_id``, or
the same text twice at once). A second door, in front of a Rasa slowed down by a proxy
(tests/slow_rasa.py), says it is too slow and takes the retry without storing it twice.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.faults.conftest import Stack, question_of
from tests.servers import free_port, running
from tests.slow_rasa import SlowRasa

pytestmark = pytest.mark.e2e

STALE = "déjà traitée"
NOTED = "C'est noté"


def button(code: str, question_id: str) -> str:
    """A button's payload as the door hands it out (with its question's id)."""
    return "/answer" + json.dumps({"choice": code, "question_id": question_id})


def at_once(url: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """Posts every body from its own thread, all released together (two tabs, a double click)."""
    barrier = threading.Barrier(len(bodies))
    responses: list[httpx.Response | None] = [None] * len(bodies)

    def post(index: int) -> None:
        barrier.wait()
        responses[index] = httpx.post(f"{url}/api/messages", json=bodies[index], timeout=60)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert all(r is not None for r in responses)
    return [r for r in responses if r is not None]


def texts(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return "\n".join(m.get("text", "") for m in response.json()["messages"])


def asked(response: httpx.Response) -> str | None:
    question = question_of(response.json()["messages"])
    return question["question_id"] if question else None


def new_conversation(stack: Stack, skip_name: bool = False) -> tuple[str, str]:
    """A new conversation at its first question (the name), or at the type (name skipped)."""
    sender, _ = stack.say(None, "Bonjour")
    sender, messages = stack.say(sender, "on commence")
    if skip_name:
        sender, messages = stack.say(sender, "/skip")
    question = question_of(messages)
    assert question is not None
    return sender, question["question_id"]


def stored(stack: Stack, sender: str) -> dict[str, Any]:
    exported = stack.export(sender)
    for question_id, answer in exported["answers"].items():
        assert answer["revisions"] == [], f"{question_id} was stored more than once"
    return exported


def test_two_tabs_answer_the_same_question_at_once(stack: Stack) -> None:
    stack.wait_all_up()
    sender, question_id = new_conversation(stack, skip_name=True)
    assert question_id == "type_collectivite"
    bodies = [
        {"sender": sender, "message": button(code, question_id), "message_id": uuid.uuid4().hex}
        for code in ("commune", "departement")
    ]
    responses = at_once(stack.door_url, bodies)

    noted = [r for r in responses if NOTED in texts(r)]
    refused = [r for r in responses if STALE in texts(r)]
    assert len(noted) == 1 and len(refused) == 1, [texts(r) for r in responses]
    assert [asked(r) for r in responses] == ["population", "population"]
    exported = stored(stack, sender)
    assert set(exported["answers"]) == {"nom_collectivite", "type_collectivite"}
    value = exported["answers"]["type_collectivite"]["value"]
    assert f"{NOTED} : {'Commune' if value == 'commune' else 'Département'}." in texts(noted[0])
    assert exported["current_question_id"] == "population"


def test_a_double_click_and_a_double_send_store_one_answer(stack: Stack) -> None:
    stack.wait_all_up()
    sender, question_id = new_conversation(stack)
    assert question_id == "nom_collectivite"
    # Typed text sent twice at once by a client that gives no id at all.
    typed = {"sender": sender, "message": "Communauté de communes du Val"}
    responses = at_once(stack.door_url, [typed, typed])
    assert [asked(r) for r in responses] == ["type_collectivite", "type_collectivite"]
    # A double click: the same button twice at once, without a message id (rasa-webchat).
    click = {"sender": sender, "message": button("intercommunalite", "type_collectivite")}
    responses = at_once(stack.door_url, [click, click])
    assert [asked(r) for r in responses] == ["population", "population"]
    # The same typed answer, with its question, once more after it was answered (a retry that
    # reached the door after the first answer): refused, not filed under the next question.
    first = stack.post(sender, "12 000")
    assert asked(first) == "nombre_agents"
    late = httpx.post(
        f"{stack.door_url}/api/messages",
        json={"sender": sender, "message": "12 000", "question_id": "population"},
        timeout=60,
    )
    assert STALE in texts(late) and asked(late) == "nombre_agents"

    exported = stored(stack, sender)
    answers = {qid: a["value"] for qid, a in exported["answers"].items()}
    assert answers == {
        "type_collectivite": "intercommunalite",
        "nom_collectivite": "Communauté de communes du Val",
        "population": 12000,
    }
    assert exported["current_question_id"] == "nombre_agents"


@pytest.fixture
def slow_door(stack: Stack, tmp_path) -> Iterator[tuple[str, SlowRasa]]:
    """Another door process, in front of a proxy that makes Rasa slow; it waits 3 s for Rasa."""
    port = free_port()
    proxy = SlowRasa(stack.env["DIAGNOSTIC_RASA_URL"])
    env = {
        **stack.env,
        "DIAGNOSTIC_WEB_PORT": str(port),
        "DIAGNOSTIC_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DIAGNOSTIC_RASA_URL": proxy.url,
        "DIAGNOSTIC_RASA_TIMEOUT": "3",
    }
    door = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "bot.web", "site"]
    with proxy.running(), running(command, env, tmp_path / "web.log", f"{door}/api/health"):
        yield door, proxy


def test_a_slow_rasa_gets_a_clear_message_and_the_retry_stores_once(
    stack: Stack, slow_door: tuple[str, SlowRasa]
) -> None:
    stack.wait_all_up()
    door, proxy = slow_door
    sender, question_id = new_conversation(stack, skip_name=True)  # issued by the other door, same key
    proxy.delay = 6.0
    body = {
        "sender": sender,
        "message": button("commune", question_id),
        "question_id": question_id,
        "message_id": uuid.uuid4().hex,
    }
    started = time.monotonic()
    slow = httpx.post(f"{door}/api/messages", json=body, timeout=60)
    assert slow.status_code == 504, slow.text
    assert slow.json()["error"] == "assistant_trop_lent"
    assert "pas perdu" in slow.json()["message"] and slow.json()["sender"] == sender
    assert time.monotonic() - started < 6.0, "the door did not wait for the slow answer"

    # "Réessayer": the same message again, until the first one's answer has come.
    for _ in range(10):
        retried = httpx.post(f"{door}/api/messages", json=body, timeout=60)
        if retried.status_code == 200:
            break
        assert retried.status_code == 504, retried.text
    assert NOTED in texts(retried) and asked(retried) == "population"
    assert len(proxy.posted(sender=sender, question_id=question_id)) == 1, "sent to Rasa twice"
    exported = stored(stack, sender)
    assert {qid: a["value"] for qid, a in exported["answers"].items()} == {
        "nom_collectivite": None,
        "type_collectivite": "commune",
    }
