"""Talks to Rasa's REST channel, and says in French what went wrong when it cannot.

Rasa down (refused or timed out) and Rasa answering without any message (which is what
it does when the action server is down) are different failures with different statuses.
Every request carries the deployment's secret (``DIAGNOSTIC_RASA_SECRET``) in the header
``X-Diagnostic-Secret``: the REST channel (channels/rest.py) refuses any call without it.

Several Rasa servers (DIAGNOSTIC_RASA_URL lists them, bot/settings.py): any of them can serve
any conversation, since they share the tracker store (PostgreSQL) and the conversation locks
(Redis, channels/lock_store.py). Each conversation has its own server, the same from every
door process: the servers are ranked for it by a hash of its id and their addresses (rendezvous
hashing), so conversations spread evenly, and one that leaves only moves its own conversations.
Its server keeps the conversation's tracker in memory between turns (channels/tracker_store.py)
instead of reading what another server wrote at the turn before. ``spread_turns`` sends the
turns to the servers in turn instead (round robin: the test of two Rasa sharing their stores).
A server that cannot have received the turn (connection refused or timed out) is passed over
at once for the next one in the ranking, and rests ``REST_SECONDS`` before it gets turns again;
once the request may have reached a server (it was connected), a failure is never retried on
another one: the door answers 503 or 504 as with one server, and the person's retry comes back
through the ledger (bot/web/ledger.py), whose question id makes the engine refuse an answer
already stored. The connections go through aiohttp's pool (bot/web/aiohttp_transport.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from bot.service_secret import SECRET_HEADER
from bot.settings import rasa_addresses
from bot.web.aiohttp_transport import AiohttpTransport
from bot.web.errors import DoorError, web_text
from bot.web.validation import QUESTION_ID, QUESTION_ID_PATTERN, with_question_id

REST_WEBHOOK = "/webhooks/rest/webhook"
HEALTH_WEBHOOK = "/webhooks/health/"
HEALTH_TIMEOUT = 3.0
_KEPT_FIELDS = ("text", "buttons", "custom", "image")
# Payloads naming the question their buttons answer (the contract, README).
_ASKING = ("question", "confirmation")
# Once the door has told the person Rasa is slow, the request goes on this long (at least).
MIN_REQUEST_LIMIT = 60.0
# A server that could not be reached is tried last for this long (seconds).
REST_SECONDS = 5.0
# The request never reached the server whole: another server may take it (see the module doc).
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError)


class AssistantError(DoorError):
    """The assistant cannot answer; ``status`` and ``message`` are for the browser."""


def unavailable() -> AssistantError:
    return AssistantError(
        503,
        "assistant_indisponible",
        web_text("assistant_unavailable"),
    )


def no_answer() -> AssistantError:
    return AssistantError(
        502,
        "assistant_sans_reponse",
        web_text("assistant_no_answer"),
    )


def too_slow() -> AssistantError:
    return AssistantError(
        504,
        "assistant_trop_lent",
        web_text("assistant_too_slow"),
    )


def request_limit(wait: float) -> float:
    """How long a request to Rasa may run: well past ``wait``, the time the door waits for it
    before telling the person (bot/web/ledger.py), so that a retry still gets its replies."""
    return max(4 * wait, MIN_REQUEST_LIMIT)


def _question_of(message: dict[str, Any]) -> str | None:
    custom = message.get("custom")
    if not isinstance(custom, dict) or custom.get("type") not in _ASKING:
        return None
    question_id = custom.get(QUESTION_ID)
    if isinstance(question_id, str) and QUESTION_ID_PATTERN.fullmatch(question_id):
        return question_id
    return None


def _clean(message: Any) -> dict[str, Any] | None:
    """Only the fields a browser renders, with buttons reduced to title and payload.

    The buttons of a question (or of a confirmation) carry its id in their payload
    (``/answer{"choice": "oui", "question_id": "donnees_rgpd"}``): a click says which
    question it answers, and the engine refuses it once that question has moved on.
    """
    if not isinstance(message, dict):
        return None
    kept = {key: message[key] for key in _KEPT_FIELDS if message.get(key) is not None}
    if "buttons" in kept:
        question_id = _question_of(message)
        kept["buttons"] = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in kept["buttons"]
            if isinstance(b, dict)
        ]
        if question_id is not None:
            for button in kept["buttons"]:
                button["payload"] = with_question_id(button["payload"], question_id)
    return kept or None


def server_rank(sender: str, url: str) -> bytes:
    """A server's rank for a conversation (lowest first): the same in every process."""
    return hashlib.blake2b(f"{sender}\n{url}".encode(), digest_size=8).digest()


