"""Rasa's REST channel (channels/rest.py) without Rasa: the secret, the input checks, whole messages.

The channel's blueprint is registered on a Sanic app exactly as Rasa registers it, served on
a free loopback port; a fake agent stands for Rasa and records what reaches it (finding 8's
REST-webhook part, at unit level; tests/security/test_private_services_e2e.py does it on the
real servers).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage, register

from bot.service_secret import RASA_SECRET, SECRET_HEADER, secret_matches
from channels.rest import DiagnosticRestInput, body_limit
from tests.security.sanic_support import new_app, served

SECRET = "s" * 48
SENDER = "conversation-0001"
WEBHOOK = "/webhooks/rest/webhook"
QUESTION = {"type": "question", "question_id": "type_collectivite"}


class FakeAgent:
    """Answers each message with one question (text, buttons and payload), and keeps the message."""

    def __init__(self) -> None:
        self.received: list[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        await message.output_channel.send_response(
            message.sender_id,
            {"text": "Quel type de collectivité ?", "buttons": [{"title": "Commune", "payload": "/c"}],
             "custom": QUESTION},
        )  # fmt: skip


def exchange(
    channel: DiagnosticRestInput, *requests: dict[str, Any]
) -> tuple[list[httpx.Response], FakeAgent]:
    """Sends each request (httpx.request keyword arguments, POST to the webhook by default)."""
    app = new_app("rest_channel")
    agent = FakeAgent()
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")

    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        responses = []
        for request in map(dict, requests):
            method, url = request.pop("method", "POST"), request.pop("url", WEBHOOK)
            responses.append(await client.request(method, url, **request))
        return responses

    return served(app, scenario), agent


def call(body: Any = None, *, secret: str | bytes | None = SECRET, **options: Any) -> dict[str, Any]:
    headers = dict(options.pop("headers", {}))
    if secret is not None:
        headers[SECRET_HEADER] = secret
    if body is not None and "content" not in options:
        options["json"] = body
    return {"headers": headers, **options}


def refusal(response: httpx.Response) -> dict[str, Any]:
    """The JSON refusal body; fails unless it is a 4xx with a code and a French message."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    body = response.json()
    assert set(body) == {"error", "message"} and body["message"], body
    return body


@pytest.fixture
def channel() -> DiagnosticRestInput:
    return DiagnosticRestInput(secret=SECRET)


def test_a_valid_call_gets_each_message_whole(channel: DiagnosticRestInput) -> None:
    (response,), agent = exchange(channel, call({"sender": SENDER, "message": "  une commune\x07 "}))

    assert response.status_code == 200
    assert response.json() == [
        {"recipient_id": SENDER, "text": "Quel type de collectivité ?",
         "buttons": [{"title": "Commune", "payload": "/c"}], "custom": QUESTION},
    ]  # fmt: skip
    (message,) = agent.received
    assert (message.sender_id, message.text, message.input_channel) == (SENDER, "une commune", "rest")
    assert not message.metadata


@pytest.mark.parametrize(
    "secret",
    [None, "", "s" * 47, SECRET + "x", SECRET.upper(), "é".encode(), b"\xff\xfe"],
    ids=["absent", "empty", "prefix", "longer", "other", "non-ascii", "invalid-utf8"],
)
def test_without_the_secret_nothing_reaches_rasa(channel: DiagnosticRestInput, secret: Any) -> None:
    (response,), agent = exchange(channel, call({"sender": SENDER, "message": "bonjour"}, secret=secret))

    assert response.status_code == 401
    assert refusal(response)["error"] == "secret_invalide"
    assert agent.received == []


def test_the_secret_is_checked_before_anything_is_read(channel: DiagnosticRestInput) -> None:
    big = b"x" * (2 * 1024 * 1024)
    responses, agent = exchange(
        channel,
        call(content=big, secret=None, headers={"Content-Type": "application/json"}),
        call(content=b"{", secret=None, headers={"Content-Type": "text/plain"}),
    )
    assert [r.status_code for r in responses] == [401, 401]
    assert agent.received == []


def test_without_a_configured_secret_everything_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        unset = DiagnosticRestInput.from_environ({})
        short = DiagnosticRestInput.from_environ({RASA_SECRET: "court"})
    assert unset.secret is None and short.secret is None
    assert [r.getMessage().split(" ")[0] for r in caplog.records] == [RASA_SECRET, RASA_SECRET]
    assert "toutes les requêtes sont refusées" in caplog.records[0].getMessage()

    responses, agent = exchange(
        unset,
        call({"sender": SENDER, "message": "bonjour"}, secret=""),
        call({"sender": SENDER, "message": "bonjour"}),
    )
    assert [r.status_code for r in responses] == [503, 503]
    assert refusal_5xx(responses[0])["error"] == "service_non_configure"
    assert agent.received == []


