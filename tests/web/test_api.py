"""The chat API: checks, rate limit, Rasa's failures, CORS — against a fake Rasa.

The door issues conversation ids (tests/security/test_conversation_ids.py checks that a
client cannot choose one); SENDER is well formed but not issued, so it starts a fresh one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from bot.web.conversation_ids import conversation_key, is_issued
from tests.web.conftest import ALLOWED_ORIGIN, FakeRasa

SENDER = "3f2b8c1e-8d5a-4a57-9a57-3c0e0f1b2a4d"


def post(client: TestClient, body: dict | None = None, headers: dict | None = None) -> httpx.Response:
    body = body if body is not None else {"sender": SENDER, "message": "bonjour"}
    return client.post("/api/messages", json=body, headers=headers)


def issued_sender(client: TestClient) -> str:
    """A conversation id issued by the door (the answer to a first message without one)."""
    response = post(client, {"message": "bonjour"})
    assert response.status_code == 200
    return response.json()["sender"]


def test_a_message_goes_to_rasa_and_its_answers_come_back(client: TestClient, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = lambda sender, message: [
        {
            "recipient_id": sender,
            "text": "Quel type de collectivité ?",
            "buttons": [{"title": "Commune", "payload": '/answer{"choice": "commune"}', "extra": 1}],
            "custom": {"type": "question", "position": 1, "total": 31},
            "ignored": "x",
        }
    ]
    response = post(client, {"message": "  on commence\x00 "})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    sender = response.json()["sender"]
    assert is_issued(conversation_key(client.app.state.settings), sender)
    assert response.json() == {
        "sender": sender,
        "messages": [
            {
                "text": "Quel type de collectivité ?",
                "buttons": [{"title": "Commune", "payload": '/answer{"choice": "commune"}'}],
                "custom": {"type": "question", "position": 1, "total": 31},
            }
        ]
    }
    assert fake_rasa.received == [{"sender": sender, "message": "on commence"}]


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
def test_only_json_is_accepted(client: TestClient, fake_rasa: FakeRasa, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/api/messages", content=b'{"sender": "x", "message": "y"}', headers=headers)
    assert response.status_code == 415
    assert response.json()["error"] == "type_non_pris_en_charge"
    assert "JSON" in response.json()["message"]
    assert fake_rasa.received == []


def test_json_with_a_charset_is_accepted(client: TestClient) -> None:
    response = client.post(
        "/api/messages",
        content=f'{{"sender": "{SENDER}", "message": "oui"}}'.encode(),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200


def test_an_oversized_body_is_refused_before_reading(client: TestClient, fake_rasa: FakeRasa) -> None:
    body = {"sender": SENDER, "message": "a" * 20_000}
    response = post(client, body)
    assert response.status_code == 413
    assert response.json()["error"] == "requete_trop_grosse"
    assert "trop volumineuse" in response.json()["message"]
    assert fake_rasa.received == []


def test_an_oversized_body_without_length_is_cut_while_reading(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"sender": "' + SENDER.encode() + b'", "message": "'
        for _ in range(40):
            yield b"a" * 1000
        yield b'"}'

    response = client.post("/api/messages", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"{not json", "json_invalide"),
        (b"[1, 2]", "json_invalide"),
        (b"\xff\xfe", "json_invalide"),
        (b'{"sender": "../../etc", "message": "oui"}', "identifiant_invalide"),
        (b'{"sender": "court", "message": "oui"}', "identifiant_invalide"),
        (b'{"sender": 12345678, "message": "oui"}', "identifiant_invalide"),
        (f'{{"sender": "{SENDER}"}}'.encode(), "message_invalide"),
        (f'{{"sender": "{SENDER}", "message": 42}}'.encode(), "message_invalide"),
        (f'{{"sender": "{SENDER}", "message": ["oui"]}}'.encode(), "message_invalide"),
        (f'{{"sender": "{SENDER}", "message": "   "}}'.encode(), "message_vide"),
    ],
)
def test_bad_input_gets_a_clean_4xx(
    client: TestClient, fake_rasa: FakeRasa, content: bytes, code: str
) -> None:
    response = client.post("/api/messages", content=content, headers={"content-type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.json()["error"] == code
    assert response.json()["message"]
    assert fake_rasa.received == []


def test_a_message_too_long_is_refused_in_french(client: TestClient, fake_rasa: FakeRasa) -> None:
    response = post(client, {"sender": SENDER, "message": "é" * 2001})
    assert response.status_code == 422
    assert response.json()["message"] == "Votre message est trop long (2001 caractères, au plus 2000)."
    assert post(client, {"sender": SENDER, "message": "é" * 2000}).status_code == 200


def test_each_conversation_is_rate_limited(
    make_client: Callable[..., TestClient], fake_rasa: FakeRasa
) -> None:
    client = make_client(rate_limit=2)
    sender = issued_sender(client)
    assert post(client, {"sender": sender, "message": "oui"}).status_code == 200
    refused = post(client, {"sender": sender, "message": "oui"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert "patientez" in refused.json()["message"]
    assert len(fake_rasa.received) == 2
    other = post(client, {"message": "bonjour"})
    assert other.status_code == 200, "another conversation has its own budget"


def test_each_client_address_is_rate_limited(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit_ip=3)
    for number in range(3):
        assert post(client, {"sender": f"conversation-{number:03d}", "message": "oui"}).status_code == 200
    refused = post(client, {"sender": "conversation-999", "message": "oui"})
    assert refused.status_code == 429
    assert refused.json()["error"] == "trop_de_messages"


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        (httpx.ConnectError("refused"), 503, "assistant_indisponible"),
        (httpx.ReadTimeout("slow"), 504, "assistant_trop_lent"),
    ],
)
def test_rasa_down_gets_a_french_error(
    client: TestClient, fake_rasa: FakeRasa, failure: Exception, status: int, code: str
) -> None:
    fake_rasa.error = failure
    response = post(client)
    assert response.status_code == status
    assert response.json()["error"] == code
    assert "réessayez" in response.json()["message"].lower()


@pytest.mark.parametrize("reply", [[], [{"recipient_id": "x"}], {"oops": 1}])
def test_rasa_answering_nothing_means_the_action_server_is_down(
    client: TestClient, fake_rasa: FakeRasa, reply: object
) -> None:
    fake_rasa.reply = lambda sender, message: reply
    response = post(client)
    assert response.status_code == 502
    assert response.json()["error"] == "assistant_sans_reponse"
    assert "indisponible" in response.json()["message"]


def test_rasa_failing_gets_a_502(client: TestClient, fake_rasa: FakeRasa) -> None:
    fake_rasa.status = 500
    assert post(client).status_code == 502


def test_the_api_only_takes_post(client: TestClient) -> None:
    response = client.get("/api/messages")
    assert response.status_code == 405
    assert response.json()["error"] == "methode_non_autorisee"


def test_cors_lets_the_embedding_sites_call_the_api(client: TestClient) -> None:
    preflight = client.options(
        "/api/messages",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    response = post(client, headers={"Origin": ALLOWED_ORIGIN})
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


def test_cors_refuses_other_sites(client: TestClient) -> None:
    preflight = client.options(
        "/api/messages",
        headers={"Origin": "https://pirate.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 400
    response = post(client, headers={"Origin": "https://pirate.example"})
    assert "access-control-allow-origin" not in response.headers
