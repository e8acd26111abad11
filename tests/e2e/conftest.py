"""Starts the real action server and Rasa server on the trained model, once per session.

Each test talks to them through the REST channel with its own sender id. The servers
use their own SQLite files in a temporary folder, never the ones under var/.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "diagnostic.tar.gz"
RASA = Path(sys.executable).with_name("rasa")
START_TIMEOUT = 400


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server stopped.\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT} s.\n{log.read_text()[-3000:]}")


@dataclass
class Servers:
    rest_url: str
    rasa_url: str
    env: dict[str, str]

    def say(self, sender: str, message: Any) -> list[dict[str, Any]]:
        response = httpx.post(self.rest_url, json={"sender": sender, "message": message}, timeout=60)
        response.raise_for_status()
        return response.json()

    def export(self, sender: str) -> dict[str, Any]:
        completed = subprocess.run(
            [sys.executable, "-m", "bot", "export", sender],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(completed.stdout)


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` first (make e2e does it).")
    folder = tmp_path_factory.mktemp("servers")
    actions_port, rasa_port = free_port(), free_port()
    env = {
        **os.environ,
        "DIAGNOSTIC_DATABASE_URL": f"sqlite:///{folder / 'diagnostic.db'}",
        "TRACKER_DIALECT": "sqlite",
        "TRACKER_URL": "",
        "TRACKER_DB": str(folder / "tracker.db"),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "RASA_TELEMETRY_ENABLED": "false",
    }
    processes = []
    try:
        actions_log = folder / "actions.log"
        actions = subprocess.Popen(
            [str(RASA), "run", "actions", "--actions", "actions", "--port", str(actions_port)],
            cwd=ROOT, env=env, stdout=actions_log.open("w"), stderr=subprocess.STDOUT,
        )
        processes.append(actions)
        rasa_log = folder / "rasa.log"
        rasa = subprocess.Popen(
            [
                str(RASA), "run", "--model", str(MODEL), "--endpoints", "endpoints.yml",
                "--credentials", "credentials.yml", "--interface", "127.0.0.1",
                "--port", str(rasa_port), "--enable-api",
            ],
            cwd=ROOT, env=env, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT,
        )
        processes.append(rasa)
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", actions, actions_log)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/status", rasa, rasa_log)
        rasa_url = f"http://127.0.0.1:{rasa_port}"
        yield Servers(rest_url=f"{rasa_url}/webhooks/rest/webhook", rasa_url=rasa_url, env=env)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def question_of(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The payload of the question asked in these messages, if any."""
    for message in reversed(messages):
        custom = message.get("custom") or {}
        if custom.get("type") == "question":
            return custom
    return None


def result_of(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    for message in messages:
        custom = message.get("custom") or {}
        if custom.get("type") == "result":
            return custom
    return None


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(message.get("text", "") for message in messages)
