"""The door's rate limits (bot/web/ratelimit.py) on a frozen clock, in memory and on Redis.

Redis runs when ``TEST_REDIS_URL`` is set (see ``scripts/start-test-redis.sh``); every test
gets its own key prefix there. The clock is frozen by giving the ``limits`` storages a fake
``time`` module: both storages read ``time.time()`` on the client side (Redis's scripts take
the timestamp as an argument), so the windows move only when a test moves the clock.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Callable, Iterator

import limits.storage.memory
import limits.storage.redis
import pytest
from limits.storage import Storage

from bot.settings import Rate, Settings
from bot.web.ratelimit import RULES, RateLimits, make_storage, retry_seconds

REDIS_URL_ENV = "TEST_REDIS_URL"


class FrozenTime:
    """Stands for the ``time`` module inside the limits storages: time() is what the test says."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenTime:
    frozen = FrozenTime()
    monkeypatch.setattr(limits.storage.memory, "time", frozen)
    monkeypatch.setattr(limits.storage.redis, "time", frozen)
    return frozen


def redis_url_or_skip() -> str:
    url = os.environ.get(REDIS_URL_ENV, "").strip()
    if not url:
        pytest.skip(
            f"{REDIS_URL_ENV} is not set (to run: export {REDIS_URL_ENV}=$(scripts/start-test-redis.sh))"
        )
    return url


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def storage_factory(request: pytest.FixtureRequest) -> Iterator[Callable[[], Storage]]:
    """Makes storages that share their counts (as several processes of the door would)."""
    if request.param == "memory":
        shared = make_storage(None)
        yield lambda: shared
        return
    url = redis_url_or_skip()
    prefix = f"test-{uuid.uuid4().hex}"
    made: list[Storage] = []

    def factory() -> Storage:
        made.append(make_storage(url, key_prefix=prefix))
        return made[-1]

    yield factory
    if made:
        client = made[0].get_connection()
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def limiter(
    storage_factory: Callable[[], Storage], clock: FrozenTime, **rules: Rate
) -> RateLimits:
    return RateLimits(rules, storage_factory(), clock=clock.time)


def test_allows_n_per_window_then_says_how_long_to_wait(storage_factory, clock: FrozenTime) -> None:
    limits = limiter(storage_factory, clock, chat_client=Rate(3, 60))
    for _ in range(3):
        assert limits.hit("chat_client", "192.0.2.1") is None
        clock.advance(10)
    # Hits at t, t+10, t+20; at t+30 the first one leaves the window in 30 s.
    assert limits.hit("chat_client", "192.0.2.1") == pytest.approx(30)
    clock.advance(29)
    assert limits.hit("chat_client", "192.0.2.1") == pytest.approx(1)
    clock.advance(1.5)  # t+60.5: the first hit has left the window, refusals were not counted
    assert limits.hit("chat_client", "192.0.2.1") is None
    assert limits.hit("chat_client", "192.0.2.1") == pytest.approx(9.5)


def test_keys_and_rules_are_counted_apart(storage_factory, clock: FrozenTime) -> None:
    limits = limiter(storage_factory, clock, login_client=Rate(1, 60), login_pair=Rate(1, 60))
    assert limits.hit("login_client", "192.0.2.1") is None
    assert limits.hit("login_client", "192.0.2.1") is not None
    assert limits.hit("login_client", "192.0.2.2") is None
    assert limits.hit("login_pair", "192.0.2.1") is None


def test_reset_forgets_a_key_only(storage_factory, clock: FrozenTime) -> None:
    limits = limiter(storage_factory, clock, login_pair=Rate(2, 900))
    for key in ("a", "b"):
        limits.hit("login_pair", key)
        limits.hit("login_pair", key)
    limits.reset("login_pair", "a")
    assert limits.hit("login_pair", "a") is None
    assert limits.hit("login_pair", "b") == pytest.approx(900)


def test_check_tells_without_counting(storage_factory, clock: FrozenTime) -> None:
    limits = limiter(storage_factory, clock, login_account=Rate(2, 60))
    assert limits.check("login_account", "agent@mairie.fr") is None
    limits.hit("login_account", "agent@mairie.fr")
    assert limits.check("login_account", "agent@mairie.fr") is None
    assert limits.check("login_account", "agent@mairie.fr") is None
    limits.hit("login_account", "agent@mairie.fr")
    assert limits.check("login_account", "agent@mairie.fr") == pytest.approx(60)


