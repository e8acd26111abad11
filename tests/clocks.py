"""The clock handed to the code under test: it moves only when the test moves it."""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class FrozenClock(Generic[T]):
    """Calling it gives ``now`` (monotonic seconds, or a datetime); the test sets ``now``."""

    def __init__(self, now: T) -> None:
        self.now = now

    def __call__(self) -> T:
        return self.now
