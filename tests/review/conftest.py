"""Fixtures of the review tests: both stores on fresh databases, conversations written by Rasa.

The tracker rows are written by Rasa's own ``SQLTrackerStore`` from Rasa's event classes,
exactly as the Rasa server writes them (the end-to-end module runs real conversations
through the REST channel on top of that). The diagnostic store is filled through
``DiagnosticStore``, then its dates are moved back in time where a test needs it.

Stores: a SQLite file per test, and a PostgreSQL schema per test when TEST_POSTGRES_URL is
set (``storage_url`` from tests/bot/conftest.py; the tracker then shares the schema).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import update
from sqlalchemy.util import deprecations

from bot.review import Review, ReviewSettings, StaffAccounts, TrackerEvents, make_tracker_engine
from bot.storage import DiagnosticStore
from bot.storage.models import Diagnostic
from tests.bot.conftest import storage_url  # noqa: F401  (fixture: SQLite file or PostgreSQL schema)

# Rasa's tracker store uses SQLAlchemy's legacy API: no need to say so in every run.
deprecations.SILENCE_UBER_WARNING = True

# A fixed "now" for the tests, and times before it.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
STAFF = "relecture@plateforme.example"
SCRIPT = "<script>alert('x')</script>"


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


# --- Rasa events ----------------------------------------------------------------------------


def user(
    text: str,
    intent: str,
    confidence: float = 0.97,
    at: datetime | None = None,
    entities: Sequence[dict[str, Any]] = (),
    ranking: Sequence[tuple[str, float]] | None = None,
):
    from rasa.shared.core.events import UserUttered

    ranking = ranking or [(intent, confidence)]
    parse_data = {
        "intent": {"name": intent, "confidence": confidence},
        "entities": list(entities),
        "text": text,
        "intent_ranking": [{"name": name, "confidence": value} for name, value in ranking],
    }
    return UserUttered(
        text,
        intent=parse_data["intent"],
        entities=list(entities),
        parse_data=parse_data,
        timestamp=at.timestamp() if at else None,
        input_channel="rest",
    )


def bot(text: str, at: datetime, buttons: Sequence[tuple[str, str]] = (), custom: dict | None = None):
    from rasa.shared.core.events import BotUttered

    data = {"buttons": [{"title": title, "payload": payload} for title, payload in buttons] or None}
    if custom is not None:
        data["custom"] = custom
    return BotUttered(text, data=data, timestamp=at.timestamp())


def action(name: str, at: datetime):
    from rasa.shared.core.events import ActionExecuted

    return ActionExecuted(name, policy="RulePolicy", confidence=1.0, timestamp=at.timestamp())


def slot(name: str, value: Any, at: datetime):
    from rasa.shared.core.events import SlotSet

    return SlotSet(name, value, timestamp=at.timestamp())


def session_start(at: datetime) -> list:
    from rasa.shared.core.events import SessionStarted

    return [
        action("action_session_start", at),
        SessionStarted(timestamp=at.timestamp()),
        action("action_listen", at),
    ]


def exchange(
    text: str,
    intent: str,
    reply: str,
    at: datetime,
    action_name: str = "action_answer",
    confidence: float = 0.97,
    **options: Any,
) -> list:
    """One turn as Rasa stores it: user message, the action, its reply, back to listening."""
    step = timedelta(milliseconds=200)
    buttons = options.pop("buttons", ())
    return [
        user(text, intent, confidence, at, **options),
        action(action_name, at + step),
        bot(reply, at + 2 * step, buttons=buttons),
        action("action_listen", at + 3 * step),
    ]


class RasaTrackerWriter:
    """Rasa's SQLTrackerStore on a URL: saves trackers exactly as the Rasa server does."""

    def __init__(self, url: str) -> None:
        from rasa.core.tracker_store import SQLTrackerStore

        self.store = SQLTrackerStore(host=url)
        self.events: dict[str, list] = {}

    def write(self, sender_id: str, events: Sequence) -> None:
        """Append ``events`` to the conversation (Rasa stores only the new ones)."""
        from rasa.shared.core.slots import AnySlot
        from rasa.shared.core.trackers import DialogueStateTracker

        self.events.setdefault(sender_id, []).extend(events)
        slots = [AnySlot("question", mappings=[])]
        tracker = DialogueStateTracker.from_events(sender_id, self.events[sender_id], slots=slots)
        asyncio.run(self.store.save(tracker))

    def close(self) -> None:
        self.store.engine.dispose()


