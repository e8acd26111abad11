"""Two Rasa servers, each with its action server, sharing PostgreSQL and Redis (tests/scale/, and
the stores of `make bench-scale`).

- :func:`shared_stores`: databases of their own on a PostgreSQL server (the diagnostic store and
  Rasa's tracker store, tables created once before any server starts: two servers creating them
  at once would race) and a Redis key prefix of their own; dropped after.
- :func:`rasa_pair`: the two action servers and the two Rasa servers, as `make run` starts them
  (private, loopback, secrets), every variable from :func:`shared_stores`; each server can be
  killed and started again.
- :class:`Recorder`: the door's transport to Rasa, noting which server each turn went to.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.service_secret import ACTIONS_SECRET, RASA_SECRET
from bot.storage import DiagnosticStore
from tests.servers import MODEL, RASA, ROOT, free_port, new_secret, wait_until_up

# s: two Rasa servers load their model at once; on a 2-core machine other work shares, that can
# take several minutes (only bounds a failing start, never decides a passing test).
START_TIMEOUT = 900


def create_stores(diagnostic_url: str, tracker_url: str) -> None:
    """The diagnostic store migrated and Rasa's tracker tables created (as Rasa creates them)."""
    from rasa.core.tracker_store import SQLTrackerStore

    DiagnosticStore.from_url(diagnostic_url).engine.dispose()
    SQLTrackerStore(dialect="postgresql", host=tracker_url).engine.dispose()


@contextmanager
def shared_stores(postgres_url: str, redis_url: str, label: str) -> Iterator[dict[str, str]]:
    """Fresh databases ``<label>_diagnostic_<hex>`` and ``<label>_tracker_<hex>`` on the server of
    ``postgres_url``, a Redis key prefix; the variables naming them. Dropped after."""
    suffix = uuid.uuid4().hex[:8]
    names = {"diagnostic": f"{label}_diagnostic_{suffix}", "tracker": f"{label}_tracker_{suffix}"}
    server = make_url(postgres_url)
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as db:
        for name in names.values():
            db.execute(text(f'CREATE DATABASE "{name}"'))
    diagnostic_url = server.set(database=names["diagnostic"]).render_as_string(hide_password=False)
    tracker_url = server.set(drivername="postgresql", database=names["tracker"]).render_as_string(
        hide_password=False
    )
    prefix = re.sub(r"[^A-Za-z0-9]", "", label) + suffix  # letters and digits (channels/lock_store.py)
    try:
        create_stores(diagnostic_url, tracker_url)
        yield {
            "DIAGNOSTIC_DATABASE_URL": diagnostic_url,
            "TRACKER_DIALECT": "postgresql",
            "TRACKER_URL": tracker_url,
            "TRACKER_DB": names["tracker"],
            "LOCK_STORE_URL": redis_url,
            "LOCK_STORE_PREFIX": prefix,
        }
    finally:
        import redis

        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()
        with admin.connect() as db:
            for name in names.values():
                db.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Server:
    name: str
    command: list[str]
    health_url: str
    log: Path
    env: dict[str, str]
    process: subprocess.Popen | None = None

    def launch(self) -> None:
        with self.log.open("a") as output:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )

    def wait_up(self) -> None:
        assert self.process is not None
        wait_until_up(self.health_url, self.process, self.log, START_TIMEOUT)

    def start(self) -> None:
        self.launch()
        self.wait_up()

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a crash: nothing is given up or written on the way out."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.is_running():
            assert self.process is not None
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class RasaPair:
    rasa: list[Server]
    actions: list[Server]
    env: dict[str, str]

    @property
    def urls(self) -> list[str]:
        return [server.health_url.rstrip("/") for server in self.rasa]

    def ensure_up(self) -> None:
        """Every server running (one a test killed is started again)."""
        for server in (*self.actions, *self.rasa):
            if not server.is_running():
                server.start()


@contextmanager
def rasa_pair(folder: Path, stores: dict[str, str]) -> Iterator[RasaPair]:
    """Two action servers and two Rasa servers (Rasa n on action server n) on ``stores``."""
    if not MODEL.exists():
        raise RuntimeError("No trained model: run `make train` first.")
    env = {
        **os.environ,
        **stores,
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONDONTWRITEBYTECODE": "1",
        RASA_SECRET: new_secret(),
        ACTIONS_SECRET: new_secret(),
    }
    env.pop("SANIC_HOST", None)
    actions, rasa = [], []
    for n in (1, 2):
        actions_port, rasa_port = free_port(), free_port()
        command = [str(RASA), "run", "actions", "--actions", "actions", "--port", str(actions_port)]
        actions.append(
            Server(
                f"actions-{n}",
                command,
                f"http://127.0.0.1:{actions_port}/health",
                folder / f"actions-{n}.log",
                env,
            )
        )
        rasa.append(Server(
            f"rasa-{n}",
            [str(RASA), "run", "--model", str(MODEL), "--endpoints", "endpoints.yml",
             "--credentials", "credentials.yml", "--interface", "127.0.0.1", "--port", str(rasa_port)],
            f"http://127.0.0.1:{rasa_port}/", folder / f"rasa-{n}.log",
            {**env, "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook"},
        ))  # fmt: skip
    pair = RasaPair(rasa=rasa, actions=actions, env=env)
    try:
        for server in actions:
            server.start()
        # Both Rasa load their model at once (the tables exist already: no race to create them).
        for server in rasa:
            server.launch()
        for server in rasa:
            server.wait_up()
        yield pair
    finally:
        for server in (*rasa, *actions):
            server.stop()


@dataclass
class Recorder(httpx.AsyncBaseTransport):
    """The door's transport to Rasa: real HTTP, and the port of each turn's server, in order
    (``refused``: the turns a server did not take because it was down)."""

    inner: httpx.AsyncHTTPTransport = field(default_factory=httpx.AsyncHTTPTransport)
    served: list[tuple[int, str]] = field(default_factory=list)  # (port, sender)
    refused: list[int] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        is_turn = request.method == "POST"
        try:
            response = await self.inner.handle_async_request(request)
        except httpx.ConnectError:
            if is_turn:
                self.refused.append(request.url.port or 0)
            raise
        if is_turn:
            self.served.append((request.url.port or 0, json.loads(request.content)["sender"]))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
