"""Finding 5: staff sessions were signed cookies — after logout and after a password change,
the old cookie still opened /equipe/ and the CSV exports for up to 8 hours.

Now the cookie holds only a random token and the session lives on the server (database, or
Redis when configured): logout, a password change (every session of the account) and the
account's removal end it there. Each test saves a browser's cookie, does the revoking
operation, then replays the saved cookie from another browser.
"""

# ruff: noqa: F811  (fixtures imported from tests/web/)

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import redis
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.review import StaffAccounts
from bot.storage.review_models import StaffSessionRow
from bot.web.staff import SESSION_COOKIE
from bot.web.staff.sessions import RedisSessionStore, StaffSessions
from tests.review.conftest import Stores
from tests.web.conftest import fake_rasa, settings, store  # noqa: F401  (fixtures)
from tests.web.staff_support import (  # noqa: F401  (fixtures)
    EMAIL,
    PASSWORD,
    accounts,
    client_from,
    csrf_of,
    log_in,
    make_staff_client,
    seeded,
    session_cookie,
    stores,
    token,
)

NEW_PASSWORD = "une toute nouvelle phrase secrète"
REDIS_URL_ENV = "TEST_REDIS_URL"


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def backend(
    request: pytest.FixtureRequest, accounts: StaffAccounts
) -> Iterator[Callable[[TestClient], None]]:
    """Installs the session store on a client's app: the database (default) or Redis."""
    if request.param == "database":
        yield lambda client: None
        return
    url = os.environ.get(REDIS_URL_ENV, "").strip()
    if not url:
        pytest.skip(
            f"{REDIS_URL_ENV} is not set (to run: export {REDIS_URL_ENV}=$(scripts/start-test-redis.sh))"
        )
    connection = redis.Redis.from_url(url)
    prefix = f"test:{uuid.uuid4().hex}:"

    def install(client: TestClient) -> None:
        client.app.state.staff_sessions = StaffSessions(
            RedisSessionStore(connection, prefix=prefix),
            accounts.clock,
            timedelta(hours=8),
            timedelta(hours=1),
        )

    try:
        yield install
    finally:
        for key in connection.scan_iter(match=f"{prefix}*"):
            connection.delete(key)
        connection.close()


def signed_in(make: Callable[..., TestClient], install: Callable[[TestClient], None]) -> TestClient:
    client = make()
    install(client)
    assert log_in(client).status_code == 303
    return client


def replayed(app, cookie: str) -> TestClient:
    """Another browser presenting a saved session cookie."""
    browser = client_from(app, "198.51.100.7")
    browser.headers["Cookie"] = f"{SESSION_COOKIE}={cookie}"
    return browser


def opens(browser: TestClient) -> tuple[int, int]:
    """What the cookie opens: the list of conversations and the CSV export of every diagnostic."""
    page = browser.get("/equipe/", follow_redirects=False)
    export = browser.get("/equipe/exports/diagnostics.csv", follow_redirects=False)
    for response in (page, export):
        if response.status_code == 303:
            assert response.headers["location"].startswith("/equipe/connexion")
        else:
            assert response.status_code == 200
    return page.status_code, export.status_code


def test_after_logout_the_old_cookie_opens_nothing(
    make_staff_client: Callable[..., TestClient], seeded: Stores, backend
) -> None:
    browser = signed_in(make_staff_client, backend)
    cookie = session_cookie(browser)
    assert opens(replayed(browser.app, cookie)) == (200, 200), "the cookie works before logout"
    response = browser.post("/equipe/deconnexion", data={"csrf": token(browser)}, follow_redirects=False)
    assert response.status_code == 303
    assert opens(replayed(browser.app, cookie)) == (303, 303)
    assert "alice" not in replayed(browser.app, cookie).get("/equipe/exports/diagnostics.csv").text


def test_after_a_password_change_every_old_cookie_opens_nothing(
    make_staff_client: Callable[..., TestClient], seeded: Stores, accounts: StaffAccounts, backend
) -> None:
    first = session_cookie(signed_in(make_staff_client, backend))
    second_browser = signed_in(make_staff_client, backend)
    second = session_cookie(second_browser)
    assert opens(replayed(second_browser.app, first)) == (200, 200)
    # As `python -m bot staff password` does it.
    accounts.set_password(EMAIL, NEW_PASSWORD)
    assert opens(replayed(second_browser.app, first)) == (303, 303)
    assert opens(replayed(second_browser.app, second)) == (303, 303)
    assert log_in(client_from(second_browser.app, "198.51.100.8"), EMAIL, NEW_PASSWORD).status_code == 303


def test_a_password_changed_on_the_page_ends_the_other_sessions(
    make_staff_client: Callable[..., TestClient], seeded: Stores, backend
) -> None:
    elsewhere = signed_in(make_staff_client, backend)
    here = signed_in(make_staff_client, backend)
    app = here.app
    before, other = session_cookie(here), session_cookie(elsewhere)
    form = {"actuel": PASSWORD, "nouveau": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
    response = here.post(
        "/equipe/mot-de-passe",
        data={"csrf": token(here, "/equipe/mot-de-passe"), **form},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "Mot de passe changé" in here.get("/equipe/mot-de-passe").text
    assert session_cookie(here) != before, "this browser got a new session"
    assert opens(here) == (200, 200)
    assert opens(replayed(app, before)) == (303, 303)
    assert opens(replayed(app, other)) == (303, 303)


def test_after_the_account_is_removed_its_cookie_opens_nothing(
    make_staff_client: Callable[..., TestClient], seeded: Stores, accounts: StaffAccounts, backend
) -> None:
    browser = signed_in(make_staff_client, backend)
    cookie = session_cookie(browser)
    accounts.remove(EMAIL)
    assert opens(replayed(browser.app, cookie)) == (303, 303)
    # Even an account made again with the same address does not inherit the session.
    accounts.add(EMAIL, PASSWORD, role="administrator")
    assert opens(replayed(browser.app, cookie)) == (303, 303)
    with accounts.engine.connect() as connection:
        assert connection.execute(select(StaffSessionRow)).all() == []
