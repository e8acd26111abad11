"""Fixtures of the web tests: a store on a temporary SQLite file, a fake Rasa, a test client.

No live service: Rasa is an httpx MockTransport whose answers each test chooses.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from bot.questionnaire import Questionnaire, default_questionnaire
from bot.recommendations import default_catalogue, recommend
from bot.scoring import compute_maturity
from bot.settings import Settings
from bot.storage import DiagnosticRecord, DiagnosticStore
from bot.web.app import create_app
from bot.web.rasa_client import RasaClient

ALLOWED_ORIGIN = "http://127.0.0.1:8001"
NAME_WITH_HTML = "Mairie <script>alert(1)</script> & Cie"


@dataclass
class FakeRasa:
    """Answers like Rasa's REST channel; set ``reply``, ``status`` or ``error`` to change it."""

    reply: Callable[[str, str], Any] = lambda sender, message: [
        {"recipient_id": sender, "text": "Bonjour !", "buttons": [{"title": "Oui", "payload": "/answer"}]}
    ]
    status: int = 200
    error: Exception | None = None
    received: list[dict[str, Any]] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.error is not None:
            raise self.error
        if request.method == "GET":  # channels/health.py
            return httpx.Response(200, json={"tracker_store": "ok", "depuis": None, "erreur": ""})
        body = json.loads(request.content)
        self.received.append(body)
        return httpx.Response(self.status, json=self.reply(body["sender"], body["message"]))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DiagnosticStore]:
    diagnostic_store = DiagnosticStore.from_url(f"sqlite:///{tmp_path / 'diagnostic.db'}")
    try:
        yield diagnostic_store
    finally:
        diagnostic_store.engine.dispose()


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def settings() -> Settings:
    # TestClient's requests say "Host: testserver": a name the site accepts besides the public one.
    return Settings(
        cors_origins=(ALLOWED_ORIGIN,),
        public_url="https://diagnostic.example.fr",
        allowed_hosts=("testserver",),
    )


@pytest.fixture
def make_client(
    store: DiagnosticStore, fake_rasa: FakeRasa, settings: Settings
) -> Iterator[Callable[..., TestClient]]:
    """Builds a client on a new app (lifespan running); keyword arguments override settings."""
    with ExitStack() as stack:

        def make(**overrides: Any) -> TestClient:
            rasa = RasaClient("http://rasa.test", timeout=5, transport=httpx.MockTransport(fake_rasa.handle))
            app = create_app(replace(settings, **overrides), store=store, rasa_client=rasa)
            return stack.enter_context(TestClient(app, raise_server_exceptions=False))

        yield make


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def _value_for(questionnaire: Questionnaire, question_id: str) -> Any:
    question = questionnaire.question(question_id)
    if question.answer_type == "oui_partiel_non":
        return ("oui", "en_partie", "non")[questionnaire.position(question_id) % 3]
    if question.answer_type == "choix":
        codes = [code for code, _ in question.options()]
        return codes[:2] if question.multiple else codes[0]
    if question.answer_type == "nombre":
        return 12000 if question_id == "population" else 180 if question_id == "nombre_agents" else 8000
    if question.answer_type == "echelle":
        return question.maximum
    return NAME_WITH_HTML


def finished_diagnostic(store: DiagnosticStore, sender: str = "rapport-test-1") -> DiagnosticRecord:
    """A diagnostic answered and finished as the engine does (result computed and saved)."""
    questionnaire = default_questionnaire()
    record = store.create(sender)
    for question in questionnaire.questions:
        if question.id == "donnees_outils_ouverts":
            store.save_answer(record.id, question.id, "ne_sait_pas", "unknown", "je ne sais pas")
        elif question.id == "citoyens_outil_lequel":
            store.save_answer(record.id, question.id, None, "skipped", None)
        else:
            value = _value_for(questionnaire, question.id)
            store.save_answer(record.id, question.id, value, "answered", str(value))
    answers = store.answers(record.id)
    maturity = compute_maturity(questionnaire, answers)
    recommendation = recommend(default_catalogue(), questionnaire, answers)
    store.save_result(record.id, maturity.to_dict(), recommendation.to_dict())
    return store.update_state(
        record.id,
        status="termine",
        current_question_id=None,
        completed_at=datetime(2026, 11, 25, 17, 5, tzinfo=timezone.utc),
    )
