"""The action server's side of issue 13: the lookup built from the division in the store, and
the buttons last shown (read from the tracker) so that a typed "oui" is the click."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions as module
from actions.actions import ActionAnswer, ActionWelcome, latest_offer
from actions.conversation import authority_lookup
from bot.dialogue import DiagnosticConversation
from bot.messages import default_messages
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue
from bot.settings import report_url
from bot.storage import DiagnosticStore
from bot.storage.division import load_division
from tests.authorities.packs import fixture_division

SENDER = "action-collectivite"


def user(text: str) -> dict:
    return {"event": "user", "text": text}


def bot(text: str, buttons: list[dict] | None = None) -> dict:
    return {"event": "bot", "text": text, "data": {"buttons": buttons or [], "custom": None}}


def tracker(text: str, intent: str, events: list[dict]) -> Tracker:
    return Tracker(
        sender_id=SENDER,
        slots={},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


@pytest.fixture
def store(tmp_path: Path) -> DiagnosticStore:
    return DiagnosticStore.from_url(f"sqlite:///{tmp_path / 'd.db'}")


def test_no_lookup_before_the_division_is_loaded(store: DiagnosticStore) -> None:
    assert authority_lookup(store) is None


def test_the_lookup_reads_the_division_of_the_store(store: DiagnosticStore, tmp_path: Path) -> None:
    load_division(store.engine, fixture_division(tmp_path))
    lookup = authority_lookup(store)
    assert lookup is not None
    assert (lookup.version, lookup.source) == ("6.0.0", "decoupage-administratif 6.0.0")
    assert [authority.code for authority in lookup.find("mairie d'uzes")] == ["30334"]
    assert lookup.spot("le réseau d'Orange") == []


def test_the_offer_is_the_buttons_of_the_last_message_before_the_user_turn() -> None:
    yes = {"title": "Oui", "payload": '/answer{"choice": "authority:30334"}'}
    no = {"title": "Non", "payload": '/answer{"choice": "authority:none"}'}
    events = [
        user("bonjour"),
        bot("Bonjour !"),
        bot("Uzès (Gard) : c'est bien vous ?", [yes, no, {"title": "Passer", "payload": "/skip"}]),
        {"event": "action", "name": "action_listen"},
        user("oui"),
    ]
    assert latest_offer(tracker("oui", "answer", events)) == ("authority:30334", "authority:none")
    # Buttons shown before an earlier user turn are no offer any more.
    later = [*events, bot("C'est noté."), user("une autre réponse")]
    assert latest_offer(tracker("une autre réponse", "answer", later)) == ()
    assert latest_offer(tracker("oui", "answer", [user("oui")])) == ()


def test_typing_oui_after_the_proposal_confirms_it(
    store: DiagnosticStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_division(store.engine, fixture_division(tmp_path))
    engine = DiagnosticConversation(
        store=store,
        questionnaire=default_questionnaire(),
        catalogue=default_catalogue(),
        messages=default_messages(),
        report_url=report_url("http://diag.test"),
        lookup=authority_lookup(store),
    )
    monkeypatch.setattr(module, "conversation", lambda: engine)

    def run(action, text: str, intent: str, events: list[dict]) -> list[dict]:
        dispatcher = CollectingDispatcher()
        asyncio.run(action.run(dispatcher, tracker(text, intent, events), {}))
        return dispatcher.messages

    first = "Bonjour, je suis DGS de Sens"
    shown = run(ActionWelcome(), first, "greet", [user(first)])
    proposal = shown[-1]
    assert proposal["text"].startswith("Sens (Yonne), ")
    assert proposal["custom"]["type"] == "confirmation"
    events = [user(first), *(bot(m["text"], m["buttons"]) for m in shown), user("oui")]
    replies = run(ActionAnswer(), "oui", "answer", events)
    assert replies[-1]["custom"]["question_id"] == "nombre_agents"
    record = store.latest_for_sender(SENDER)
    assert record.official is not None and record.official.name == "Sens"


def test_the_engine_is_built_when_the_action_server_starts(monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    from sqlalchemy.exc import OperationalError

    from actions import conversation as building

    built = []
    monkeypatch.setattr(building, "conversation", lambda: built.append("engine"))
    asyncio.run(building.warm_up(None, None))
    assert built == ["engine"]
    assert building.plugin_manager().get_plugin(building.PLUGIN_NAME) is not None

    def unreachable() -> None:
        raise OperationalError("SELECT 1", {}, Exception("unable to open database file"))

    monkeypatch.setattr(building, "conversation", unreachable)
    asyncio.run(building.warm_up(None, None))  # the server still starts
    assert "built on the first message" in caplog.text
