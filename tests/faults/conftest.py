"""One supervised stack for every fault test: deploy/supervisord.conf, as `make run` starts it.

supervisord runs the action server, Rasa, the web application and the demo site on free
ports, with their databases, socket and logs in a temporary folder and fresh secrets. The
tests kill services and check that the supervisor starts them again, so every test leaves the
stack whole (``Stack.wait_all_up``) for the next one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.service_secret import ACTIONS_SECRET, RASA_SECRET
from deploy.status import connect
from tests.servers import MODEL, ROOT, free_port, new_secret

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


def stack_env(folder: Path) -> dict[str, str]:
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
    return env


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` first (make e2e does it).")
    folder = tmp_path_factory.mktemp("supervised")
    env = stack_env(folder)
    urls = {
        "actions": f"http://127.0.0.1:{env['ACTIONS_PORT']}/health",
        "rasa": f"http://127.0.0.1:{env['RASA_PORT']}/",
        "web": f"{env['DIAGNOSTIC_PUBLIC_URL']}/api/health",
        "demo": f"http://127.0.0.1:{env['DIAGNOSTIC_DEMO_PORT']}/",
    }
    with (folder / "supervisord.out").open("w") as output:
        supervisord = subprocess.Popen(
            [str(Path(sys.executable).with_name("supervisord")), "-c", str(CONFIG)],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    stack = Stack(
        folder=folder, env=env, door_url=env["DIAGNOSTIC_PUBLIC_URL"], urls=urls, supervisord=supervisord
    )
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