def refusal_5xx(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error", "message"}, body
    return body


def test_limits_come_from_the_web_applications_variables() -> None:
    channel = DiagnosticRestInput.from_environ(
        {RASA_SECRET: SECRET, "DIAGNOSTIC_MAX_MESSAGE_LENGTH": "10", "DIAGNOSTIC_MAX_BODY_BYTES": "300"}
    )
    assert channel.secret == SECRET and channel.max_message_length == 10
    responses, agent = exchange(
        channel, call({"sender": SENDER, "message": "a" * 11}), call({"sender": SENDER, "message": "a" * 10})
    )
    assert [r.status_code for r in responses] == [422, 200]
    assert [m.text for m in agent.received] == ["a" * 10]


def nested(depth: int) -> bytes:
    return b'{"sender": "' + SENDER.encode() + b'", "message": ' + b"[" * depth + b"]" * depth + b"}"


def raw(content: Any, content_type: str = "application/json") -> dict[str, Any]:
    return call(content=content, headers={"Content-Type": content_type})


async def chunks(total: int) -> AsyncIterator[bytes]:
    """A body of ``total`` bytes sent chunked (no Content-Length): only its real size can tell."""
    yield b'{"sender": "' + SENDER.encode() + b'", "message": "'
    for _ in range(total // 65536):
        yield b"a" * 65536
    yield b'"}'


BAD_CALLS = {
    "sender of 10,000 characters": (call({"sender": "a" * 10_000, "message": "bonjour"}), {422}),
    "sender ../../x": (call({"sender": "../../x", "message": "bonjour"}), {422}),
    "sender too short (default)": (call({"sender": "default", "message": "bonjour"}), {422}),
    "sender with a slash": (call({"sender": "abcdefgh/ij", "message": "bonjour"}), {422}),
    "sender not a string": (call({"sender": 12345678, "message": "bonjour"}), {422}),
    "missing sender": (call({"message": "bonjour"}), {422}),
    "message of 1 MB": (call({"sender": SENDER, "message": "a" * 1_000_000}), {413}),
    "message of 1 MB, chunked": (raw(chunks(1_000_000)), {413}),
    "message over the limit": (call({"sender": SENDER, "message": "a" * 2001}), {422}),
    "message not a string": (call({"sender": SENDER, "message": ["bonjour"]}), {422}),
    "missing message": (call({"sender": SENDER}), {422}),
    "empty message": (call({"sender": SENDER, "message": "  "}), {422}),
    "lone surrogate": (raw(b'{"sender": "' + SENDER.encode() + b'", "message": "a\\ud800b"}'), {400, 422}),
    "nested 5,000 deep": (raw(nested(5000)), {400, 422}),
    "empty body": (raw(b""), {400}),
    "invalid JSON": (raw(b'{"sender": '), {400}),
    "invalid UTF-8": (raw(b'{"sender": "\xff\xfe", "message": "x"}'), {400}),
    "JSON array": (call([SENDER, "bonjour"]), {400}),
    "JSON string": (call("bonjour"), {400}),
    "form, not JSON": (
        raw(b"sender=conversation-0001&message=bonjour", "application/x-www-form-urlencoded"),
        {415},
    ),
}


@pytest.mark.parametrize("name", list(BAD_CALLS))
def test_bad_calls_get_a_4xx_json_and_never_reach_rasa(channel: DiagnosticRestInput, name: str) -> None:
    request, statuses = BAD_CALLS[name]
    (response,), agent = exchange(channel, request)

    assert response.status_code in statuses, (response.status_code, response.text[:300])
    refusal(response)
    assert agent.received == []


def test_the_body_limit_fits_any_message_the_web_application_accepts() -> None:
    worst = json.dumps({"sender": "x" * 64, "message": "😀" * 2000}).encode()  # \ud83d\ude00 each
    assert len(worst) <= body_limit(2000, 16384) == DiagnosticRestInput(SECRET).max_body_bytes
    assert body_limit(10, 16384) == 16384
    (response,), agent = exchange(
        DiagnosticRestInput(SECRET), call(content=worst, headers={"Content-Type": "application/json"})
    )
    assert response.status_code == 200, response.text[:300]
    assert [m.text for m in agent.received] == ["😀" * 2000]


def test_the_health_check_and_the_other_methods() -> None:
    responses, agent = exchange(
        DiagnosticRestInput(SECRET),
        {"method": "GET", "url": "/webhooks/rest/"},
        {"method": "GET", "url": WEBHOOK},
    )
    assert responses[0].status_code == 200 and responses[0].json() == {"status": "ok"}
    assert responses[1].status_code == 405
    assert agent.received == []


def test_secret_comparison_never_fails_on_odd_values() -> None:
    assert secret_matches(SECRET, SECRET)
    assert not secret_matches(None, "")
    assert not secret_matches("", "")
    assert not secret_matches(SECRET, None)
    assert not secret_matches(SECRET, "a\ud800b")
    assert not secret_matches(SECRET, "é" * 48)
