"""Finding 4: every question's ``custom`` payload made Rasa's Socket.IO output raise
(``AsyncServer.emit() got an unexpected keyword argument 'type'``), so the contract never
reached Socket.IO clients.

Rasa's own Socket.IO channel is gone (credentials.yml); the door's ``bot_uttered`` carries
text, buttons (rasa-webchat's ``quick_replies``) and the payload under ``metadata.custom``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from bot.settings import Settings
from tests.servers import ROOT
from tests.web.conftest import FakeRasa
from tests.web.socket_support import ORIGIN, Client, Door, running_door

QUESTION = {
    "type": "question", "question_id": "type_collectivite", "axis": None, "answer_type": "choix",
    "multiple": False, "position": 1, "total": 31, "optional": False,
    "choices": [{"value": "commune", "label": "Commune"}, {"value": "epci", "label": "EPCI"}],
}  # fmt: skip
RESULT = {
    "type": "result", "diagnostic_id": "d-1", "report_url": "https://diagnostic.example.fr/rapport/x",
    "maturity": {"overall": {"score": 47.5, "level": 3}}, "recommendations": ["donnees_ouvertes"],
}  # fmt: skip


def test_rasa_no_longer_serves_socketio() -> None:
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text()) or {}
    assert "socketio" not in credentials
    assert not any("socketio" in str(name).lower() for name in credentials)


def test_each_payload_reaches_the_client_inside_bot_uttered(tmp_path: Path) -> None:
    fake_rasa = FakeRasa(
        reply=lambda sender, message: [
            {"recipient_id": sender, "text": "C'est noté."},
            {
                "recipient_id": sender,
                "text": "Quel type de collectivité ?",
                "buttons": [
                    {"title": "Commune", "payload": '/answer{"choice": "commune"}'},
                    {"title": "EPCI", "payload": '/answer{"choice": "epci"}'},
                ],
                "custom": QUESTION,
            },
            {
                "recipient_id": sender,
                "text": "Votre résultat : https://diagnostic.example.fr/rapport/x",
                "custom": RESULT,
            },
        ]
    )
    received: list[dict] = []

    async def scenario(door: Door) -> None:
        client = Client(door.url)
        await client.connect()
        try:
            await client.session(None)
            received.extend(await client.say("bonjour", replies=3))
        finally:
            await client.close()

    with running_door(Settings(cors_origins=(ORIGIN,)), fake_rasa, tmp_path) as door:
        asyncio.run(scenario(door))

    assert received == [
        {"text": "C'est noté."},
        {
            "text": "Quel type de collectivité ?",
            "quick_replies": [
                # The door adds the question's id: a click says which question it answers.
                {"content_type": "text", "title": "Commune",
                 "payload": '/answer{"choice": "commune", "question_id": "type_collectivite"}'},
                {"content_type": "text", "title": "EPCI",
                 "payload": '/answer{"choice": "epci", "question_id": "type_collectivite"}'},
            ],
            "metadata": {"custom": QUESTION},
        },
        {"text": "Votre résultat : https://diagnostic.example.fr/rapport/x", "metadata": {"custom": RESULT}},
    ]
