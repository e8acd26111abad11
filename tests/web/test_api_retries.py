"""Question ids and message ids at the door: checked, passed to Rasa, retries sent once.

Against a fake Rasa (tests/web/conftest.py); the slow one answers only when the test lets it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from bot.settings import Settings
from bot.storage import DiagnosticStore
from bot.web.app import create_app
from bot.web.rasa_client import RasaClient, request_limit
from tests.web.conftest import FakeRasa

QUESTION = {"type": "question", "question_id": "donnees_rgpd", "position": 20, "total": 31}
ASKED = [
    {"text": "C'est noté : Oui."},
    {
        "text": "Avez-vous un délégué à la protection des données ?",
        "buttons": [
            {"title": "Oui", "payload": '/answer{"choice": "oui"}'},
            {"title": "Passer", "payload": "/skip"},
        ],
        "custom": QUESTION,
    },
    {"text": "Merci !", "buttons": [{"title": "Recommencer", "payload": "/start_over"}]},
]


def post(client: TestClient, **body: Any) -> httpx.Response:
    return client.post("/api/messages", json={"message": "oui", **body})


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("question_id", "Population", "question_invalide"),
        ("question_id", "x" * 65, "question_invalide"),
        ("question_id", 3, "question_invalide"),
        ("question_id", "", "question_invalide"),
        ("message_id", "court", "message_id_invalide"),
        ("message_id", "a b c d e f g h", "message_id_invalide"),
        ("message_id", ["m-000001"], "message_id_invalide"),
    ],
)
def test_bad_question_and_message_ids_are_refused(
    client: TestClient, fake_rasa: FakeRasa, field: str, value: Any, code: str
) -> None:
    response = post(client, **{field: value})
    assert response.status_code == 422
    assert response.json()["error"] == code
    assert "invalide" in response.json()["message"]
    assert fake_rasa.received == []


def test_a_payloads_question_id_is_refused_when_malformed(client: TestClient, fake_rasa: FakeRasa) -> None:
    response = post(client, message='/answer{"choice": "oui", "question_id": "../x"}')
    assert response.status_code == 422 and response.json()["error"] == "question_invalide"
    assert fake_rasa.received == []


def test_the_question_id_goes_to_rasa_beside_the_message(client: TestClient, fake_rasa: FakeRasa) -> None:
    sender = post(client, question_id="population", message_id="m-0000000001", message="12 000").json()[
        "sender"
    ]
    # A button's payload carries its question's id: Rasa gets the payload it knows, the id beside.
    post(client, sender=sender, message='/answer{"choice": "oui", "question_id": "donnees_rgpd"}')
    post(client, sender=sender, message='/skip{"question_id": "donnees_rgpd"}', question_id="autre")
    post(client, sender=sender, message="bonjour")
    assert fake_rasa.received == [
        {"sender": sender, "message": "12 000", "question_id": "population"},
        {"sender": sender, "message": '/answer{"choice": "oui"}', "question_id": "donnees_rgpd"},
        {"sender": sender, "message": "/skip", "question_id": "donnees_rgpd"},
        {"sender": sender, "message": "bonjour"},
    ]


def test_the_buttons_of_a_question_carry_its_id(client: TestClient, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = lambda sender, message: ASKED
    messages = post(client).json()["messages"]
    assert messages[1]["buttons"] == [
        {"title": "Oui", "payload": '/answer{"choice": "oui", "question_id": "donnees_rgpd"}'},
        {"title": "Passer", "payload": '/skip{"question_id": "donnees_rgpd"}'},
    ]
    assert messages[1]["custom"] == QUESTION
    assert messages[2]["buttons"] == [{"title": "Recommencer", "payload": "/start_over"}]


def test_a_message_sent_again_with_its_message_id_reaches_rasa_once(
    client: TestClient, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = lambda sender, message: ASKED
    first = post(client, message_id="m-0000000001", question_id="donnees_ouverture")
    sender = first.json()["sender"]
    again = post(client, sender=sender, message_id="m-0000000001", question_id="donnees_ouverture")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert len(fake_rasa.received) == 1
    post(client, sender=sender, message_id="m-0000000002", question_id="donnees_ouverture")
    assert len(fake_rasa.received) == 2  # another message id: another message (the engine judges)


@pytest.fixture
def slow_client(fake_rasa: FakeRasa, store: DiagnosticStore, settings: Settings) -> Iterator[tuple]:
    """A door whose Rasa answers only once ``release`` is set; the door waits 0.2 s for it."""
    release = threading.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        while not release.is_set():
            await asyncio.sleep(0.01)
        return fake_rasa.handle(request)

    rasa = RasaClient("http://rasa.test", timeout=request_limit(0.2), transport=httpx.MockTransport(slow))
    app = create_app(replace(settings, rasa_timeout=0.2), store=store, rasa_client=rasa)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, release
    release.set()


def test_a_slow_rasa_gets_a_clear_message_and_the_retry_its_answer_once(
    slow_client: tuple, fake_rasa: FakeRasa
) -> None:
    client, release = slow_client
    body = {"message": "oui", "question_id": "donnees_rgpd", "message_id": "m-0000000001"}
    slow = client.post("/api/messages", json=body)
    assert slow.status_code == 504
    assert slow.json()["error"] == "assistant_trop_lent"
    assert "trop de temps" in slow.json()["message"] and "pas perdu" in slow.json()["message"]
    body["sender"] = slow.json()["sender"]  # the conversation in use, even for a first message
    release.set()
    # The retry (same message id) gets the replies of the first request; the door may still be
    # waiting for them, so it retries as the widget's button would.
    for _ in range(50):
        retried = client.post("/api/messages", json=body)
        if retried.status_code == 200:
            break
        assert retried.status_code == 504
    assert retried.status_code == 200
    assert retried.json()["messages"] == [
        {"text": "Bonjour !", "buttons": [{"title": "Oui", "payload": "/answer"}]}
    ]
    assert len(fake_rasa.received) == 1
