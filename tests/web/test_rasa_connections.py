"""The door keeps its connections to Rasa open between turns, however many turns are in flight.

A small HTTP/1.1 server on loopback (keep-alive, like Rasa's) counts the connections it
accepts; it holds every request until all the turns of a round have arrived, so that they are
all in flight at once, as under load.
"""

from __future__ import annotations

import asyncio
import json

from bot.web.rasa_client import POOL_SIZE, RasaClient

REPLY = json.dumps([{"recipient_id": "x", "text": "Bonjour !"}]).encode()
IN_FLIGHT = 40  # more than httpx keeps open by default (20)


class KeepAliveServer:
    """Answers every POST once ``expected`` requests have arrived; counts connections."""

    def __init__(self) -> None:
        self.connections = 0
        self.expected = 0
        self._arrived = 0
        self._all_in = asyncio.Event()

    def expect(self, count: int) -> None:
        self.expected, self._arrived = count, 0
        self._all_in = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                self._arrived += 1
                if self._arrived >= self.expected:
                    self._all_in.set()
                await self._all_in.wait()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(REPLY)}\r\n\r\n".encode()
                    + REPLY
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def test_turns_in_flight_reuse_the_open_connections() -> None:
    assert POOL_SIZE >= IN_FLIGHT

    async def run() -> tuple[int, int]:
        fake = KeepAliveServer()
        server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        rasa = RasaClient(f"http://127.0.0.1:{port}", timeout=10)
        try:
            counts = []
            for round_ in range(2):
                fake.expect(IN_FLIGHT)
                replies = await asyncio.gather(
                    *(rasa.send(f"conversation-{n}", f"tour {round_}") for n in range(IN_FLIGHT))
                )
                assert all(reply == [{"text": "Bonjour !"}] for reply in replies)
                counts.append(fake.connections)
            return counts[0], counts[1]
        finally:
            await rasa.aclose()
            server.close()
            await server.wait_closed()

    first_round, after_second_round = asyncio.run(run())
    assert first_round == IN_FLIGHT  # each turn in flight needs its own connection
    assert after_second_round == first_round  # the second round opened none