# --- stores ---------------------------------------------------------------------------------


@dataclass
class Stores:
    review: Review
    diagnostics: DiagnosticStore
    rasa: RasaTrackerWriter
    tracker_url: str
    database_url: str

    def backdate(
        self,
        sender_id: str,
        created: datetime,
        updated: datetime | None = None,
        completed: datetime | None = None,
    ) -> None:
        """Move the sender's diagnostics back in time (the store always writes "now")."""
        values: dict[str, Any] = {"created_at": created, "updated_at": updated or created}
        if completed is not None:
            values["completed_at"] = completed
        with self.diagnostics.engine.begin() as connection:
            connection.execute(update(Diagnostic).where(Diagnostic.sender_id == sender_id).values(**values))

    def diagnostic(
        self,
        sender_id: str,
        answers: dict[str, Any],
        status: str = "en_cours",
        current: str | None = None,
        level: int | None = None,
        action: str | None = None,
    ) -> int:
        """A diagnostic with these answers (value, or (value, status)) and, if given, a result."""
        record = self.diagnostics.create(sender_id)
        for question_id, value in answers.items():
            value, answer_status = value if isinstance(value, tuple) else (value, "answered")
            self.diagnostics.save_answer(record.id, question_id, value, answer_status, str(value))
        fields: dict[str, Any] = {"status": status, "current_question_id": current}
        if status == "termine":
            fields["completed_at"] = NOW
        self.diagnostics.update_state(record.id, **fields)
        if level is not None:
            maturity = {"overall": {"score": 20.0 * level - 10, "level": level}, "axes": {}}
            self.diagnostics.save_result(record.id, maturity, {"codes": [action] if action else []})
        return record.id


@pytest.fixture
def tracker_url(storage_url: str, tmp_path) -> str:  # noqa: F811
    if storage_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    return storage_url  # PostgreSQL: the events table goes into the test's schema


@pytest.fixture
def stores(storage_url: str, tracker_url: str) -> Iterator[Stores]:  # noqa: F811
    diagnostics = DiagnosticStore.from_url(storage_url, clock=lambda: NOW)
    rasa = RasaTrackerWriter(tracker_url)
    review = Review(
        diagnostics, TrackerEvents(make_tracker_engine(tracker_url)), ReviewSettings(), clock=lambda: NOW
    )
    try:
        yield Stores(review, diagnostics, rasa, tracker_url, storage_url)
    finally:
        rasa.close()
        review.close()


@pytest.fixture
def review(stores: Stores) -> Review:
    return stores.review


FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def accounts(stores: Stores) -> StaffAccounts:
    return StaffAccounts(stores.diagnostics.engine, hasher=FAST_HASHER)


# --- a small population of conversations ------------------------------------------------------


