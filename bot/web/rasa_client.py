"""Talks to Rasa's REST channel, and says in French what went wrong when it cannot.

Rasa down (refused or timed out) and Rasa answering without any message (which is what
it does when the action server is down) are different failures with different statuses.
Every request carries the deployment's secret (``DIAGNOSTIC_RASA_SECRET``) in the header
``X-Diagnostic-Secret``: the REST channel (channels/rest.py) refuses any call without it.
"""

from __future__ import annotations

from typing import Any

import httpx

from bot.service_secret import SECRET_HEADER
from bot.web.validation import QUESTION_ID, QUESTION_ID_PATTERN, with_question_id

REST_WEBHOOK = "/webhooks/rest/webhook"
HEALTH_WEBHOOK = "/webhooks/health/"
HEALTH_TIMEOUT = 3.0
_KEPT_FIELDS = ("text", "buttons", "custom", "image")
# Payloads naming the question their buttons answer (the contract, README).
_ASKING = ("question", "confirmation")
# Once the door has told the person Rasa is slow, the request goes on this long (at least).
MIN_REQUEST_LIMIT = 60.0


class AssistantError(Exception):
    """The assistant cannot answer; ``status`` and ``message`` are for the browser."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def unavailable() -> AssistantError:
    return AssistantError(
        503,
        "assistant_indisponible",
        "L'assistant est momentanément indisponible. Vos réponses déjà données sont conservées : "
        "réessayez dans quelques instants.",
    )


def no_answer() -> AssistantError:
    return AssistantError(
        502,
        "assistant_sans_reponse",
        "L'assistant n'a pas pu traiter votre message (service de diagnostic indisponible). "
        "Vos réponses déjà données sont conservées : réessayez dans quelques instants.",
    )


def too_slow() -> AssistantError:
    return AssistantError(
        504,
        "assistant_trop_lent",
        "L'assistant met trop de temps à répondre. Votre message n'est pas perdu : réessayez dans "
        "quelques instants, il ne sera pas enregistré deux fois.",
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


class RasaClient:
    def __init__(
        self,
        base_url: str,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        secret: str | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
            headers={SECRET_HEADER: secret} if secret else None,
        )

    async def send(self, sender: str, message: str, question_id: str | None = None) -> list[dict[str, Any]]:
        """The bot messages answering ``message`` in ``sender``'s conversation (``question_id``:
        the question it answers, when the client said; channels/rest.py hands it to the engine)."""
        body = {"sender": sender, "message": message}
        if question_id is not None:
            body[QUESTION_ID] = question_id
        try:
            response = await self._client.post(REST_WEBHOOK, json=body)
        except httpx.TimeoutException:
            raise too_slow() from None
        except httpx.TransportError:
            raise unavailable() from None
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

    async def health(self) -> dict[str, Any]:
        """Rasa's own health (channels/health.py): ``{"rasa": "ok" | "injoignable",
        "tracker_store": "ok" | "en_panne" | "memoire" | "inconnu"}``."""
        try:
            response = await self._client.get(HEALTH_WEBHOOK, timeout=HEALTH_TIMEOUT)
            data = response.json() if response.status_code == 200 else {}
        except Exception:  # down, slow or garbled: the door only reports it
            return {"rasa": "injoignable", "tracker_store": "inconnu"}
        store = data.get("tracker_store") if isinstance(data, dict) else None
        return {"rasa": "ok", "tracker_store": store if isinstance(store, str) else "inconnu"}

    async def aclose(self) -> None:
        await self._client.aclose()
