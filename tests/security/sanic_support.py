"""Serves a Sanic app in-process, on a free loopback port, for the length of one coroutine.

No sanic-testing here: the app is served by Sanic's own ``create_server`` on a socket bound
to port 0, and real HTTP requests reach it through httpx.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from sanic import Sanic

T = TypeVar("T")


def new_app(prefix: str) -> Sanic:
    """A Sanic app with a name of its own (Sanic keeps a registry of names per process)."""
    enable_test_mode()
    return Sanic(f"{prefix}_{uuid.uuid4().hex}", configure_logging=False)


def enable_test_mode() -> None:
    """Sanic's test mode, as sanic-testing sets it: several apps may start in one process
    (its start-up rewrites some methods of its classes, once per process otherwise)."""
    Sanic.test_mode = True


async def _served(app: Sanic, scenario: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    await server.startup()  # finalizes the routes; the socket already accepts connections
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            return await scenario(client)
    finally:
        task = server.close()
        if task is not None:
            await task
        sock.close()


def served(app: Sanic, scenario: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    """Runs ``scenario`` with a client of ``app`` served on a free port, and returns its result."""
    return asyncio.run(_served(app, scenario))
