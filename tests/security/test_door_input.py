"""Finding 8 (the door's part): /api/messages answered 500 to a lone surrogate and to JSON
nested 5,000 deep. Both must get a French 4xx in JSON, and nothing may reach Rasa.
"""

# ruff: noqa: F811  (fixtures imported from tests/web/conftest.py)

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from tests.web.conftest import FakeRasa, fake_rasa, make_client, settings, store  # noqa: F401

JSON = {"Content-Type": "application/json"}
# A well-formed conversation id (the door replaces it, not being one it issued): the body is
# otherwise valid, so only the message's characters can be refused.
SENDER = b'"sender": "conversation-0001", '


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def assert_french_json_error(response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message"}
    assert body["message"].startswith(("Le ", "La ", "L'")), body["message"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"message": "a\\ud800b"}',  # a lone high surrogate, as JSON escapes it
        b'{"message": "\\udfff"}',  # a lone low surrogate
        b'{"message": "ok \\udc80\\ud800 ok"}',  # the wrong way round
    ],
)
def test_a_lone_surrogate_gets_a_422(client: TestClient, fake_rasa: FakeRasa, body: bytes) -> None:
    response = client.post("/api/messages", content=b"{" + SENDER + body[1:], headers=JSON)
    assert_french_json_error(response, 422)
    assert response.json()["error"] == "message_invalide"
    assert fake_rasa.received == []


def test_a_surrogate_pair_is_an_ordinary_character(client: TestClient, fake_rasa: FakeRasa) -> None:
    body = b"{" + SENDER + b'"message": "oui \\ud83d\\ude00"}'
    response = client.post("/api/messages", content=body, headers=JSON)
    assert response.status_code == 200
    assert fake_rasa.received[-1]["message"] == "oui 😀"


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 5000 + b"]" * 5000,
        b'{"message": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"message": "oui", "x": ' + b'{"a": ' * 2000 + b"1" + b"}" * 2000 + b"}",
    ],
    ids=["array", "message", "object"],
)
def test_json_nested_5000_deep_gets_a_400(client: TestClient, fake_rasa: FakeRasa, body: bytes) -> None:
    response = client.post("/api/messages", content=body, headers=JSON)
    assert_french_json_error(response, 400)
    assert response.json()["error"] == "json_invalide"
    assert fake_rasa.received == []
