"""The supervised stack of the fault tests and of `make bench-reliability` (scripts/bench_reliability.py).

supervisord runs the action server, Rasa, the web application and the demo site as `make run`
does (deploy/supervisord.conf), on free ports, with their databases, socket and logs in a given
folder and fresh secrets. :func:`supervised_stack` starts it and stops it (as Ctrl-C would).
"""

from __future__ import annotations

import glob
import json
import os
import signal
import subprocess
import sys
import time
import uuid
import xmlrpc.client
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.service_secret import ACTIONS_SECRET, RASA_SECRET
from deploy.status import connect
from tests.servers import ROOT, free_port, new_secret

CONFIG = ROOT / "deploy" / "supervisord.conf"
START_DEADLINE = 400  # s: Rasa loads its model in about 90 s on a busy 2-core machine
RESTART_DEADLINE = 60  # s: the action server, the web application


@dataclass
class Stack:
    folder: Path
    env: dict[str, str]
    door_url: str
    urls: dict[str, str]  # each service's health address
    supervisord: subprocess.Popen
    _rpc: xmlrpc.client.ServerProxy | None = None

    @property
    def log_dir(self) -> Path:
        return Path(self.env["DIAGNOSTIC_LOG_DIR"])

    @property
    def tracker_db(self) -> Path:
        return Path(self.env["TRACKER_DB"])

    def rpc(self) -> xmlrpc.client.ServerProxy:
        if self._rpc is None:  # one connection, closed at the end (no unclosed socket)
            self._rpc = connect(Path(self.env["DIAGNOSTIC_RUN_DIR"]) / "supervisord.sock")
        return self._rpc

    def close(self) -> None:
        if self._rpc is not None:
            self._rpc("close")()
            self._rpc = None

    def info(self, name: str) -> dict[str, Any]:
        return self.rpc().supervisor.getProcessInfo(name)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        pid = self.info(name)["pid"]
        assert pid, f"{name} is not running"
        os.kill(pid, sig)
        return pid

    def is_up(self, name: str) -> bool:
        try:
            return httpx.get(self.urls[name], timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_up(self, name: str, deadline: float, old_pid: int | None = None) -> float:
        """Seconds until ``name`` answers again (in a new process when ``old_pid`` is given)."""
        started = time.monotonic()
        while time.monotonic() - started < deadline:
            info = self.info(name)
            if info["statename"] == "RUNNING" and info["pid"] != old_pid and self.is_up(name):
                return time.monotonic() - started
            time.sleep(0.25)
        tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
        raise AssertionError(f"{name} is not back after {deadline} s: {self.info(name)}\n{tail}")

    def wait_all_up(self, deadline: float = START_DEADLINE) -> None:
        for name in self.urls:
            self.wait_up(name, deadline)

    def post(self, sender: str | None, message: str, timeout: float = 60) -> httpx.Response:
        body: dict[str, Any] = {"message": message}
        if sender is not None:
            body["sender"] = sender
        return httpx.post(f"{self.door_url}/api/messages", json=body, timeout=timeout)

    def say(self, sender: str | None, message: str) -> tuple[str, list[dict[str, Any]]]:
        response = self.post(sender, message)
        assert response.status_code == 200, response.text
        data = response.json()
        return data["sender"], data["messages"]

    def health(self) -> dict[str, Any]:
        time.sleep(2.1)  # the door caches its health for 2 s
        return httpx.get(f"{self.door_url}/api/health", timeout=10).json()

    def export(self, sender: str) -> dict[str, Any]:
        completed = subprocess.run(
            [sys.executable, "-m", "bot", "export", sender],
            cwd=ROOT, env=self.env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return json.loads(completed.stdout)

    def supervisor_log(self) -> str:
        return (self.log_dir / "supervisord.log").read_text(errors="replace")


def question_of(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    for message in messages:
        custom = message.get("custom") or {}
        if custom.get("type") == "question":
            return custom
    return None


def stack_env(folder: Path, **overrides: str) -> dict[str, str]:
    """The environment `make run` would give, on free ports under ``folder``; ``overrides`` last."""
    ports = {name: free_port() for name in ("actions", "rasa", "web", "demo")}
    web_url = f"http://127.0.0.1:{ports['web']}"
    (folder / "run").mkdir()
    (folder / "log").mkdir()
    env = {
        **os.environ,
        "DIAGNOSTIC_DATABASE_URL": f"sqlite:///{folder / 'diagnostic.db'}",
        "TRACKER_DIALECT": "sqlite",
        "TRACKER_URL": "",
        "TRACKER_DB": str(folder / "tracker.db"),
        "RASA_HOST": "127.0.0.1",
        "RASA_PORT": str(ports["rasa"]),
        "ACTIONS_HOST": "127.0.0.1",
        "ACTIONS_PORT": str(ports["actions"]),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports['actions']}/webhook",
        "DIAGNOSTIC_WEB_HOST": "127.0.0.1",
        "DIAGNOSTIC_WEB_PORT": str(ports["web"]),
        "DIAGNOSTIC_DEMO_PORT": str(ports["demo"]),
        "DIAGNOSTIC_PUBLIC_URL": web_url,
        "DIAGNOSTIC_RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
        "DIAGNOSTIC_RUN_DIR": str(folder / "run"),
        "DIAGNOSTIC_LOG_DIR": str(folder / "log"),
        "DIAGNOSTIC_RATE_LIMIT": "1000",
        "DIAGNOSTIC_RATE_LIMIT_IP": "10000",
        "TICKET_LOCK_LIFETIME": "15",  # as the Makefile
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONDONTWRITEBYTECODE": "1",
        RASA_SECRET: new_secret(),
        ACTIONS_SECRET: new_secret(),
        "DIAGNOSTIC_SECRET_KEY": new_secret(),
    }
    env.pop("SANIC_HOST", None)
    for name in ("LOCK_STORE_URL", "LOCK_STORE_PREFIX", "LOCK_OWNER_LEASE", "SANIC_WORKERS"):
        env.pop(name, None)  # the embedded default: Rasa's locks in memory
    env.update(overrides)
    return env


def stack_urls(env: dict[str, str]) -> dict[str, str]:
    return {
        "actions": f"http://127.0.0.1:{env['ACTIONS_PORT']}/health",
        "rasa": f"http://127.0.0.1:{env['RASA_PORT']}/",
        "web": f"{env['DIAGNOSTIC_PUBLIC_URL']}/api/health",
        "demo": f"http://127.0.0.1:{env['DIAGNOSTIC_DEMO_PORT']}/",
    }


@contextmanager
def supervised_stack(folder: Path, env: dict[str, str]) -> Iterator[Stack]:
    """supervisord with every service up (``env`` from :func:`stack_env` on ``folder``); stopped after."""
    with (folder / "supervisord.out").open("w") as output:
        supervisord = subprocess.Popen(
            [str(Path(sys.executable).with_name("supervisord")), "-c", str(CONFIG)],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    stack = Stack(
        folder=folder, env=env, door_url=env["DIAGNOSTIC_PUBLIC_URL"], urls=stack_urls(env),
        supervisord=supervisord,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (folder / "run" / "supervisord.sock").exists():
            assert supervisord.poll() is None, (folder / "supervisord.out").read_text()
            assert time.monotonic() < deadline, "supervisord did not open its socket"
            time.sleep(0.2)
        stack.wait_all_up()
        yield stack
    finally:
        stack.close()
        supervisord.send_signal(signal.SIGINT)  # as Ctrl-C on `make run`
        try:
            supervisord.wait(timeout=60)
        except subprocess.TimeoutExpired:
            supervisord.kill()
            supervisord.wait()


def _service_url_for_tests(variable: str, script: str, name: str) -> str:
    """The test service's URL: from ``variable``, or printed by the project's ``script``."""
    url = os.environ.get(variable, "").strip()
    if url:
        return url
    completed = subprocess.run(["bash", str(ROOT / "scripts" / script)], capture_output=True, text=True)
    if completed.returncode != 0 or not completed.stdout.strip():
        raise RuntimeError(f"No test {name} (run `bash scripts/test-services.sh`): {completed.stderr}")
    return completed.stdout.strip()


def redis_url_for_tests() -> str:
    """The test Redis: TEST_REDIS_URL, or the one scripts/start-test-redis.sh starts (or finds)."""
    return _service_url_for_tests("TEST_REDIS_URL", "start-test-redis.sh", "Redis")


def postgres_url_for_tests() -> str:
    """The test PostgreSQL: TEST_POSTGRES_URL, or the one scripts/start-test-postgres.sh starts."""
    return _service_url_for_tests("TEST_POSTGRES_URL", "start-test-postgres.sh", "PostgreSQL")


# Rasa's locks in Redis (channels/lock_store.py). The tickets live 10 minutes here, far longer
# than a restart of Rasa: a ticket left by a killed Rasa can only be freed in time by the
# lock store giving up the tickets of dead processes, which is what the tests and the benchmark
# measure (with the deployed 15 s, it would have expired anyway by the time Rasa is back).
REDIS_LOCK_LIFETIME = "600"


def redis_lock_env(redis_url: str) -> dict[str, str]:
    """The overrides of :func:`stack_env` for Rasa's locks in Redis, under a key prefix of their own."""
    return {
        "LOCK_STORE_URL": redis_url,
        "LOCK_STORE_PREFIX": f"faults{uuid.uuid4().hex[:12]}",
        "TICKET_LOCK_LIFETIME": REDIS_LOCK_LIFETIME,
    }


def lock_tickets(stack: Stack, conversation_id: str) -> list[dict[str, Any]]:
    """The tickets of a conversation's lock in the stack's Redis (none without LOCK_STORE_URL)."""
    import redis  # only the Redis stacks need it

    client = redis.Redis.from_url(stack.env["LOCK_STORE_URL"])
    try:
        raw = client.get(f"{stack.env['LOCK_STORE_PREFIX']}:lock:{conversation_id}")
    finally:
        client.close()
    return [json.loads(ticket) for ticket in json.loads(raw)["tickets"]] if raw else []


def forget_lock_keys(env: dict[str, str]) -> None:
    """Removes what a stack with Rasa's locks in Redis left there (its key prefix only)."""
    if not env.get("LOCK_STORE_URL"):
        return
    import redis

    client = redis.Redis.from_url(env["LOCK_STORE_URL"])
    try:
        keys = list(client.scan_iter(f"{env['LOCK_STORE_PREFIX']}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    children: dict[int, list[int]] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.split("/")[2]))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(children.get(current, []))
    return tree
