"""Helpers of the Socket.IO tests: the door on a real port, a client, and an in-process harness.

- :func:`running_door`: the web application served by uvicorn (wsproto, as ``python -m
  bot.web``) in a thread, on a free port, with a fake Rasa (tests.web.conftest.FakeRasa).
- :class:`Client`: python-socketio's AsyncClient, recording what the door sends. It uses
  long-polling: its websocket transport needs a newer aiohttp than the one Rasa pins (the
  browser test covers the WebSocket upgrade).
- :class:`Harness`: the door's Socket.IO server with Engine.IO replaced by a recorder, for
  property tests that feed it raw packets without any network (python-socketio 5.9.0's
  internal entry points, pinned in requirements.lock).
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import socketio
import uvicorn
from socketio import packet as sio_packet
from starlette.applications import Starlette

from bot.settings import Settings
from bot.storage import DiagnosticStore
from bot.web.app import create_app
from bot.web.rasa_client import RasaClient
from tests.servers import free_port
from tests.web.conftest import FakeRasa

if TYPE_CHECKING:
    from bot.web.socketio import DoorSocketIO

ORIGIN = "http://127.0.0.1:8001"
WAIT = 10.0  # seconds; only bounds a failing test, never decides a passing one
# Engine.IO's heartbeat, shortened: a long-polling client that closes waits for its pending
# poll to end (at most ping interval + ping timeout) before close() returns.
PING = 0.2


def door_app(settings: Settings, fake_rasa: FakeRasa, folder: Path) -> Starlette:
    store = DiagnosticStore.from_url(f"sqlite:///{folder / 'diagnostic.db'}")
    rasa = RasaClient("http://rasa.test", timeout=5, transport=httpx.MockTransport(fake_rasa.handle))
    return create_app(settings, store=store, rasa_client=rasa)


@dataclass
class Door:
    url: str
    app: Starlette


@contextmanager
def running_door(settings: Settings, fake_rasa: FakeRasa, folder: Path) -> Iterator[Door]:
    app = door_app(settings, fake_rasa, folder)
    app.state.socketio.server.eio.ping_interval = PING
    app.state.socketio.server.eio.ping_timeout = PING
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, ws="wsproto", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the door did not start")
        time.sleep(0.02)
    try:
        yield Door(url=f"http://127.0.0.1:{port}", app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=WAIT)
        app.state.store.engine.dispose()


@dataclass
class Client:
    """A Socket.IO client of the door; every event it receives is queued in order."""

    url: str
    # No reconnection: a test that gets closed by the door must not leave a retry running.
    sio: socketio.AsyncClient = field(default_factory=lambda: socketio.AsyncClient(reconnection=False))
    events: asyncio.Queue = field(default_factory=asyncio.Queue)
    received: list[tuple[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sio.on("*", self._record)

    async def _record(self, event: str, *data: Any) -> None:
        item = (event, data[0] if data else None)
        self.received.append(item)
        self.events.put_nowait(item)

    async def connect(self, origin: str = ORIGIN) -> None:
        await self.sio.connect(
            self.url, socketio_path="/socket.io/", transports=["polling"], headers={"Origin": origin}
        )

    async def next(self, event: str | None = None) -> tuple[str, Any]:
        while True:
            item = await asyncio.wait_for(self.events.get(), WAIT)
            if event is None or item[0] == event:
                return item

    async def session(self, session_id: Any = None) -> str:
        """Asks for a conversation (rasa-webchat's first event); the id the door confirms."""
        await self.sio.emit("session_request", {"session_id": session_id})
        return (await self.next("session_confirm"))[1]

    async def say(self, message: Any, replies: int = 1, **extra: Any) -> list[dict[str, Any]]:
        """Sends ``user_uttered`` and returns the next ``replies`` bot_uttered events."""
        await self.sio.emit("user_uttered", {"message": message, **extra})
        return [(await self.next("bot_uttered"))[1] for _ in range(replies)]

    async def close(self) -> None:
        """Closes the connection and waits until the door has seen it closed.

        (AsyncClient.disconnect() aborts without telling the server over long-polling.) Safe
        on a connection the door already closed: the HTTP session is closed either way, so
        nothing is left running when the test's event loop ends.
        """
        if self.sio.eio.state == "connected":
            await self.sio.eio.disconnect(abort=False)
        await asyncio.wait_for(self.sio.eio.wait(), WAIT)
        if self.sio.eio.http is not None and not self.sio.eio.http.closed:
            await self.sio.eio.http.close()
        # python-engineio's client (4.15) stops polling on a refused request (the door closing a
        # connection) without releasing the response: its aiohttp connection, in a reference
        # cycle, warned "Unclosed connection" whenever the collector happened to run, in whatever
        # test was running then. Collected here, so that no later test is blamed for it.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Unclosed connection", ResourceWarning)
            gc.collect()


class FakeEngineIO:
    """Stands for python-engineio's server under the Socket.IO server: records what is sent."""

    def __init__(self) -> None:
        self.sent: dict[str, list[Any]] = {}
        self.disconnected: set[str] = set()
        self.tasks: list[asyncio.Task] = []

    def generate_id(self) -> str:
        return uuid.uuid4().hex

    async def send(self, eio_sid: str, data: Any) -> None:
        self.sent.setdefault(eio_sid, []).append(data)

    async def send_packet(self, eio_sid: str, pkt: Any) -> None:
        self.sent.setdefault(eio_sid, []).append(pkt.data)

    def start_background_task(self, target: Any, *args: Any, **kwargs: Any) -> asyncio.Task:
        task = asyncio.ensure_future(target(*args, **kwargs))
        self.tasks.append(task)
        return task

    async def disconnect(self, eio_sid: str) -> None:
        self.disconnected.add(eio_sid)

    async def sleep(self, seconds: float = 0) -> None:
        await asyncio.sleep(seconds)


class Harness:
    """The door's Socket.IO handlers fed raw Socket.IO packets, without Engine.IO or network."""

    def __init__(self, app: Starlette) -> None:
        self.door: DoorSocketIO = app.state.socketio
        self.eio = FakeEngineIO()
        self.door.server.eio = self.eio
        self._count = 0

    async def open(self, address: str = "127.0.0.1") -> str:
        """A new connection on the default namespace; returns its Engine.IO id."""
        self._count += 1
        eio_sid = f"eio-{self._count}"
        environ = {"asgi.scope": {"type": "http", "client": (address, 40000 + self._count), "headers": []}}
        await self.door.server._handle_eio_connect(eio_sid, environ)
        await self.feed(eio_sid, "0")
        return eio_sid

    async def feed(self, eio_sid: str, data: str | bytes) -> None:
        """One Engine.IO message (a Socket.IO packet or a binary attachment), handled to the end."""
        await self.door.server._handle_eio_message(eio_sid, data)
        while self.eio.tasks:
            await self.eio.tasks.pop(0)

    async def emit(self, eio_sid: str, event: str, *args: Any) -> None:
        """An event as a client would send it (binary payloads as attachments)."""
        pkt = sio_packet.Packet(sio_packet.EVENT, data=[event, *args])
        encoded = pkt.encode()
        for part in encoded if isinstance(encoded, list) else [encoded]:
            await self.feed(eio_sid, part)

    def events(self, eio_sid: str) -> list[tuple[str, Any]]:
        """The events the door sent to that connection, in order (name, first argument)."""
        found = []
        for raw in self.eio.sent.get(eio_sid, []):
            if not isinstance(raw, str):
                continue
            pkt = sio_packet.Packet(encoded_packet=raw)
            if pkt.packet_type == sio_packet.EVENT:
                found.append((pkt.data[0], pkt.data[1] if len(pkt.data) > 1 else None))
        return found

    def packets(self, eio_sid: str) -> list[Any]:
        return list(self.eio.sent.get(eio_sid, []))
