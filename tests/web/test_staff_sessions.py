"""Server-side staff sessions on each store: the database (default) and Redis.

Redis runs when ``TEST_REDIS_URL`` is set (``make test`` starts one, see
``scripts/start-test-redis.sh``), as for the rate limits; each test uses its own key prefix.
Times come from a frozen clock.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import redis
from sqlalchemy import select

from bot.review import StaffAccounts, StaffUser
from bot.settings import Settings
from bot.storage import DiagnosticStore
from bot.storage.review_models import StaffSessionRow
from bot.web.staff.sessions import (
    DatabaseSessionStore,
    RedisSessionStore,
    SessionData,
    StaffSessionMiddleware,
    StaffSessions,
    token_hash,
)
from tests.clocks import FrozenClock
from tests.review.conftest import FAST_HASHER

REDIS_URL_ENV = "TEST_REDIS_URL"
START = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


def redis_client_or_skip() -> redis.Redis:
    url = os.environ.get(REDIS_URL_ENV, "").strip()
    if not url:
        pytest.skip(
            f"{REDIS_URL_ENV} is not set (to run: export {REDIS_URL_ENV}=$(scripts/start-test-redis.sh))"
        )
    return redis.Redis.from_url(url)


@pytest.fixture
def users(store: DiagnosticStore) -> tuple[StaffUser, StaffUser]:
    accounts = StaffAccounts(store.engine, hasher=FAST_HASHER)
    return (
        accounts.add("claire@plateforme.example", "un mot de passe assez long"),
        accounts.add("bruno@plateforme.example", "un mot de passe assez long"),
    )


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def session_store(request: pytest.FixtureRequest, store: DiagnosticStore) -> Iterator[object]:
    if request.param == "database":
        yield DatabaseSessionStore(store.engine)
        return
    client = redis_client_or_skip()
    prefix = f"test:{uuid.uuid4().hex}:"
    try:
        yield RedisSessionStore(client, prefix=prefix)
    finally:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
        client.close()


@pytest.fixture
def clock() -> FrozenClock[datetime]:
    return FrozenClock(START)


@pytest.fixture
def sessions(session_store, clock: FrozenClock[datetime]) -> StaffSessions:
    return StaffSessions(session_store, clock, lifetime=timedelta(hours=8), idle=timedelta(hours=1))


def stored_keys(store) -> set[str]:
    """Every session key the store holds (never a token)."""
    if isinstance(store, DatabaseSessionStore):
        with store.engine.connect() as connection:
            return set(connection.scalars(select(StaffSessionRow.token_hash)))
    prefix = f"{store.prefix}session:"
    return {key.decode().removeprefix(prefix) for key in store.client.scan_iter(match=f"{prefix}*")}


def test_a_session_is_kept_under_its_token_hash_only(sessions: StaffSessions, users) -> None:
    token, data = sessions.open(users[0])
    assert len(token) == 43 and data.user_id == users[0].id and len(data.csrf) >= 32
    assert stored_keys(sessions.store) == {hashlib.sha256(token.encode()).hexdigest()}
    assert token not in str(stored_keys(sessions.store))
    assert sessions.load(token) == (data, False)
    second, _ = sessions.open(users[0])
    assert second != token and sessions.load(second)[0] is not None


@pytest.mark.parametrize("token", ["", "x", "x" * 43, "é" * 43, "../" * 15, "a" * 44])
def test_unknown_or_malformed_tokens_find_nothing(sessions: StaffSessions, users, token: str) -> None:
    sessions.open(users[0])
    assert sessions.load(token) == (None, False)


def test_the_last_request_is_recorded_at_most_every_minute(
    sessions: StaffSessions, users, clock: FrozenClock[datetime]
) -> None:
    token, data = sessions.open(users[0])
    clock.now += timedelta(seconds=30)
    assert sessions.load(token) == (data, False)
    clock.now += timedelta(seconds=31)
    touched, save = sessions.load(token)
    assert save and touched is not None and touched.seen_at == clock.now
    sessions.save(token, touched)
    assert sessions.load(token) == (touched, False)


def test_idle_and_absolute_limits(sessions: StaffSessions, users, clock: FrozenClock[datetime]) -> None:
    idle, _ = sessions.open(users[0])
    busy, _ = sessions.open(users[1])
    for _ in range(7):
        clock.now += timedelta(minutes=59)
        data, save = sessions.load(busy)
        assert data is not None
        if save:
            sessions.save(busy, data)
    assert sessions.load(idle) == (None, False), "an hour without a request"
    assert stored_keys(sessions.store) == {token_hash(busy)}, "the expired session is deleted"
    clock.now = START + timedelta(hours=8)
    assert sessions.load(busy) == (None, False), "eight hours after login, used or not"
    assert stored_keys(sessions.store) == set()


def test_saving_never_brings_an_ended_session_back(sessions: StaffSessions, users) -> None:
    token, data = sessions.open(users[0])
    sessions.close(token)
    sessions.save(token, SessionData(**{**data.__dict__, "flash": ("ok", "bonjour")}))
    assert sessions.load(token) == (None, False)
    assert stored_keys(sessions.store) == set()


def test_the_message_for_the_next_page_is_kept(sessions: StaffSessions, users) -> None:
    token, data = sessions.open(users[0])
    flashed = SessionData(**{**data.__dict__, "flash": ("erreur", "Étiquette « <b> » invalide")})
    sessions.save(token, flashed)
    assert sessions.load(token)[0] == flashed


def test_ending_an_accounts_sessions_leaves_the_others(sessions: StaffSessions, users) -> None:
    first, _ = sessions.open(users[0])
    again, _ = sessions.open(users[0])
    other, _ = sessions.open(users[1])
    sessions.close_user(users[0].id)
    assert sessions.load(first)[0] is None and sessions.load(again)[0] is None
    assert sessions.load(other)[0] is not None
    sessions.close(other)
    assert stored_keys(sessions.store) == set()


def test_expired_sessions_are_purged(sessions: StaffSessions, users, clock: FrozenClock[datetime]) -> None:
    old, _ = sessions.open(users[0])
    clock.now += timedelta(minutes=61)
    new, _ = sessions.open(users[1])  # opening purges
    if isinstance(sessions.store, DatabaseSessionStore):
        assert stored_keys(sessions.store) == {token_hash(new)}
    else:
        # Redis expires its keys by itself: each has a TTL no longer than the idle limit.
        ttl = sessions.store.client.ttl(f"{sessions.store.prefix}session:{token_hash(new)}")
        assert 0 < ttl <= 3600
    assert sessions.load(old)[0] is None


def test_redis_is_used_when_configured() -> None:
    app = object()
    url = "redis://127.0.0.1:1/0"
    middleware = StaffSessionMiddleware(app, settings=Settings(redis_url=url), secret_key="k" * 40)
    assert isinstance(middleware.redis_store, RedisSessionStore)
    default = StaffSessionMiddleware(app, settings=Settings(), secret_key="k" * 40)
    assert default.redis_store is None
