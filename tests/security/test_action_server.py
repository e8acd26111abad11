"""The action server's guard (actions/private_server.py), on rasa-sdk's own app, without Rasa.

The app is built as ``rasa run actions --actions actions`` builds it (``create_app``, which
imports the actions package, then rasa-sdk's plugin hook), and served on a free loopback
port: finding 2 at unit level (tests/security/test_private_services_e2e.py checks the real
server, its bound address and the diagnostic database).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import httpx
import pytest
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic

from actions.private_server import PLUGIN_NAME, default_to_loopback, install
from bot.service_secret import ACTIONS_SECRET, SECRET_HEADER
from tests.security.sanic_support import enable_test_mode, served

SECRET = "a" * 40
FORGED_CALL = {
    "next_action": "action_answer",
    "sender_id": "victime-0001",
    "tracker": {
        "sender_id": "victime-0001",
        "latest_message": {"text": "une région", "intent": {"name": "answer"}, "entities": []},
        "events": [],
        "slots": {},
    },
    "domain": {},
    "version": "3.6.2",
}


@pytest.fixture
def executed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The actions the server runs (none really runs: nothing here may touch a database)."""
    ran: list[str] = []

    async def run(self: ActionExecutor, action_call: dict[str, Any]) -> dict[str, Any]:
        ran.append(action_call["next_action"])
        return {"events": [], "responses": []}

    monkeypatch.setattr(ActionExecutor, "run", run)
    return ran


def action_server(monkeypatch: pytest.MonkeyPatch, secret: str | None) -> Sanic:
    """rasa-sdk's app with its plugins, as ``rasa_sdk.endpoint.run`` makes it."""
    if secret is None:
        monkeypatch.delenv(ACTIONS_SECRET, raising=False)
    else:
        monkeypatch.setenv(ACTIONS_SECRET, secret)
    monkeypatch.setenv("SANIC_HOST", "")
    enable_test_mode()  # rasa-sdk's app is always named "rasa_sdk"
    app = create_app("actions")
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    return app


def exchange(app: Sanic, *requests: tuple[str, str, dict[str, Any]]) -> list[httpx.Response]:
    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [await client.request(method, url, **options) for method, url, options in requests]

    return served(app, scenario)


def test_importing_the_actions_installs_the_plugin_once() -> None:
    import actions  # noqa: F401  (what `rasa run actions --actions actions` imports)

    install()
    install()
    assert plugin_manager().get_plugin(PLUGIN_NAME) is not None
    assert [name for name, _ in plugin_manager().list_name_plugin()].count(PLUGIN_NAME) == 1


@pytest.mark.parametrize(
    "headers",
    [{}, {SECRET_HEADER: ""}, {SECRET_HEADER: "b" * 40}, {SECRET_HEADER: SECRET + "a"}, {"X-Other": SECRET}],
    ids=["absent", "empty", "wrong", "longer", "other-header"],
)
def test_a_forged_tracker_without_the_secret_is_refused(
    monkeypatch: pytest.MonkeyPatch, executed: list[str], headers: dict[str, str]
) -> None:
    app = action_server(monkeypatch, SECRET)
    webhook, listing = exchange(
        app,
        ("POST", "/webhook", {"json": FORGED_CALL, "headers": headers}),
        ("GET", "/actions", {"headers": headers}),
    )
    for response in (webhook, listing):
        assert response.status_code == 401
        assert response.json()["error"] == "secret_invalide"
    assert executed == []


def test_with_the_secret_rasa_gets_through(monkeypatch: pytest.MonkeyPatch, executed: list[str]) -> None:
    app = action_server(monkeypatch, SECRET)
    headers = {SECRET_HEADER: SECRET}
    health, webhook, listing = exchange(
        app,
        ("GET", "/health", {}),
        ("POST", "/webhook", {"json": FORGED_CALL, "headers": headers}),
        ("GET", "/actions", {"headers": headers}),
    )
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert webhook.status_code == 200 and executed == ["action_answer"]
    assert listing.status_code == 200 and {"name": "action_answer"} in listing.json()


def test_without_a_configured_secret_everything_but_health_is_refused(
    monkeypatch: pytest.MonkeyPatch, executed: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        app = action_server(monkeypatch, None)
    assert any(ACTIONS_SECRET in record.getMessage() for record in caplog.records)
    health, webhook, listing = exchange(
        app,
        ("GET", "/health", {}),
        ("POST", "/webhook", {"json": FORGED_CALL, "headers": {SECRET_HEADER: ""}}),
        ("GET", "/actions", {}),
    )
    assert health.status_code == 200
    assert (webhook.status_code, listing.status_code) == (503, 503)
    assert webhook.json()["error"] == "service_non_configure"
    assert executed == []


def test_the_server_binds_loopback_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    action_server(monkeypatch, SECRET)

    assert os.environ["SANIC_HOST"] == "127.0.0.1"  # rasa_sdk.endpoint.run reads it after the hook

    environ = {"SANIC_HOST": "10.0.0.5"}
    default_to_loopback(environ)
    assert environ == {"SANIC_HOST": "10.0.0.5"}, "a deployment's private interface is kept"
    environ = {}
    default_to_loopback(environ)
    assert environ == {"SANIC_HOST": "127.0.0.1"}
