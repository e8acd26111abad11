"""Finding 7: X-Forwarded-For was trusted from any local peer (uvicorn's proxy_headers with
its default forwarded_allow_ips=127.0.0.1), so a client chose its own rate-limit key, for
the chat and for the staff login alike.

These tests run the app behind exactly the uvicorn configuration that ``python -m bot.web``
uses (its arguments are captured from ``main``), on a peer at 127.0.0.1 as a local reverse
proxy would be: with no trusted proxy configured, X-Forwarded-For changes nothing; with the
peer configured as a trusted proxy, the forwarded client is the key.
"""

# ruff: noqa: F811  (fixtures imported from tests/web/conftest.py)

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.testclient import TestClient

from bot.review import Review, StaffAccounts
from bot.settings import Settings
from bot.storage import DiagnosticStore
from bot.web import __main__ as web_main
from bot.web.app import create_app
from bot.web.rasa_client import RasaClient
from tests.web.conftest import FakeRasa, fake_rasa, settings, store  # noqa: F401
from tests.web.staff_support import *  # noqa: F403  (the staff area's fixtures: stores, accounts...)
from tests.web.staff_support import csrf_of

LOCAL_PROXY = ("127.0.0.1", 41000)
SENDER_NUMBERS = itertools.count()


def uvicorn_arguments(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The keyword arguments ``python -m bot.web`` gives uvicorn.run (the server is not started)."""
    captured: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: captured.update(kwargs))
    monkeypatch.setenv("DIAGNOSTIC_ENV", "development")
    assert web_main.main([]) == 0
    return captured


@pytest.fixture
def behind_uvicorn(
    monkeypatch: pytest.MonkeyPatch,
    store: DiagnosticStore,
    fake_rasa: FakeRasa,
    settings: Settings,
    review: Review,
    accounts: StaffAccounts,
) -> Iterator[Callable[..., TestClient]]:
    """Clients on the app as uvicorn serves it (its ASGI wrappers included), from a local peer."""
    arguments = uvicorn_arguments(monkeypatch)
    with ExitStack() as stack:

        def make(**overrides: Any) -> TestClient:
            rasa = RasaClient("http://rasa.test", timeout=5, transport=httpx.MockTransport(fake_rasa.handle))
            settings_ = replace(settings, **overrides)
            app = create_app(settings_, store=store, rasa_client=rasa, review=review, accounts=accounts)
            config = uvicorn.Config(app, **{**arguments, "log_level": "warning"})
            config.load()
            client = TestClient(
                config.loaded_app,
                base_url="https://testserver",
                client=LOCAL_PROXY,
                raise_server_exceptions=False,
            )
            return stack.enter_context(client)

        yield make


def chat(client: TestClient, forwarded_for: str) -> int:
    # A well-formed conversation id each time (the door issues its own in its place), so
    # that only the client address's budget is at stake.
    body = {"sender": f"conversation-{next(SENDER_NUMBERS):04d}", "message": "bonjour"}
    response = client.post("/api/messages", json=body, headers={"X-Forwarded-For": forwarded_for})
    return response.status_code


def test_uvicorn_does_not_rewrite_the_client_address(monkeypatch: pytest.MonkeyPatch) -> None:
    assert uvicorn_arguments(monkeypatch)["proxy_headers"] is False


def test_a_forged_forwarded_for_does_not_escape_the_chat_limit(
    behind_uvicorn: Callable[..., TestClient],
) -> None:
    client = behind_uvicorn(rate_limit_ip=3)
    statuses = [chat(client, f"203.0.113.{number}") for number in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_behind_a_trusted_proxy_the_forwarded_client_is_the_key(
    behind_uvicorn: Callable[..., TestClient],
) -> None:
    client = behind_uvicorn(rate_limit_ip=2, trusted_proxies=(ipaddress.ip_network("127.0.0.0/8"),))
    # Each forwarded client has its own budget; what the client itself wrote (left) is ignored.
    assert [chat(client, f"1.1.1.1, 203.0.113.{number}") for number in range(4)] == [200] * 4
    assert [chat(client, f"198.51.100.{number}, 203.0.113.9") for number in range(3)] == [200, 200, 429]


def failed_logins(client: TestClient, forwarded_for: Callable[[int], str], count: int) -> list[int]:
    """``count`` logins with a wrong password, each at another address, each forwarded as said."""
    token = csrf_of(client.get("/equipe/connexion").text)
    statuses = []
    for number in range(count):
        response = client.post(
            "/equipe/connexion",
            data={"email": f"inconnu-{number}@example.fr", "password": "mauvais mot de passe", "csrf": token},
            headers={"X-Forwarded-For": forwarded_for(number)},
            follow_redirects=False,
        )
        statuses.append(response.status_code)
    return statuses


def test_a_forged_forwarded_for_does_not_escape_the_login_limit(
    behind_uvicorn: Callable[..., TestClient],
) -> None:
    # Default settings: 20 attempts per client address per 15 minutes (the old throttle's too).
    client = behind_uvicorn()
    statuses = failed_logins(client, lambda number: f"203.0.113.{number}", 22)
    assert statuses == [401] * 20 + [429, 429]


def test_behind_a_trusted_proxy_the_forwarded_client_is_the_login_key(
    behind_uvicorn: Callable[..., TestClient],
) -> None:
    client = behind_uvicorn(trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),))
    assert failed_logins(client, lambda number: f"203.0.113.{number}", 22) == [401] * 22
    assert failed_logins(client, lambda number: "198.51.100.7", 22) == [401] * 20 + [429, 429]