def seed(stores: Stores) -> None:
    """Six conversations covering every status and the edge cases of the list.

    alice  finished commune of 12,000, level 3, "batiments"; one fallback, one low-confidence
    bob    in progress (2 days ago), region of 800,000, button presses only
    carol  in progress but untouched for 30 days (abandoned), intercommunality; typed a <script>
    dave   only said hello: no diagnostic
    eve    a diagnostic whose events are gone (paused)
    sql    finished département; typed SQL-like and LIKE-wildcard text; level 1
    """
    w = stores.rasa
    t = ago(days=20)
    w.write(
        "alice",
        [
            *session_start(t),
            *exchange("bonjour", "greet", "Bonjour ! On commence ?", t, "action_welcome"),
            *exchange(
                "oui allons-y",
                "start_diagnostic",
                "Quel type de collectivité ?",
                t + timedelta(minutes=1),
                "action_start_diagnostic",
                buttons=[("Commune", '/answer{"choice": "commune"}')],
            ),
            slot("question", "type_collectivite", t + timedelta(minutes=1, seconds=1)),
            *exchange("une commune", "answer", "Combien d'habitants ?", t + timedelta(minutes=2)),
            *exchange(
                "blablabla zorglub",
                "nlu_fallback",
                "Je n'ai pas compris.",
                t + timedelta(minutes=3),
                "action_default_fallback",
                confidence=0.5,
                ranking=[("nlu_fallback", 0.5), ("answer", 0.31), ("greet", 0.2)],
            ),
            *exchange("environ douze mille habitants", "answer", "Noté : 12 000.", t + timedelta(minutes=4)),
            *exchange(
                "c'est quoi l'interopérabilité ?",
                "ask_definition",
                "L'interopérabilité, c'est…",
                t + timedelta(minutes=5),
                "action_define_term",
                confidence=0.45,
                entities=[{"entity": "term", "value": "interopérabilité", "start": 14, "end": 30}],
            ),
            *exchange("merci, terminé", "answer", "Voici votre résultat.", t + timedelta(minutes=10)),
        ],
    )
    stores.diagnostic(
        "alice",
        {"type_collectivite": "commune", "population": 12000, "strategie_projet_formalise": "en_partie"},
        status="termine",
        level=3,
        action="batiments",
    )
    stores.backdate("alice", t, t + timedelta(minutes=10), completed=t + timedelta(minutes=10))

    t = ago(days=2)
    w.write(
        "bob",
        [
            *session_start(t),
            *exchange(
                "/start_diagnostic", "start_diagnostic", "Quel type ?", t, "action_start_diagnostic", 1.0
            ),
            *exchange(
                '/answer{"choice": "region"}',
                "answer",
                "Combien d'habitants ?",
                t + timedelta(minutes=1),
                confidence=1.0,
            ),
        ],
    )
    stores.diagnostic("bob", {"type_collectivite": "region", "population": 800_000}, current="nombre_agents")
    stores.backdate("bob", t, t + timedelta(minutes=1))

    t = ago(days=30)
    w.write(
        "carol",
        [
            *session_start(t),
            *exchange("bonjour", "greet", "Bonjour !", t, "action_welcome"),
            *exchange("une interco", "answer", "Combien d'habitants ?", t + timedelta(minutes=1)),
            *exchange(
                SCRIPT,
                "out_of_scope",
                "Je n'ai pas compris.",
                t + timedelta(minutes=2),
                "action_off_topic",
                0.55,
            ),
        ],
    )
    stores.diagnostic("carol", {"type_collectivite": "intercommunalite"}, current="population")
    stores.backdate("carol", t, t + timedelta(minutes=2))

    t = ago(days=1)
    w.write("dave", [*session_start(t), *exchange("bonjour", "greet", "Bonjour !", t, "action_welcome")])

    stores.diagnostic(
        "eve",
        {"type_collectivite": "commune", "population": 3000},
        status="en_pause",
        current="role_repondant",
    )
    stores.backdate("eve", ago(days=3))

    t = ago(days=10)
    w.write(
        "sql",
        [
            *session_start(t),
            *exchange("' OR 1=1 --", "out_of_scope", "Je n'ai pas compris.", t, "action_off_topic", 0.9),
            *exchange("100% sûr, mot_clé", "answer", "Noté.", t + timedelta(minutes=1)),
        ],
    )
    stores.diagnostic(
        "sql", {"type_collectivite": "departement"}, status="termine", level=1, action="feuille_de_route"
    )
    stores.backdate("sql", t, t + timedelta(minutes=1), completed=t + timedelta(minutes=1))


@pytest.fixture
def seeded(stores: Stores) -> Stores:
    seed(stores)
    return stores
