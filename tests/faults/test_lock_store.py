"""Rasa's conversation locks (channels/lock_store.py): chosen by the environment, given up by the dead.

The Redis tests run when ``TEST_REDIS_URL`` is set (``bash scripts/test-services.sh``); each one
has its own key prefix. Two stores stand for two Rasa processes; "killing" one is giving up its
lease (what Redis does by itself ``LOCK_OWNER_LEASE`` seconds after the process stops renewing
it). Ticket lifetimes run on a frozen clock; leases are long, so nothing waits for time to pass.
The e2e test runs the supervised stack with Rasa's locks in Redis (a stack of its own, the
other fault tests use the embedded default, locks in memory), kills Rasa while it holds a
conversation's lock, and checks that the same user's next message is answered at once by the
restarted Rasa, although the dead Rasa's ticket is still in Redis and would hold the
conversation for the ticket's whole lifetime (10 minutes in that stack) with Rasa's own store.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from channels.lock_store import (
    DEFAULT_LEASE,
    DiagnosticLockStore,
    LockStoreConfigError,
    OwnedRedisLockStore,
    lock_store_from_environment,
)
from tests.clocks import FrozenClock
from tests.faults.stack import (
    REDIS_LOCK_LIFETIME,
    RESTART_DEADLINE,
    START_DEADLINE,
    Stack,
    forget_lock_keys,
    lock_tickets,
    question_of,
    redis_lock_env,
    redis_url_for_tests,
    stack_env,
    supervised_stack,
)
from tests.faults.test_action_server import ANSWERS, assert_stored_once, start_diagnostic
from tests.servers import MODEL, ROOT

REDIS_URL_ENV = "TEST_REDIS_URL"
LEASE = 120.0  # s: never lapses during a test; a death is simulated by giving the lease up


def test_endpoints_yml_names_the_environment_s_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ACTION_ENDPOINT_URL", "DIAGNOSTIC_ACTIONS_SECRET", "TRACKER_DIALECT", "TRACKER_URL"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("TRACKER_DB", "x")
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "lock_store")
    assert config is not None and config.type == "channels.lock_store.DiagnosticLockStore"
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    monkeypatch.delenv("SANIC_WORKERS", raising=False)
    assert type(LockStore.create(config)) is InMemoryLockStore  # as Rasa builds it


@pytest.mark.parametrize(
    ("environ", "says"),
    [
        ({"SANIC_WORKERS": "2"}, "LOCK_STORE_URL"),
        ({"LOCK_STORE_URL": "127.0.0.1:6379"}, "redis://"),
        ({"LOCK_STORE_URL": "http://127.0.0.1:6379"}, "redis://"),
        ({"LOCK_STORE_URL": "redis://127.0.0.1:1/0", "LOCK_STORE_PREFIX": "a:b"}, "lettres"),
        ({"LOCK_STORE_URL": "redis://127.0.0.1:1/0", "LOCK_OWNER_LEASE": "0.1"}, "LOCK_OWNER_LEASE"),
        ({"LOCK_STORE_URL": "redis://127.0.0.1:1/0", "LOCK_OWNER_LEASE": "cinq"}, "LOCK_OWNER_LEASE"),
        ({"LOCK_STORE_URL": "redis://127.0.0.1:1/0", "LOCK_OWNER_LEASE": "3600"}, "TICKET_LOCK_LIFETIME"),
    ],
)
def test_a_wrong_setting_is_refused_in_french(environ: dict[str, str], says: str) -> None:
    with pytest.raises(LockStoreConfigError, match=says):
        lock_store_from_environment(environ)


def test_no_address_means_rasa_s_in_memory_locks() -> None:
    assert type(lock_store_from_environment({})) is InMemoryLockStore
    blank = {"LOCK_STORE_URL": " ", "SANIC_WORKERS": "1"}
    assert type(lock_store_from_environment(blank)) is InMemoryLockStore


# On Redis ---------------------------------------------------------------------------------


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get(REDIS_URL_ENV, "").strip()
    if not url:
        pytest.skip(f"{REDIS_URL_ENV} is not set (to run: bash scripts/test-services.sh)")
    return url


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    prefix = f"test{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(1_000_000.0)


@pytest.fixture
def servers(redis_url: str, prefix: str, clock: FrozenClock) -> Iterator[list[OwnedRedisLockStore]]:
    """Two Rasa processes sharing one Redis."""
    stores = [
        OwnedRedisLockStore(
            redis.Redis.from_url(redis_url),
            prefix=prefix,
            lease=LEASE,
            owner=f"rasa{n}",
            clock=clock,
            heartbeat=False,
        )
        for n in (1, 2)
    ]
    yield stores
    for store in stores:
        store.red.close()


@pytest.mark.redis
def test_the_environment_builds_the_redis_store(redis_url: str, prefix: str) -> None:
    store = lock_store_from_environment({"LOCK_STORE_URL": redis_url, "LOCK_STORE_PREFIX": prefix})
    try:
        assert isinstance(store, OwnedRedisLockStore) and store.prefix == prefix
        assert store.red.exists(store.lease_key(store.owner))  # the lease is taken at start
        assert 5000 < store.red.pttl(store.lease_key(store.owner)) <= DEFAULT_LEASE * 1000
    finally:
        store.close()
        assert not store.red.exists(store.lease_key(store.owner))
        store.red.close()


@pytest.mark.redis
def test_a_live_holder_keeps_its_lock(servers: list[OwnedRedisLockStore]) -> None:
    first, second = servers
    assert first.issue_ticket("c1", 15) == 0
    assert second.issue_ticket("c1", 15) == 1
    second.update_lock("c1")  # what Rasa does between two tries
    assert second.get_lock("c1").is_locked(1)  # the first server is still in its turn
    first.cleanup("c1", 0)
    assert not second.get_lock("c1").is_locked(1)
    second.cleanup("c1", 1)
    assert second.get_lock("c1") is None  # no one waits: the lock is gone


@pytest.mark.redis
def test_a_dead_holder_s_lock_is_given_up_at_once(
    servers: list[OwnedRedisLockStore], caplog: pytest.LogCaptureFixture
) -> None:
    first, second = servers
    first.issue_ticket("c2", 600)  # a long lifetime: only the death can free it now
    first.red.delete(first.lease_key(first.owner))  # the process died, its lease lapsed

    async def next_message() -> str:
        async with second.lock("c2", lock_lifetime=15, wait_time_in_seconds=0) as lock:
            return lock.tickets[0].owner  # served: its ticket is the first one

    assert asyncio.run(next_message()) == "rasa2"
    assert "le processus rasa1 qui le tenait est mort" in caplog.text
    assert second.get_lock("c2") is None


@pytest.mark.redis
def test_a_process_taken_for_dead_cannot_free_the_next_holder(servers: list[OwnedRedisLockStore]) -> None:
    first, second = servers
    assert first.issue_ticket("c6", 600) == 0
    first.red.delete(first.lease_key(first.owner))  # frozen past its lease: taken for dead
    assert second.issue_ticket("c6", 600) == 0  # the number comes again, the holder is another
    first.cleanup("c6", 0)  # the frozen process wakes up and ends its turn
    assert [ticket.owner for ticket in second.get_lock("c6").tickets] == ["rasa2"]


@pytest.mark.redis
def test_expired_tickets_go_as_in_rasa(servers: list[OwnedRedisLockStore], clock: FrozenClock) -> None:
    first, second = servers
    first.issue_ticket("c3", 15)
    clock.now += 16
    second.update_lock("c3")
    assert second.get_lock("c3") is None


@pytest.mark.redis
def test_tickets_are_never_issued_twice(servers: list[OwnedRedisLockStore]) -> None:
    """Rasa's RedisLockStore reads, then writes: two servers at once could get the same number."""
    numbers: list[int] = []
    barrier = threading.Barrier(8)

    def take(store: OwnedRedisLockStore) -> None:
        barrier.wait()
        for _ in range(10):
            numbers.append(store.issue_ticket("c4", 15))

    threads = [threading.Thread(target=take, args=(servers[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == list(range(80))
    assert len(servers[0].get_lock("c4").tickets) == 80


@pytest.mark.redis
def test_rasa_s_own_store_reads_these_locks(servers: list[OwnedRedisLockStore], prefix: str) -> None:
    first, _ = servers
    first.issue_ticket("c5", 10**10)  # Rasa's own tickets read the real clock
    rasa_store = RedisLockStore(host="unused")
    rasa_store.red = first.red
    rasa_store.key_prefix = f"{prefix}:lock:"
    assert rasa_store.get_lock("c5").last_issued == 0


@pytest.mark.redis
def test_a_process_taken_for_dead_says_so(
    servers: list[OwnedRedisLockStore], caplog: pytest.LogCaptureFixture
) -> None:
    first, _ = servers
    first.renew_lease()
    assert "bail perdu" not in caplog.text
    first.red.delete(first.lease_key(first.owner))  # frozen longer than its lease
    with caplog.at_level(logging.ERROR):
        first.renew_lease()
    assert "bail perdu" in caplog.text
    assert first.red.exists(first.lease_key(first.owner))


def test_rasa_builds_it_from_its_endpoint_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    monkeypatch.delenv("SANIC_WORKERS", raising=False)
    config = EndpointConfig(type="channels.lock_store.DiagnosticLockStore")
    assert type(DiagnosticLockStore(config)) is InMemoryLockStore


# The whole path, on real processes -------------------------------------------------------


@pytest.fixture(scope="module")
def redis_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` first (make e2e does it).")
    folder = tmp_path_factory.mktemp("supervised-redis")
    env = stack_env(folder, **redis_lock_env(redis_url_for_tests()))
    try:
        with supervised_stack(folder, env) as stack:
            yield stack
    finally:
        forget_lock_keys(env)


def wait_for_tickets(stack: Stack, sender: str, deadline: float = 30) -> list[dict]:
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        tickets = lock_tickets(stack, sender)
        if tickets:
            return tickets
        time.sleep(0.1)
    raise AssertionError("Rasa did not take the conversation's lock")


@pytest.mark.e2e
def test_a_killed_rasa_s_lock_in_redis_does_not_hold_its_user(redis_stack: Stack) -> None:
    stack = redis_stack
    sender, question = start_diagnostic(stack, answered=3)
    assert question["question_id"] == "nombre_agents"
    assert lock_tickets(stack, sender) == []  # every turn gave its lock back

    # Rasa inside the user's message (the action server paused), holding the lock, is killed.
    actions_pid = stack.kill("actions", signal.SIGSTOP)
    answers: list = []
    typed = ANSWERS["nombre_agents"][0]
    in_flight = threading.Thread(target=lambda: answers.append(stack.post(sender, typed)))
    in_flight.start()
    held = wait_for_tickets(stack, sender)
    assert len(held) == 1 and held[0]["owner"], held
    rasa_pid = stack.kill("rasa")
    stack.kill("actions")  # the paused request dies with it, never carried out
    in_flight.join(timeout=60)
    assert answers and answers[0].status_code in (502, 503), answers
    assert "réessayez" in answers[0].json()["message"]

    stack.wait_up("actions", RESTART_DEADLINE, old_pid=actions_pid)
    seconds = stack.wait_up("rasa", START_DEADLINE, old_pid=rasa_pid)
    print(f"Rasa back after {seconds:.1f} s")
    # The dead Rasa's ticket is still there, far from its end (TICKET_LOCK_LIFETIME=600 here).
    assert lock_tickets(stack, sender) == held
    assert held[0]["expires"] - time.time() > float(REDIS_LOCK_LIFETIME) / 2

    started = time.monotonic()
    _, messages = stack.say(sender, ANSWERS["nombre_agents"][0])
    waited = time.monotonic() - started
    print(f"first answer after the restart in {waited:.1f} s (ticket lifetime {REDIS_LOCK_LIFETIME} s)")
    assert waited < 10, "the user waited for the lock left by the killed Rasa"
    following = question_of(messages)
    assert following is not None and following["question_id"] == "role_repondant", messages
    assert_stored_once(
        stack, sender, ["type_collectivite", "nom_collectivite", "population", "nombre_agents"]
    )
    assert lock_tickets(stack, sender) == []
    log = (stack.log_dir / "rasa.log").read_text(errors="replace")
    assert f"le processus {held[0]['owner']} qui le tenait est mort" in log
