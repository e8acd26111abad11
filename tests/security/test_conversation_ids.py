"""Finding 3, the chat API's part: any client could pick any sender on ``/api/messages`` and so
continue (or read the answers of) someone else's conversation.

The door now issues the ids: a request without ``sender``, or with one the door did not
issue, starts a fresh conversation, and the answer says which id is in use.
"""

# ruff: noqa: F811  (fixtures imported from tests/web/conftest.py)

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from bot.web.conversation_ids import conversation_key, is_issued, issue_conversation_id
from tests.web.conftest import FakeRasa, client, fake_rasa, make_client, settings, store  # noqa: F401


def _say(client: TestClient, body: dict) -> dict:
    response = client.post("/api/messages", json=body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def named_rasa(fake_rasa: FakeRasa) -> FakeRasa:
    fake_rasa.reply = lambda sender, message: [{"text": f"{sender} a dit {message}"}]
    return fake_rasa


def test_without_sender_the_door_issues_one(client: TestClient, named_rasa: FakeRasa) -> None:
    first, second = _say(client, {"message": "bonjour"}), _say(client, {"message": "bonjour"})
    key = conversation_key(client.app.state.settings)
    assert is_issued(key, first["sender"]) and is_issued(key, second["sender"])
    assert first["sender"] != second["sender"], "two newcomers never share a conversation"
    assert first["messages"] == [{"text": f"{first['sender']} a dit bonjour"}]
    assert [body["sender"] for body in named_rasa.received] == [first["sender"], second["sender"]]


@pytest.mark.parametrize(
    "presented",
    [
        "mairie-exemple",
        "default-sender",
        "3f2b8c1e-8d5a-4a57-9a57-3c0e0f1b2a4d",
        issue_conversation_id("une autre clé, celle d'un autre déploiement"),
    ],
)
def test_a_sender_the_door_did_not_issue_gets_a_fresh_conversation(
    client: TestClient, named_rasa: FakeRasa, presented: str
) -> None:
    answer = _say(client, {"sender": presented, "message": "je continue sa conversation"})
    assert answer["sender"] != presented
    assert is_issued(conversation_key(client.app.state.settings), answer["sender"])
    assert named_rasa.received == [{"sender": answer["sender"], "message": "je continue sa conversation"}]
    assert presented not in answer["messages"][0]["text"]


def test_an_issued_sender_continues_its_conversation(client: TestClient, named_rasa: FakeRasa) -> None:
    sender = _say(client, {"message": "bonjour"})["sender"]
    answer = _say(client, {"sender": sender, "message": "la suite"})
    assert answer == {"sender": sender, "messages": [{"text": f"{sender} a dit la suite"}]}


def test_a_tampered_sender_gets_a_fresh_conversation(client: TestClient, named_rasa: FakeRasa) -> None:
    sender = _say(client, {"message": "bonjour"})["sender"]
    tampered = sender[:-1] + ("0" if sender[-1] != "0" else "1")
    answer = _say(client, {"sender": tampered, "message": "la suite"})
    assert answer["sender"] not in (sender, tampered)
    assert named_rasa.received[-1]["sender"] == answer["sender"]