def test_async_twins_count_in_the_same_windows(storage_factory, clock: FrozenTime) -> None:
    limits = limiter(storage_factory, clock, socket_connect=Rate(2, 60))

    async def scenario() -> list[float | None]:
        first = await limits.ahit("socket_connect", "192.0.2.1")
        second = limits.hit("socket_connect", "192.0.2.1")
        third = await limits.acheck("socket_connect", "192.0.2.1")
        await limits.areset("socket_connect", "192.0.2.1")
        fourth = await limits.ahit("socket_connect", "192.0.2.1")
        return [first, second, third, fourth]

    assert asyncio.run(scenario()) == [None, None, pytest.approx(60), None]


@pytest.mark.parametrize("asynchronous", [False, True])
def test_several_rules_count_in_turn_up_to_the_first_refusal(
    storage_factory, clock: FrozenTime, asynchronous: bool
) -> None:
    limits = limiter(storage_factory, clock, chat_client=Rate(3, 60), chat_conversation=Rate(1, 60))

    def hit_all(hits: list[tuple[str, str]]) -> float | None:
        return asyncio.run(limits.ahit_all(hits)) if asynchronous else limits.hit_all(hits)

    both = [("chat_client", "192.0.2.1"), ("chat_conversation", "192.0.2.1 c1")]
    assert hit_all(both) is None
    assert hit_all(both) == pytest.approx(60)  # the conversation's rule refuses
    assert limits.check("chat_client", "192.0.2.1") is None  # the client's counted twice of 3
    limits.hit("chat_client", "192.0.2.1")
    clock.advance(60)  # every window empties
    for _ in range(3):
        limits.hit("chat_client", "192.0.2.1")
    assert hit_all([("chat_client", "192.0.2.1"), ("chat_conversation", "192.0.2.1 c2")]) is not None
    # The client's rule refused first: the conversation's was not counted.
    assert limits.check("chat_conversation", "192.0.2.1 c2") is None
    assert hit_all([]) is None


def test_processes_sharing_a_store_share_the_counts(storage_factory, clock: FrozenTime) -> None:
    one = limiter(storage_factory, clock, chat_conversation=Rate(2, 60))
    two = limiter(storage_factory, clock, chat_conversation=Rate(2, 60))
    assert one.hit("chat_conversation", "192.0.2.1 conversation-1") is None
    assert two.hit("chat_conversation", "192.0.2.1 conversation-1") is None
    assert one.hit("chat_conversation", "192.0.2.1 conversation-1") is not None


@pytest.mark.parametrize("key", ["", "a\ud800b", "é" * 5000, "x:y/z*?[", "\x00"])
def test_any_key_is_accepted(storage_factory, clock: FrozenTime, key: str) -> None:
    limits = limiter(storage_factory, clock, login_account=Rate(1, 60))
    assert limits.hit("login_account", key) is None
    assert limits.hit("login_account", key) is not None


def test_rules_come_from_the_settings() -> None:
    settings = Settings(
        rate_limit=7,
        rate_limit_ip=70,
        socket_rate=Rate(3, 10),
        login_rate_client=Rate(4, 20),
        login_rate_account=Rate(5, 30),
        login_rate_pair=Rate(6, 40),
    )
    limits = RateLimits.from_settings(settings)
    assert {rule: limits.rate(rule) for rule in RULES} == {
        "chat_client": Rate(70, 60),
        "chat_conversation": Rate(7, 60),
        "socket_connect": Rate(3, 10),
        "login_client": Rate(4, 20),
        "login_account": Rate(5, 30),
        "login_pair": Rate(6, 40),
    }


def test_unknown_rules_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimits({"chat": Rate(1, 1)})
    with pytest.raises(KeyError):
        RateLimits({}).hit("chat_client", "192.0.2.1")


def test_an_unreachable_redis_lets_requests_through_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    # Port 1 on loopback: nothing listens there, the connection is refused at once.
    limits = RateLimits({"chat_client": Rate(1, 60)}, make_storage("redis://127.0.0.1:1/0"))
    with caplog.at_level(logging.ERROR, logger="bot.web.ratelimit"):
        assert limits.hit("chat_client", "192.0.2.1") is None
        assert limits.hit("chat_client", "192.0.2.1") is None
    assert "stockage injoignable" in caplog.text


@pytest.mark.parametrize(("wait", "seconds"), [(0.001, 1), (1.0, 1), (1.2, 2), (59.9, 60)])
def test_retry_seconds_rounds_up(wait: float, seconds: int) -> None:
    assert retry_seconds(wait) == seconds
