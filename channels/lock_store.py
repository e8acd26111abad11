"""Rasa's conversation locks: in memory (one Rasa) or in Redis (several), chosen by the environment.

Rasa handles one message at a time per conversation with a ticket lock (``rasa.core.lock``).
endpoints.yml names :class:`DiagnosticLockStore`, which reads ``LOCK_STORE_URL``:

- empty (the embedded default): Rasa's ``InMemoryLockStore``. The locks live in the Rasa
  process and die with it: a killed Rasa leaves none behind. It allows one Rasa process only
  (``SANIC_WORKERS`` above 1 is refused here, as Rasa refuses it with its own in-memory store).
- ``redis://``, ``rediss://`` or ``unix://``: :class:`OwnedRedisLockStore`, for several Rasa
  servers (or workers) sharing the conversations. ``LOCK_STORE_PREFIX`` (letters and digits,
  default ``diagnostic``) starts every key, so that one Redis can serve several deployments.

Why not Rasa's own ``RedisLockStore``: a Rasa killed while it handles a message leaves its
ticket in Redis, and every later message of that conversation, on any server, waits until the
ticket's lifetime (``TICKET_LOCK_LIFETIME``, 60 s by default) runs out. Here each ticket names
the process that holds it, and each process keeps a short lease in Redis (``LOCK_OWNER_LEASE``
seconds, 10 by default), renewed four times per lease by a thread. A ticket whose holder's lease
has lapsed belongs to a dead process: the next server that waits on it drops it (within a
second, Rasa's polling period), so the conversation waits ``LOCK_OWNER_LEASE`` at most after the
kill, not the lifetime. A live holder keeps its lease, hence its tickets, until they expire as
in Rasa (a turn longer than the lifetime loses its lock, as in Rasa). The one new risk: a Rasa
frozen for longer than the lease (stopped by a debugger or SIGSTOP, a host suspended) loses its
locks while it is frozen; its thread says so in its log when it wakes (« bail perdu »).

Every change to a lock is an optimistic Redis transaction (WATCH, MULTI, EXEC, retried when the
lock changed in between): Rasa's store reads then writes the lock, so two servers taking a
ticket at once for the same conversation can both get the same number (RasaHQ/rasa#9213).
Locks are stored as Rasa stores them (the tickets carry one more field, ``owner``), so Rasa's
own store can still read them.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import redis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore

logger = logging.getLogger(__name__)

URL_ENV = "LOCK_STORE_URL"
PREFIX_ENV = "LOCK_STORE_PREFIX"
LEASE_ENV = "LOCK_OWNER_LEASE"
DEFAULT_PREFIX = "diagnostic"
# s: 5 s was lost under load while a Rasa loaded its model (the heartbeat thread starved of the GIL).
DEFAULT_LEASE = 10.0
REDIS_SCHEMES = ("redis", "rediss", "unix")
REDIS_TIMEOUT = 5.0  # s: a Redis that does not answer fails the message instead of hanging it
HEARTBEATS_PER_LEASE = 4


class LockStoreConfigError(ValueError):
    """The environment asks for a lock store that cannot work; the message is for the operator."""


class DiagnosticLockStore:
    """The class endpoints.yml names: Rasa calls it with the endpoint's settings, it returns the store."""

    def __new__(cls, endpoint_config: Any = None) -> LockStore:
        return lock_store_from_environment(os.environ)


def lock_store_from_environment(environ: Mapping[str, str]) -> LockStore:
    url = environ.get(URL_ENV, "").strip()
    if not url:
        if environ.get("SANIC_WORKERS", "1").strip() not in ("", "1"):
            raise LockStoreConfigError(
                f"SANIC_WORKERS demande plusieurs processus Rasa : leurs verrous de conversation "
                f"doivent être partagés, définissez {URL_ENV} (une adresse redis://)."
            )
        logger.info("Verrous des conversations de Rasa : en mémoire (un seul processus Rasa).")
        return InMemoryLockStore()
    parts = urlsplit(url)
    if parts.scheme not in REDIS_SCHEMES or not (parts.netloc or parts.path):
        raise LockStoreConfigError(
            f"{URL_ENV} doit être une adresse redis://, rediss:// ou unix://, par exemple "
            "« redis://127.0.0.1:6379/1 »."
        )
    prefix = environ.get(PREFIX_ENV, "").strip() or DEFAULT_PREFIX
    if not prefix.isalnum():
        raise LockStoreConfigError(f"{PREFIX_ENV} ne doit contenir que des lettres et des chiffres.")
    try:
        lease = float(environ.get(LEASE_ENV, "").strip() or DEFAULT_LEASE)
    except ValueError:
        lease = 0
    if not 1 <= lease <= LOCK_LIFETIME:
        raise LockStoreConfigError(
            f"{LEASE_ENV} doit être un nombre de secondes entre 1 et TICKET_LOCK_LIFETIME ({LOCK_LIFETIME})."
        )
    client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
    store = OwnedRedisLockStore(client, prefix=prefix, lease=lease)
    logger.info(
        "Verrous des conversations de Rasa : Redis (%s, préfixe %s), ce processus est %s ; "
        "ses verrous sont rendus %.0f s au plus après sa mort.",
        parts.hostname or parts.path,
        prefix,
        store.owner,
        lease,
    )
    return store


