"""Starts the real servers for the end-to-end and browser tests (shared by both conftests).

The action server and the Rasa server run on the trained model with their own SQLite
files in a temporary folder, never the ones under var/; the web application and the
demo site run with ``python -m bot.web``. Every process is stopped on exit.

For the e2e and browser tests the diagnostic database holds the small official division of
tests/authorities/fixture/ (Uzès, twelve Sainte-Colombe, Orange…), loaded with ``python -m bot
authorities load`` as ``make run`` loads the real one, so that the assistant recognises
authorities (issue 13).

They run as ``make run`` starts them: private, on loopback, Rasa without its HTTP API, each
refusing calls without its secret; every start draws fresh secrets (``Servers.env`` holds
them, so a web application started with that environment talks to Rasa).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.service_secret import ACTIONS_SECRET, RASA_SECRET, SECRET_HEADER

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "diagnostic.tar.gz"
RASA = Path(sys.executable).with_name("rasa")
START_TIMEOUT = 400


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server stopped.\n{_tail(log)}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout} s.\n{_tail(log)}")


@contextmanager
def running(
    command: Sequence[str], env: Mapping[str, str], log: Path, health_url: str, cwd: Path = ROOT
) -> Iterator[None]:
    """A server process, up (health_url answers 200) for the duration of the block.

    ``cwd`` is the project tree it runs from (another commit's tree for a baseline).
    """
    with log.open("w") as output:
        process = subprocess.Popen(
            list(command), cwd=cwd, env=dict(env), stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_until_up(health_url, process, log)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def new_secret() -> str:
    return secrets.token_urlsafe(48)


def load_fixture_division(env: Mapping[str, str], folder: Path) -> None:
    """The fixture division, packed like the npm tarball, loaded into the store of ``env``."""
    from tests.authorities.packs import make_pack  # the pack writer of the authorities tests

    pack = make_pack(folder)
    subprocess.run(
        [sys.executable, "-m", "bot", "authorities", "load", "--from", str(pack)],
        cwd=ROOT, env=dict(env), check=True, capture_output=True, text=True,
    )  # fmt: skip


@dataclass
class Servers:
    rest_url: str
    rasa_url: str
    env: dict[str, str]
    actions_url: str = ""
    folder: Path | None = None

    @property
    def rasa_headers(self) -> dict[str, str]:
        """What the web application sends to Rasa's REST channel."""
        return {SECRET_HEADER: self.env[RASA_SECRET]}

    def say(self, sender: str, message: Any) -> list[dict[str, Any]]:
        response = httpx.post(
            self.rest_url, json={"sender": sender, "message": message}, headers=self.rasa_headers, timeout=60
        )
        response.raise_for_status()
        return response.json()

    def parse(self, text: str) -> dict[str, Any]:
        """What the model understood of ``text`` (as Rasa's ``/model/parse``, which is off).

        The text is said in a conversation of its own (``sonde-nlu-…``) and the parse data
        of that user message is read back from Rasa's tracker store.
        """
        probe = f"sonde-nlu-{secrets.token_hex(8)}"
        self.say(probe, text)
        with sqlite3.connect(self.env["TRACKER_DB"]) as tracker:
            row = tracker.execute(
                "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id DESC LIMIT 1",
                (probe,),
            ).fetchone()
        if row is None:
            raise RuntimeError(f"Rasa stored no user message for {text!r}")
        return json.loads(row[0])["parse_data"]

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


@contextmanager
def rasa_servers(
    folder: Path,
    extra_env: Mapping[str, str] | None = None,
    root: Path = ROOT,
    model: Path = MODEL,
    division: bool = False,
) -> Iterator[Servers]:
    """The action server and the Rasa server (its channels, no HTTP API) on the trained model.

    ``extra_env`` is added to their environment (e.g. DIAGNOSTIC_PUBLIC_URL for report links).
    ``root`` and ``model``: another project tree and its model (evaluation/door.py
    runs an earlier commit's servers this way). ``division``: load the fixture division into
    the diagnostic store before the servers start.
    """
    if not model.exists():
        raise RuntimeError("No trained model: run `make train` first (make e2e and make browser do it).")
    actions_port, rasa_port = free_port(), free_port()
    env = {
        **os.environ,
        "DIAGNOSTIC_DATABASE_URL": f"sqlite:///{folder / 'diagnostic.db'}",
        "TRACKER_DIALECT": "sqlite",
        "TRACKER_URL": "",
        "TRACKER_DB": str(folder / "tracker.db"),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "RASA_TELEMETRY_ENABLED": "false",
        RASA_SECRET: new_secret(),
        ACTIONS_SECRET: new_secret(),
        **(extra_env or {}),
    }
    env.pop("SANIC_HOST", None)  # the action server must default to loopback by itself
    if division:
        load_fixture_division(env, folder)
    actions = [str(RASA), "run", "actions", "--actions", "actions", "--port", str(actions_port)]
    rasa = [
        str(RASA), "run", "--model", str(model), "--endpoints", "endpoints.yml",
        "--credentials", "credentials.yml", "--interface", "127.0.0.1",
        "--port", str(rasa_port),
    ]  # fmt: skip
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    actions_url = f"http://127.0.0.1:{actions_port}"
    with ExitStack() as stack:
        stack.enter_context(running(actions, env, folder / "actions.log", f"{actions_url}/health", root))
        # GET / ("Hello from Rasa") exists without the HTTP API, once the model is loaded.
        stack.enter_context(running(rasa, env, folder / "rasa.log", f"{rasa_url}/", root))
        yield Servers(
            rest_url=f"{rasa_url}/webhooks/rest/webhook",
            rasa_url=rasa_url,
            env=env,
            actions_url=actions_url,
            folder=folder,
        )
