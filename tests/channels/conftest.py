"""Rasa tracker stores on a fresh database (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set),
and conversations written the way Rasa's message processor writes them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    Event,
    SessionStarted,
    UserUttered,
)

from tests.bot.conftest import POSTGRES_URL_ENV, _postgres_schema_url

ROOT = Path(__file__).resolve().parents[2]
START = 1_700_000_000.0  # the conversations' clock: event timestamps are fixed, never the wall clock


@pytest.fixture(scope="session")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def tracker_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty tracker database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    base_url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if not base_url:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set (source var/test-services.env)")
    yield from _postgres_schema_url(base_url)


def session_start(at: float) -> list[Event]:
    """What Rasa's processor adds when a conversation (or a new session) starts."""
    return [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at + 0.01),
        ActionExecuted("action_listen", timestamp=at + 0.02),
    ]


def turn_events(number: int, at: float) -> list[Event]:
    """One message and the answer, as Rasa records them (what the user said, the action, its reply)."""
    text = f"réponse {number}"
    intent = {"name": "answer", "confidence": 0.93}
    entities = [{"entity": "choice", "value": f"valeur-{number}", "start": 0, "end": len(text)}]
    return [
        UserUttered(
            text,
            intent=intent,
            entities=entities,
            parse_data={"text": text, "intent": intent, "entities": entities, "intent_ranking": [intent]},
            timestamp=at,
            input_channel="rest",
            message_id=f"message-{number}",
            metadata={"question_id": f"question_{number}"},
        ),
        DefinePrevUserUtteredFeaturization(False, timestamp=at + 0.01),
        ActionExecuted("action_answer", policy="RulePolicy", confidence=1.0, timestamp=at + 0.02),
        BotUttered(
            f"Question {number + 1} ?",
            data={
                "buttons": [
                    {"title": f"Choix {number}", "payload": f'/answer{{"choice": "choix_{number}"}}'},
                    {"title": "Passer", "payload": "/skip"},
                ],
                "custom": {"type": "question", "question_id": f"question_{number + 1}"},
            },
            timestamp=at + 0.03,
        ),
        ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0, timestamp=at + 0.04),
    ]