class OwnedTicket(Ticket):
    """Rasa's ticket, with the process that holds it (None: a ticket written by Rasa's own store)."""

    def __init__(self, number: int, expires: float, owner: str | None, clock: Callable[[], float]) -> None:
        super().__init__(number, expires)
        self.owner = owner
        self._clock = clock

    def has_expired(self) -> bool:
        return self._clock() > self.expires

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "expires": self.expires, "owner": self.owner}


class OwnedRedisLockStore(LockStore):
    """Rasa's lock store on Redis, whose tickets are given up when their process dies (see above)."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str = DEFAULT_PREFIX,
        lease: float = DEFAULT_LEASE,
        owner: str | None = None,
        clock: Callable[[], float] = time.time,
        heartbeat: bool = True,
    ) -> None:
        super().__init__()
        self.red = client
        self.prefix = prefix
        self.lease = lease
        self.owner = owner or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.clock = clock
        self._stop = threading.Event()
        self._leased = False
        self.renew_lease()  # before any ticket; fails the start when Redis does not answer
        self._heartbeat: threading.Thread | None = None
        if heartbeat:
            self._heartbeat = threading.Thread(target=self._beat, name="lock-store-lease", daemon=True)
            self._heartbeat.start()

    # keys
    def lock_key(self, conversation_id: str) -> str:
        return f"{self.prefix}:lock:{conversation_id}"

    def lease_key(self, owner: str) -> str:
        return f"{self.prefix}:alive:{owner}"

    # this process's lease
    def renew_lease(self) -> None:
        """Extends the lease, or takes it (at start, or when it lapsed: this process was taken for dead)."""
        key = self.lease_key(self.owner)
        milliseconds = int(self.lease * 1000)
        if self.red.set(key, "1", px=milliseconds, xx=True):
            return
        self.red.set(key, "1", px=milliseconds)
        if self._leased:
            logger.error(
                "Verrous des conversations : bail perdu (ce processus n'a pas pu le renouveler pendant "
                "%.0f s) ; les conversations qu'il traitait ont pu être reprises par un autre serveur.",
                self.lease,
            )
        self._leased = True

    def _beat(self) -> None:
        failing = False
        while not self._stop.wait(self.lease / HEARTBEATS_PER_LEASE):
            try:
                self.renew_lease()
            except redis.RedisError as error:
                if not failing:
                    logger.error("Verrous des conversations : Redis ne répond pas pour le bail (%s).", error)
                failing = True
                continue
            if failing:
                logger.warning("Verrous des conversations : Redis répond de nouveau.")
                failing = False

    def close(self) -> None:
        """Stops the heartbeat and gives up the lease (the tickets left then count as dead)."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        self.red.delete(self.lease_key(self.owner))

    # serialisation, as Rasa's (plus each ticket's owner)
    def _decode(self, conversation_id: str, raw: bytes | None) -> TicketLock | None:
        if not raw:
            return None
        data = json.loads(raw)
        tickets = deque()
        for item in data.get("tickets", []):
            ticket = json.loads(item)
            tickets.append(OwnedTicket(ticket["number"], ticket["expires"], ticket.get("owner"), self.clock))
        return TicketLock(conversation_id, tickets)

    @staticmethod
    def _encode(lock: TicketLock) -> str:
        return lock.dumps()

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return self._decode(conversation_id, self.red.get(self.lock_key(conversation_id)))

    def save_lock(self, lock: TicketLock) -> None:
        self.red.set(self.lock_key(lock.conversation_id), self._encode(lock))

    def delete_lock(self, conversation_id: str) -> None:
        self._log_deletion(conversation_id, bool(self.red.delete(self.lock_key(conversation_id))))

    # every change is a transaction
    def _change(self, conversation_id: str, change: Callable[[TicketLock], Any]) -> Any:
        """Applies ``change`` to the lock (created if missing) atomically; saves it, or deletes it empty."""
        key = self.lock_key(conversation_id)
        while True:
            with self.red.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    lock = self._decode(conversation_id, pipe.get(key)) or TicketLock(conversation_id)
                    self._drop_dead(lock, pipe)
                    result = change(lock)
                    pipe.multi()
                    if lock.tickets:
                        pipe.set(key, self._encode(lock))
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another server changed the lock meanwhile: read it again

    def _drop_dead(self, lock: TicketLock, reader: Any) -> None:
        """Removes the expired tickets and those of processes whose lease has lapsed."""
        lock.remove_expired_tickets()
        owners = {t.owner for t in lock.tickets if getattr(t, "owner", None) not in (None, self.owner)}
        dead = {owner for owner in owners if not reader.exists(self.lease_key(owner))}
        for ticket in list(lock.tickets):
            if getattr(ticket, "owner", None) in dead:
                lock.tickets.remove(ticket)
                logger.warning(
                    "Verrou de la conversation %s rendu : le processus %s qui le tenait est mort.",
                    lock.conversation_id,
                    ticket.owner,
                )

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock) -> int:
            number = lock.last_issued + 1
            lock.tickets.append(OwnedTicket(number, self.clock() + lock_lifetime, self.owner, self.clock))
            return number

        try:
            self.renew_lease()  # the lease outlives the ticket's first moments, heartbeat or not
            return self._change(conversation_id, issue)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, lambda lock: None)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock) -> None:
            # Only this process's ticket: the numbers start again at 0 once a lock is empty.
            for ticket in list(lock.tickets):
                if ticket.number == ticket_number and getattr(ticket, "owner", None) == self.owner:
                    lock.tickets.remove(ticket)

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # finish_serving deletes the lock in the same transaction when no one else waits.
        self.finish_serving(conversation_id, ticket_number)
