"""Fixtures of the staff area's tests: a review on temporary stores, a staff account, clients.

The tracker rows are written by Rasa's own SQLTrackerStore (helpers of tests/review), so
the pages read exactly what the Rasa server would have written. Clients talk https to
the app (the session cookie is Secure when the public address is https). Two accounts:
EMAIL (administrator) and REVIEWER_EMAIL (reviewer); their clock (``staff_clock``, also the
sessions' clock) is frozen at NOW and moved by the tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from bot.review import Review, ReviewSettings, StaffAccounts, TrackerEvents, make_tracker_engine
from bot.settings import Settings
from bot.storage import DiagnosticStore
from bot.web.app import create_app
from bot.web.rasa_client import RasaClient
from bot.web.staff import SESSION_COOKIE
from tests.review.conftest import (
    FAST_HASHER,
    NOW,
    RasaTrackerWriter,
    Stores,
    ago,
    exchange,
    seed,
    session_start,
)
from tests.web.conftest import FakeRasa

EMAIL = "relecture@plateforme.example"
REVIEWER_EMAIL = "lecture@plateforme.example"
PASSWORD = "un mot de passe assez long"
XSS = "<script>alert(1)</script>"
XSS_SENDER = f"pirate-{XSS}"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def stores(store: DiagnosticStore, tmp_path: Path) -> Iterator[Stores]:
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    writer = RasaTrackerWriter(tracker_url)
    review = Review(
        store, TrackerEvents(make_tracker_engine(tracker_url)), ReviewSettings(), clock=lambda: NOW
    )
    try:
        yield Stores(review, store, writer, tracker_url, str(store.engine.url))
    finally:
        writer.close()
        review.tracker.engine.dispose()


def seed_xss(stores: Stores) -> None:
    """A conversation whose id, typed message and authority name are markup."""
    t = ago(days=4)
    stores.rasa.write(
        XSS_SENDER,
        [
            *session_start(t),
            *exchange(XSS, "nlu_fallback", "Je n'ai pas compris.", t, "action_default_fallback", 0.4),
        ],
    )
    stores.diagnostic(
        XSS_SENDER, {"type_collectivite": "commune", "nom_collectivite": XSS}, current="population"
    )
    stores.backdate(XSS_SENDER, t, t + timedelta(minutes=1))


@pytest.fixture
def seeded(stores: Stores) -> Stores:
    seed(stores)
    seed_xss(stores)
    return stores


@pytest.fixture
def review(stores: Stores) -> Review:
    return stores.review


class StaffClock:
    """A frozen clock for the staff accounts and sessions; tests move ``now``."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def accounts(store: DiagnosticStore) -> StaffAccounts:
    staff_accounts = StaffAccounts(store.engine, hasher=FAST_HASHER, clock=StaffClock())
    staff_accounts.add(EMAIL, PASSWORD, role="administrator")
    staff_accounts.add(REVIEWER_EMAIL, PASSWORD, role="reviewer")
    return staff_accounts


@pytest.fixture
def staff_clock(accounts: StaffAccounts) -> StaffClock:
    """The accounts' clock, which the staff sessions use too."""
    assert isinstance(accounts.clock, StaffClock)
    return accounts.clock


@pytest.fixture
def make_staff_client(
    store: DiagnosticStore, stores: Stores, accounts: StaffAccounts, fake_rasa: FakeRasa, settings: Settings
) -> Iterator[Callable[..., TestClient]]:
    """Clients on a new app with the review and accounts; keyword arguments override settings."""
    with ExitStack() as stack:

        def make(client: tuple[str, int] = ("testclient", 50000), **overrides: Any) -> TestClient:
            rasa = RasaClient("http://rasa.test", timeout=5, transport=httpx.MockTransport(fake_rasa.handle))
            app = create_app(
                replace(settings, **overrides),
                store=store,
                rasa_client=rasa,
                review=stores.review,
                accounts=accounts,
            )
            test_client = TestClient(
                app, base_url="https://testserver", raise_server_exceptions=False, client=client
            )
            return stack.enter_context(test_client)

        yield make


def client_from(app: Any, address: str) -> TestClient:
    """Another browser on the same app, from another client address (lifespan not run again)."""
    return TestClient(
        app, base_url="https://testserver", raise_server_exceptions=False, client=(address, 50000)
    )


@pytest.fixture
def anonymous(make_staff_client: Callable[..., TestClient]) -> TestClient:
    return make_staff_client()


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None, "no CSRF field on the page"
    return found.group(1)


def log_in(client: TestClient, email: str = EMAIL, password: str = PASSWORD, **extra: str) -> httpx.Response:
    token = csrf_of(client.get("/equipe/connexion").text)
    data = {"email": email, "password": password, "csrf": token, **extra}
    return client.post("/equipe/connexion", data=data, follow_redirects=False)


@pytest.fixture
def staff(make_staff_client: Callable[..., TestClient], seeded: Stores) -> TestClient:
    """A client signed in as EMAIL (an administrator), on the seeded conversations."""
    client = make_staff_client()
    response = log_in(client)
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def reviewer(make_staff_client: Callable[..., TestClient], seeded: Stores) -> TestClient:
    """A client signed in as REVIEWER_EMAIL (a reviewer), on the seeded conversations."""
    client = make_staff_client()
    response = log_in(client, REVIEWER_EMAIL)
    assert response.status_code == 303, response.text
    return client


def session_cookie(client: TestClient) -> str:
    """The staff session cookie's value in a client's jar."""
    value = client.cookies.get(SESSION_COOKIE)
    assert value, "no staff session cookie"
    return value


def token(client: TestClient, path: str = "/equipe/") -> str:
    return csrf_of(client.get(path).text)


def staff_routes(app) -> list[Route]:
    """Every route of the staff area, from the app's own route list."""
    return [route for route in app.routes if isinstance(route, Route) and route.path.startswith("/equipe")]


def concrete_path(route: Route, sender_id: str = "alice") -> str:
    return re.sub(r"\{[^}]+\}", sender_id, route.path)
