"""Every rate limit of the door, on the :pypi:`limits` library (moving window).

One :class:`RateLimits` per application (``app.state.limits``), built from the settings by
:meth:`RateLimits.from_settings`. Its rules have fixed names (:data:`RULES`); each allows N
requests per T seconds for one key (a client address, a conversation, an account...):

======================  =========================================  ===================================
rule                    key                                        setting (environment variable)
======================  =========================================  ===================================
``chat_client``         client address                             DIAGNOSTIC_RATE_LIMIT_IP (per min)
``chat_conversation``   client address and conversation            DIAGNOSTIC_RATE_LIMIT (per min)
``socket_connect``      client address                             DIAGNOSTIC_RATE_LIMIT_SOCKET
``login_client``        client address                             DIAGNOSTIC_RATE_LIMIT_LOGIN_IP
``login_account``       account                                    DIAGNOSTIC_RATE_LIMIT_LOGIN_ACCOUNT
``login_pair``          client address and account                 DIAGNOSTIC_RATE_LIMIT_LOGIN_PAIR
======================  =========================================  ===================================

- ``hit(rule, key)`` counts one request: None when allowed, else the seconds to wait;
- ``await ahit(rule, key)`` is its twin for async handlers (never blocks the event loop);
- ``hit_all([(rule, key), ...])`` / ``await ahit_all(...)`` count one request under several
  rules in turn, up to the first that refuses it (one hand-off to a thread for them all);
- ``check(rule, key)`` / ``await acheck(rule, key)`` tell the same without counting;
- ``reset(rule, key)`` / ``await areset(rule, key)`` forget a key (e.g. after a good login).

The counts live in memory (one process: the embedded default) or, when DIAGNOSTIC_REDIS_URL
is set, in Redis, shared by every process. Keys are hashed before they are stored (an
account's address never lands in Redis as is). If Redis cannot be reached the request is
allowed and the failure logged: the limits protect the service, an outage of the store
must not take the service down with it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from bot.settings import Rate, Settings
from bot.web.errors import NO_STORE, json_error, web_text

logger = logging.getLogger(__name__)

RULES = ("chat_client", "chat_conversation", "socket_connect", "login_client", "login_account", "login_pair")
NAMESPACE = "diagnostic"
REDIS_TIMEOUT_SECONDS = 2.0
MIN_WAIT = 0.001


def rules_of(settings: Settings) -> dict[str, Rate]:
    """The rate of each rule, as the settings give it."""
    minute = int(settings.rate_window_seconds)
    return {
        "chat_client": Rate(settings.rate_limit_ip, minute),
        "chat_conversation": Rate(settings.rate_limit, minute),
        "socket_connect": settings.socket_rate,
        "login_client": settings.login_rate_client,
        "login_account": settings.login_rate_account,
        "login_pair": settings.login_rate_pair,
    }


def make_storage(redis_url: str | None, key_prefix: str = NAMESPACE) -> Storage:
    """Memory (one process) without a URL, else Redis (``redis://``, ``rediss://``, ``unix://``)."""
    if not redis_url:
        return MemoryStorage()
    if redis_url.startswith("unix://"):
        redis_url = "redis+unix://" + redis_url.removeprefix("unix://")
    return RedisStorage(
        redis_url,
        key_prefix=key_prefix,
        wrap_exceptions=True,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )


def _hashed(key: str) -> str:
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class RateLimits:
    """The door's rate limits (see the module's docstring)."""

    def __init__(
        self,
        rules: Mapping[str, Rate],
        storage: Storage | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        unknown = set(rules) - set(RULES)
        if unknown:
            raise ValueError(f"règles de limitation inconnues : {sorted(unknown)}")
        self._items: dict[str, RateLimitItem] = {
            name: RateLimitItemPerSecond(rate.amount, rate.seconds, namespace=NAMESPACE)
            for name, rate in rules.items()
        }
        self.storage = storage if storage is not None else MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self.storage)
        # The clock the storage uses (limits reads time.time()); tests freeze both together.
        self._clock = clock
        self._shared = not isinstance(self.storage, MemoryStorage)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls(rules_of(settings), make_storage(settings.redis_url))

    def rate(self, rule: str) -> Rate:
        item = self._item(rule)
        return Rate(item.amount, item.get_expiry())

    def _item(self, rule: str) -> RateLimitItem:
        try:
            return self._items[rule]
        except KeyError:
            raise KeyError(f"règle de limitation inconnue : {rule!r}") from None

    def _wait(self, item: RateLimitItem, rule: str, key: str) -> float:
        reset_at = self._limiter.get_window_stats(item, rule, key).reset_time
        return max(reset_at - self._clock(), MIN_WAIT)

    def hit(self, rule: str, key: str) -> float | None:
        """Count one request of ``key`` under ``rule``: None if allowed, else seconds to wait."""
        return self._ask(self._limiter.hit, rule, key)

    def check(self, rule: str, key: str) -> float | None:
        """Like :meth:`hit` without counting: None if one more request would be allowed."""
        return self._ask(self._limiter.test, rule, key)

    def _ask(self, allowed: Callable[..., bool], rule: str, key: str) -> float | None:
        """None if the limiter's ``allowed`` (hit or test) lets ``key`` through, else seconds to wait;
        None too when the storage cannot be reached (logged)."""
        item, hashed = self._item(rule), _hashed(key)
        try:
            if allowed(item, rule, hashed):
                return None
            return self._wait(item, rule, hashed)
        except StorageError:
            logger.exception("limite %s non vérifiée : stockage injoignable", rule)
            return None

    def reset(self, rule: str, key: str) -> None:
        """Forget every request counted for ``key`` under ``rule``."""
        try:
            self._limiter.clear(self._item(rule), rule, _hashed(key))
        except StorageError:
            logger.exception("limite %s non remise à zéro : stockage injoignable", rule)

    def hit_all(self, hits: Sequence[tuple[str, str]]) -> float | None:
        """Count one request under each ``(rule, key)`` in turn: None if every rule allows it, else
        the first refusal's seconds to wait (the rules after it are not counted)."""
        for rule, key in hits:
            wait = self.hit(rule, key)
            if wait is not None:
                return wait
        return None

    async def ahit_all(self, hits: Sequence[tuple[str, str]]) -> float | None:
        """:meth:`hit_all` for async handlers: with Redis, one trip off the event loop for them all
        (handing work to a thread cost more of the door's CPU than the Redis calls themselves)."""
        return await self._run(self.hit_all, hits)

    async def ahit(self, rule: str, key: str) -> float | None:
        return await self.ahit_all([(rule, key)])

    async def acheck(self, rule: str, key: str) -> float | None:
        return await self._run(self.check, rule, key)

    async def areset(self, rule: str, key: str) -> None:
        await self._run(self.reset, rule, key)

    async def _run(self, method: Callable[..., float | None], *args: Any) -> float | None:
        # Memory answers at once; Redis calls are synchronous (redis-py), so off the event loop.
        if self._shared:
            return await run_in_threadpool(method, *args)
        return method(*args)


def retry_seconds(wait: float) -> int:
    """A wait as whole seconds for a Retry-After header (at least 1)."""
    return max(1, math.ceil(wait))


def too_many_messages(wait: float) -> str:
    """The French refusal of a message over the chat limits (API and Socket.IO alike)."""
    seconds = retry_seconds(wait)
    return web_text("too_many_messages", seconds=seconds, plural="s" if seconds > 1 else "")


def too_many_response(wait: float) -> JSONResponse:
    """The chat API's 429 (a repeat's too): the French refusal, Retry-After, not to be cached."""
    headers = {"Retry-After": str(retry_seconds(wait)), **NO_STORE}
    return json_error(429, "trop_de_messages", too_many_messages(wait), headers=headers)
