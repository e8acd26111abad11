"""The door keeps its connections to Rasa open between turns, however many turns are in flight.

A keep-alive server on loopback (tests/keep_alive.py) stands for Rasa and counts the
connections it accepts; it holds every request until all the turns of a round have arrived,
so that they are all in flight at once, as under load.
"""

from __future__ import annotations

import asyncio

from bot.web.rasa_client import POOL_SIZE, RasaClient
from tests.keep_alive import KeepAliveServer

IN_FLIGHT = 40  # more than httpx keeps open by default (20)


def test_turns_in_flight_reuse_the_open_connections() -> None:
    assert POOL_SIZE >= IN_FLIGHT

    async def run() -> tuple[int, int]:
        fake = KeepAliveServer([{"recipient_id": "x", "text": "Bonjour !"}])
        rasa = RasaClient(await fake.start(), timeout=10)
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
            await fake.stop()

    first_round, after_second_round = asyncio.run(run())
    assert first_round == IN_FLIGHT  # each turn in flight needs its own connection
    assert after_second_round == first_round  # the second round opened none
