"""Rasa and the action server are private: findings 1, 2 and 8 (REST webhook) of issue 9.

On the real servers, started as ``make run`` starts them (tests/servers.py, the session's
``servers`` fixture): Rasa without its HTTP API and without CORS, its REST channel and the
action server refusing every call without their secret, both on loopback.
"""

from __future__ import annotations

import ipaddress
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.service_secret import SECRET_HEADER
from tests.servers import Servers, free_port, running

pytestmark = pytest.mark.e2e

EVIL_ORIGIN = "https://pirate.example"
FORGED_TEXT = "Message inventé par un tiers : appelez le 08 99 99 99 99."


def forged_call(sender: str) -> dict[str, Any]:
    """What Rasa would post to the action server for "une région" said in ``sender``'s conversation."""
    return {
        "next_action": "action_answer",
        "sender_id": sender,
        "tracker": {
            "sender_id": sender,
            "latest_message": {"text": "une région", "intent": {"name": "answer"}, "entities": []},
            "events": [],
            "slots": {},
        },
        "domain": {},
        "version": "3.6.2",
    }


def tracker_events(servers: Servers, sender: str) -> list[dict[str, Any]]:
    with sqlite3.connect(servers.env["TRACKER_DB"]) as tracker:
        rows = tracker.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


def tracker_senders(servers: Servers) -> set[str]:
    with sqlite3.connect(servers.env["TRACKER_DB"]) as tracker:
        return {sender for (sender,) in tracker.execute("SELECT DISTINCT sender_id FROM events")}


