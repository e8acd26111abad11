"""A small HTTP/1.1 server on loopback that keeps connections open (as Rasa and the action
server do) and counts them: for tests of the connections a client opens."""

from __future__ import annotations

import asyncio
import json
from typing import Any


class KeepAliveServer:
    """Answers every request with ``reply`` (JSON) and ``status``, once ``expected`` requests have
    arrived (:meth:`expect`: so many requests in flight at once); counts the connections it
    accepted, those still open, and keeps each request's head. ``then``: "answer", or
    "hang up" (close the connection once the request is read), or "say nothing" (keep it open
    without answering)."""

    def __init__(self, reply: Any, status: int = 200, then: str = "answer") -> None:
        self.body = json.dumps(reply).encode()
        self.status = status
        self.then = then
        self.connections = 0
        self.open = 0
        self.heads: list[bytes] = []
        self.expected = 0
        self._arrived = 0
        self._all_in = asyncio.Event()
        self.all_closed = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def start(self) -> str:
        """Listens on a free port of 127.0.0.1; its address."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def expect(self, count: int) -> None:
        self.expected, self._arrived = count, 0
        self._all_in = asyncio.Event()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        self.all_closed.clear()
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.heads.append(head)
                length = next(
                    (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                     if line.lower().startswith(b"content-length:")),
                    0,
                )  # fmt: skip
                await reader.readexactly(length)
                if self.then == "hang up":
                    break
                if self.then == "say nothing":
                    await reader.read()  # until the client gives up
                    break
                self._arrived += 1
                if self._arrived >= self.expected:
                    self._all_in.set()
                await self._all_in.wait()
                writer.write(
                    f"HTTP/1.1 {self.status} X\r\nContent-Type: application/json\r\n".encode()
                    + f"Content-Length: {len(self.body)}\r\n\r\n".encode()
                    + self.body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed the connection
        finally:
            writer.close()
            self.open -= 1
            if self.open == 0:
                self.all_closed.set()
