"""The sliding-window rate limiter, on a fake clock."""

from __future__ import annotations

import pytest

from bot.web.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_allows_up_to_the_limit_then_says_how_long_to_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(limit=3, window=60, clock=clock)
    assert [limiter.hit("a") for _ in range(3)] == [None, None, None]
    clock.now += 10
    assert limiter.hit("a") == pytest.approx(50)


def test_the_window_slides() -> None:
    clock = Clock()
    limiter = RateLimiter(limit=2, window=60, clock=clock)
    limiter.hit("a")
    clock.now += 30
    limiter.hit("a")
    clock.now += 31  # the first hit is now older than the window
    assert limiter.hit("a") is None
    assert limiter.hit("a") == pytest.approx(29)


def test_refused_requests_do_not_extend_the_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(limit=1, window=10, clock=clock)
    limiter.hit("a")
    for _ in range(5):
        clock.now += 1
        assert limiter.hit("a") is not None
    clock.now += 5
    assert limiter.hit("a") is None


def test_keys_are_independent() -> None:
    limiter = RateLimiter(limit=1, window=60, clock=Clock())
    assert limiter.hit(("1.2.3.4", "conversation-a")) is None
    assert limiter.hit(("1.2.3.4", "conversation-b")) is None
    assert limiter.hit(("1.2.3.4", "conversation-a")) is not None


def test_memory_is_bounded() -> None:
    limiter = RateLimiter(limit=1, window=60, clock=Clock(), max_keys=100)
    for number in range(1000):
        limiter.hit(number)
    assert len(limiter) == 100
    assert limiter.hit(999) is not None, "the most recent keys are kept"
    assert limiter.hit(0) is None, "the oldest were forgotten"


@pytest.mark.parametrize(("limit", "window"), [(0, 60), (1, 0), (-1, 10)])
def test_bad_parameters(limit: int, window: float) -> None:
    with pytest.raises(ValueError):
        RateLimiter(limit=limit, window=window)