def listening_addresses(port: int) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The local addresses of the sockets listening on ``port`` (read from /proc/net/tcp, tcp6)."""
    found: set[ipaddress.IPv4Address | ipaddress.IPv6Address] = set()
    for table in ("tcp", "tcp6"):
        path = Path("/proc/net") / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)  # 32-bit words in host (little-endian) order
            words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(ipaddress.ip_address(words))
    return found


def port_of(url: str) -> int:
    return httpx.URL(url).port or 80


def start(servers: Servers, sender: str) -> list[dict[str, Any]]:
    """A new diagnostic at the type question (the name, asked first, skipped)."""
    servers.say(sender, "bonjour")
    servers.say(sender, "commencer")
    return servers.say(sender, "/skip")


# Finding 1: Rasa's HTTP API and its CORS.

API_CALLS = [
    ("GET", "/conversations/{sender}/tracker", {}),
    ("POST", "/conversations/{sender}/tracker/events", {"json": {"event": "bot", "text": FORGED_TEXT}}),
    ("PUT", "/conversations/{sender}/tracker/events", {"json": [{"event": "bot", "text": FORGED_TEXT}]}),
    ("POST", "/conversations/{sender}/trigger_intent", {"json": {"name": "start_diagnostic"}}),
    ("POST", "/conversations/{sender}/execute", {"json": {"name": "action_start_diagnostic"}}),
    ("GET", "/conversations/{sender}/story", {}),
    ("PUT", "/model", {"json": {"model_file": "/tmp/autre-modele.tar.gz"}}),
    (
        "POST",
        "/model/train",
        {"content": b"version: '3.1'\n", "headers": {"Content-Type": "application/x-yaml"}},
    ),
    ("POST", "/model/parse", {"json": {"text": "bonjour"}}),
    ("DELETE", "/model", {}),
    ("GET", "/status", {}),
    ("GET", "/domain", {}),
]


@pytest.mark.parametrize("token", [None, "faux-jeton"], ids=["no-token", "wrong-token"])
def test_rasa_http_api_answers_no_one(servers: Servers, sender: str, token: str | None) -> None:
    start(servers, sender)
    before = tracker_events(servers, sender)
    params = {"token": token} if token else {}

    for method, path, options in API_CALLS:
        response = httpx.request(
            method, servers.rasa_url + path.format(sender=sender), params=params, timeout=30, **options
        )
        assert response.status_code in (401, 403, 404, 405), (method, path, response.status_code)
        for leak in ("latest_message", "sender_id", "slots", "commune"):
            assert leak not in response.text, (method, path, response.text[:300])

    after = tracker_events(servers, sender)
    assert after == before, "nothing was appended to the conversation"
    assert FORGED_TEXT not in json.dumps(after)
    assert start(servers, sender), "the conversation goes on through the REST channel"


def test_no_cross_origin_access(servers: Servers, sender: str) -> None:
    webhook = servers.rest_url
    preflight = httpx.options(
        webhook,
        headers={
            "Origin": EVIL_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": f"content-type, {SECRET_HEADER.lower()}",
        },
        timeout=30,
    )
    root = httpx.get(servers.rasa_url + "/", headers={"Origin": EVIL_ORIGIN}, timeout=30)
    post = httpx.post(
        webhook,
        json={"sender": sender, "message": "bonjour"},
        headers={"Origin": EVIL_ORIGIN, **servers.rasa_headers},
        timeout=60,
    )
    socketio = httpx.get(
        servers.rasa_url + "/socket.io/", params={"EIO": "4", "transport": "polling"},
        headers={"Origin": EVIL_ORIGIN}, timeout=30,
    )  # fmt: skip
    for response in (preflight, root, post, socketio):
        assert "access-control-allow-origin" not in response.headers, (response.request.url, response.headers)
        assert "access-control-allow-credentials" not in response.headers
    assert post.status_code == 200, "the secret, not the origin, opens the channel"


# Finding 2: the action server.


def test_the_servers_listen_on_loopback_only(servers: Servers) -> None:
    for url in (servers.actions_url, servers.rasa_url):
        addresses = listening_addresses(port_of(url))
        assert addresses, f"nothing listens on {url}"
        assert all(address.is_loopback for address in addresses), (url, addresses)
    log = (servers.folder / "actions.log").read_text(errors="replace")
    assert f"running on http://127.0.0.1:{port_of(servers.actions_url)}" in log


@pytest.mark.parametrize(
    "headers", [{}, {SECRET_HEADER: "faux-secret-" * 4}], ids=["no-secret", "wrong-secret"]
)
def test_a_forged_tracker_writes_nothing(servers: Servers, sender: str, headers: dict[str, str]) -> None:
    question = start(servers, sender)
    assert any((m.get("custom") or {}).get("question_id") == "type_collectivite" for m in question)
    before = servers.export(sender)
    response = httpx.post(
        servers.actions_url + "/webhook", json=forged_call(sender), headers=headers, timeout=30
    )
    assert response.status_code == 401 and response.json()["error"] == "secret_invalide"
    listing = httpx.get(servers.actions_url + "/actions", headers=headers, timeout=30)
    assert listing.status_code == 401 and "action_answer" not in listing.text

    assert servers.export(sender) == before, "the diagnostic is unchanged"
    assert httpx.get(servers.actions_url + "/health", timeout=30).status_code == 200


def test_only_rasas_secret_opens_the_action_server(servers: Servers, sender: str) -> None:
    """The same forged call, with the secret Rasa sends: it does write (so the test above is
    meaningful: the secret, and nothing else, stands between a forger and the diagnostics)."""
    start(servers, sender)
    secret = {SECRET_HEADER: servers.env["DIAGNOSTIC_ACTIONS_SECRET"]}

    response = httpx.post(
        servers.actions_url + "/webhook", json=forged_call(sender), headers=secret, timeout=60
    )

    assert response.status_code == 200
    assert servers.export(sender)["answers"]["type_collectivite"]["value"] == "region"


# Finding 8, the REST webhook: every bad call is a 4xx in JSON, never a 500.

SENDER = "securite-rest-0001"
NESTED = b'{"sender": "' + SENDER.encode() + b'", "message": ' + b"[" * 5000 + b"]" * 5000 + b"}"


def json_call(body: Any) -> dict[str, Any]:
    return {"json": body}


def raw_call(content: bytes, content_type: str = "application/json") -> dict[str, Any]:
    return {"content": content, "headers": {"Content-Type": content_type}}


BAD_CALLS: dict[str, tuple[dict[str, Any], bool]] = {  # name: (request, sends the secret)
    "no secret": (json_call({"sender": SENDER, "message": "bonjour"}), False),
    "wrong secret": (
        {"json": {"sender": SENDER, "message": "bonjour"}, "headers": {SECRET_HEADER: "x" * 64}},
        False,
    ),
    "sender of 10,000 characters": (json_call({"sender": "a" * 10_000, "message": "bonjour"}), True),
    "sender ../../x": (json_call({"sender": "../../x", "message": "bonjour"}), True),
    "missing sender": (json_call({"message": "bonjour"}), True),
    "message of 1 MB": (json_call({"sender": SENDER, "message": "a" * 1_000_000}), True),
    "lone surrogate": (raw_call(b'{"sender": "' + SENDER.encode() + b'", "message": "a\\ud800b"}'), True),
    "nested 5,000 deep": (raw_call(NESTED), True),
    "empty body": (raw_call(b""), True),
    "invalid JSON": (raw_call(b"{"), True),
    "JSON array": (json_call([SENDER, "bonjour"]), True),
    "not JSON": (raw_call(b"sender=x&message=y", "application/x-www-form-urlencoded"), True),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BAD_CALLS))
def test_bad_calls_to_the_rest_webhook(servers: Servers, name: str) -> None:
    request, with_secret = BAD_CALLS[name]
    request = {**request, "headers": {**request.get("headers", {})}}
    if with_secret:
        request["headers"].update(servers.rasa_headers)

    response = httpx.post(servers.rest_url, timeout=60, **request)

    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    body = response.json()
    assert body["error"] and body["message"], body
    senders = tracker_senders(servers)
    assert "default" not in senders and "../../x" not in senders
    assert not any(len(sender) > 64 for sender in senders)
    assert SENDER not in senders, "nothing reached Rasa"


def test_a_valid_call_with_the_secret_still_works(servers: Servers, sender: str) -> None:
    question = start(servers, sender)
    custom = next(message["custom"] for message in question if message.get("custom"))
    assert custom["question_id"] == "type_collectivite"
    assert next(m for m in question if m.get("custom")).get("text"), "text and payload in one message"


def test_the_door_talks_to_private_rasa(servers: Servers, sender: str, tmp_path: Path) -> None:
    """The web application, with the deployment's secret, is the public way in."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **servers.env,
        "DIAGNOSTIC_RASA_URL": servers.rasa_url,
        "DIAGNOSTIC_WEB_HOST": "127.0.0.1",
        "DIAGNOSTIC_WEB_PORT": str(port),
        "DIAGNOSTIC_PUBLIC_URL": url,
    }
    with running([sys.executable, "-m", "bot.web", "site"], env, tmp_path / "web.log", f"{url}/api/health"):
        response = httpx.post(
            f"{url}/api/messages", json={"sender": f"porte-{sender}", "message": "bonjour"}, timeout=60
        )
    assert response.status_code == 200, response.text[:300]
    assert response.json()["messages"]