class RasaClient:
    """Rasa's REST channel on one server or several (``base_url``: one address, several
    separated by commas, or a sequence of them); ``spread_turns``: every turn to the next server
    rather than each conversation to its own; ``clock`` (monotonic seconds) is for the tests."""

    def __init__(
        self,
        base_url: str | Sequence[str],
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        secret: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        spread_turns: bool = False,
    ) -> None:
        self.urls = rasa_addresses(base_url) if isinstance(base_url, str) else tuple(base_url)
        if not self.urls:
            raise ValueError("RasaClient needs at least one Rasa address")
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport if transport is not None else AiohttpTransport(),
            headers={SECRET_HEADER: secret} if secret else None,
        )
        self._turns = itertools.count()
        self.spread_turns = spread_turns
        self._resting_until = [0.0] * len(self.urls)
        self._clock = clock

    def _order(self, sender: str) -> list[int]:
        """The servers to try for ``sender``'s turn: the conversation's ranking (or round robin
        with ``spread_turns``), resting servers last."""
        if self.spread_turns:
            first = next(self._turns) % len(self.urls)
            order = [(first + step) % len(self.urls) for step in range(len(self.urls))]
        else:
            order = sorted(range(len(self.urls)), key=lambda index: server_rank(sender, self.urls[index]))
        now = self._clock()
        return sorted(order, key=lambda index: self._resting_until[index] > now)  # stable

    async def send(self, sender: str, message: str, question_id: str | None = None) -> list[dict[str, Any]]:
        """The bot messages answering ``message`` in ``sender``'s conversation (``question_id``:
        the question it answers, when the client said; channels/rest.py hands it to the engine)."""
        body = {"sender": sender, "message": message}
        if question_id is not None:
            body[QUESTION_ID] = question_id
        response = await self._post(body)
        if response.status_code != 200:
            raise no_answer()
        try:
            data = response.json()
        except ValueError:
            raise no_answer() from None
        items = data if isinstance(data, list) else []
        messages = [cleaned for cleaned in map(_clean, items) if cleaned]
        if not messages:
            raise no_answer()
        return messages

    async def _post(self, body: dict[str, str]) -> httpx.Response:
        """The first answer of a server, in :meth:`_order`; a server that cannot have received the
        request is passed over, any other failure ends the turn (see the module doc)."""
        for index in self._order(body["sender"]):
            try:
                return await self._client.post(self.urls[index] + REST_WEBHOOK, json=body)
            except NOT_SENT:
                self._resting_until[index] = self._clock() + REST_SECONDS
            except httpx.TimeoutException:
                raise too_slow() from None
            except httpx.TransportError:
                raise unavailable() from None
        raise unavailable()

    async def health(self) -> dict[str, Any]:
        """Rasa's own health (channels/health.py): ``{"rasa": "ok" | "injoignable",
        "tracker_store": "ok" | "en_panne" | "memoire" | "inconnu"}``. With several servers,
        ``rasa`` is ``ok`` when all answer, ``partiel`` when some do, and ``serveurs_rasa`` says
        how many answer out of how many; ``tracker_store`` is the first answering server's
        that is not ``ok``, else ``ok``."""
        each = await asyncio.gather(*(self._health(url) for url in self.urls))
        if len(each) == 1:
            return each[0]
        answering = [one for one in each if one["rasa"] == "ok"]
        stores = [one["tracker_store"] for one in answering if one["tracker_store"] != "ok"]
        if not answering:
            rasa, store = "injoignable", "inconnu"
        else:
            rasa = "ok" if len(answering) == len(each) else "partiel"
            store = stores[0] if stores else "ok"
        return {"rasa": rasa, "tracker_store": store, "serveurs_rasa": f"{len(answering)}/{len(each)}"}

    async def _health(self, url: str) -> dict[str, Any]:
        try:
            response = await self._client.get(url + HEALTH_WEBHOOK, timeout=HEALTH_TIMEOUT)
            data = response.json() if response.status_code == 200 else {}
        except Exception:  # down, slow or garbled: the door only reports it
            return {"rasa": "injoignable", "tracker_store": "inconnu"}
        store = data.get("tracker_store") if isinstance(data, dict) else None
        return {"rasa": "ok", "tracker_store": store if isinstance(store, str) else "inconnu"}

    async def aclose(self) -> None:
        await self._client.aclose()
