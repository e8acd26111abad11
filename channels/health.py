"""Says whether Rasa's tracker store really stores: ``GET /webhooks/health/`` (private).

Rasa wraps its tracker store in a ``FailSafeTrackerStore``: when the database fails, the
conversations are kept in memory only and lost at the next restart, with one log line per
message and nothing else. And when the database cannot be reached while Rasa starts, Rasa runs
on an ``InMemoryTrackerStore`` until it is restarted. This channel makes both visible:

- at start-up, a tracker store that fell back to memory is a fatal error: the process logs it
  and stops (exit status 3), and the supervisor (deploy/supervisord.conf) starts it again,
  until the database answers (each start takes about a minute, hence no tight loop);
- while it runs, every call to the real tracker store is watched: the first failure is logged
  (in French, ``Stockage des conversations de Rasa en panne``) and the health answer says
  ``en_panne`` until a call succeeds again, which is logged too (``rétabli``). Rasa retries
  the database at each message, so the service resumes by itself when it is back.

The answer, ``{"tracker_store": "ok" | "en_panne" | "memoire", "depuis": <epoch or null>,
"erreur": "<text>"}``, needs the header ``X-Diagnostic-Secret`` (as the REST channel); the web
application relays it in its own ``/api/health``. The deployment always configures a durable
tracker store (endpoints.yml), so an in-memory one is never intended.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, TrackerStore
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.service_secret import RASA_SECRET, SECRET_HEADER, configured_secret, secret_matches

logger = logging.getLogger(__name__)
FALLBACK_EXIT_STATUS = 3
_WATCHED_METHODS = ("save", "retrieve", "retrieve_full_tracker", "keys")


@dataclass
class TrackerStoreState:
    """What the watched tracker store last did."""

    in_memory: bool = False
    failing_since: float | None = None
    last_error: str = ""
    clock: Callable[[], float] = field(default=time.time, repr=False)

    def failed(self, store_name: str, error: BaseException) -> None:
        self.last_error = f"{type(error).__name__}: {error}"[:500]
        if self.failing_since is None:
            self.failing_since = self.clock()
            logger.error(
                "Stockage des conversations de Rasa en panne (%s) : les messages ne sont gardés qu'en "
                "mémoire et seront perdus au prochain redémarrage ; Rasa réessaie à chaque message. "
                "Erreur : %s",
                store_name,
                self.last_error,
            )

    def succeeded(self, store_name: str) -> None:
        if self.failing_since is not None:
            logger.warning(
                "Stockage des conversations de Rasa rétabli (%s) après %.0f s de panne.",
                store_name,
                self.clock() - self.failing_since,
            )
            self.failing_since = None

    def as_json(self) -> dict[str, Any]:
        if self.in_memory:
            status = "memoire"
        elif self.failing_since is not None:
            status = "en_panne"
        else:
            status = "ok"
        return {"tracker_store": status, "depuis": self.failing_since, "erreur": self.last_error}


def primary_store(tracker_store: TrackerStore) -> TrackerStore:
    """The store that Rasa's FailSafeTrackerStore wraps (itself if it is not wrapped)."""
    if isinstance(tracker_store, FailSafeTrackerStore):
        return tracker_store._tracker_store
    return tracker_store


def watch(tracker_store: TrackerStore, state: TrackerStoreState) -> None:
    """Reports every success and failure of the real store behind Rasa's fail-safe wrapper."""
    primary = primary_store(tracker_store)
    # Exactly the class Rasa falls back to (a subclass would be a deliberate choice).
    state.in_memory = type(primary) is InMemoryTrackerStore
    if state.in_memory or getattr(primary, "_diagnostic_watched", False):
        return
    name = type(primary).__name__
    for method_name in _WATCHED_METHODS:
        original = getattr(primary, method_name)

        @functools.wraps(original)
        async def watched(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            try:
                result = await _original(*args, **kwargs)
            except Exception as error:
                state.failed(name, error)
                raise
            state.succeeded(name)
            return result

        setattr(primary, method_name, watched)
    primary._diagnostic_watched = True


def stop_on_memory_fallback(state: TrackerStoreState, exit: Callable[[int], Any] = os._exit) -> None:
    if state.in_memory:
        logger.critical(
            "Rasa n'a pas pu ouvrir le stockage des conversations (voir plus haut) et se rabattrait "
            "sur la mémoire : il s'arrête pour être redémarré (par le superviseur) quand la base "
            "répondra de nouveau."
        )
        for handler in logging.getLogger().handlers:
            handler.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        exit(FALLBACK_EXIT_STATUS)


class TrackerStoreHealthInput(InputChannel):
    """A channel with no messages: its one route says how the tracker store is doing."""

    @classmethod
    def name(cls) -> str:
        return "health"

    def __init__(self, secret: str | None) -> None:
        self.secret = secret
        self.state = TrackerStoreState()

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TrackerStoreHealthInput:
        return cls(secret=configured_secret(os.environ, RASA_SECRET))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        health = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @health.listener("after_server_start")
        async def watch_tracker_store(app: Any, _loop: Any) -> None:
            agent = getattr(app.ctx, "agent", None)
            if agent is None or agent.tracker_store is None:
                return
            watch(agent.tracker_store, self.state)
            stop_on_memory_fallback(self.state)

        @health.route("/", methods=["GET"])
        async def tracker_store_health(request: Request) -> HTTPResponse:
            if not secret_matches(self.secret, request.headers.get(SECRET_HEADER)):
                return response.json({"error": "secret_invalide"}, status=401)
            return response.json(self.state.as_json())

        return health
