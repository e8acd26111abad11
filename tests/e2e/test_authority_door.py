"""The authority recognised in the official division, through the door (issue 13).

The web application runs on the session's Rasa servers, whose diagnostic store holds the
fixture division (tests/servers.py): a diagnostic that names its commune in its first message,
one with a homonym, one with a name the division does not know. Buttons are clicked as the
widget clicks them: their payload, with the id of the question they answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from evaluation.door import Door, door_on
from tests.servers import Servers

pytestmark = pytest.mark.e2e

SOURCE = "decoupage-administratif 6.0.0"


@pytest.fixture(scope="module")
def door(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Door]:
    with door_on(servers, tmp_path_factory.mktemp("door")) as started:
        yield started


class Visitor:
    """One person at the door: the conversation id it issues, sent back with each message."""

    def __init__(self, door: Door) -> None:
        self.door = door
        self.sender: str | None = None

    def say(self, message: str, question_id: str | None = None) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"message": message}
        if self.sender is not None:
            body["sender"] = self.sender
        if question_id is not None:
            body["question_id"] = question_id
        response = httpx.post(f"{self.door.url}/api/messages", json=body, timeout=120)
        assert response.status_code == 200, response.text
        data = response.json()
        self.sender = data["sender"]
        return data["messages"]

    def click(self, messages: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
        buttons = {button["title"]: button["payload"] for m in messages for button in m.get("buttons") or []}
        assert title in buttons, f"no button {title!r} in {sorted(buttons)}"
        return self.say(buttons[title])

    def record(self) -> Any:
        return self.door.store().latest_for_sender(self.sender)

    def answers(self) -> dict[str, tuple[Any, str | None]]:
        store = self.door.store()
        record = store.latest_for_sender(self.sender)
        return {qid: (a.value, a.source) for qid, a in store.answers(record.id).items()}


def payload(messages: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    for message in reversed(messages):
        custom = message.get("custom") or {}
        if custom.get("type") == kind:
            return custom
    return None


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(message.get("text") or "" for message in messages)


def test_a_commune_named_in_the_first_message(door: Door) -> None:
    visitor = Visitor(door)
    first = visitor.say("Bonjour, je suis DST à Uzès")
    assert "autodiagnostic" in texts(first)
    confirmation = payload(first, "confirmation")
    assert confirmation is not None and confirmation["question_id"] == "nom_collectivite"
    assert first[-1]["text"] == "Uzès (Gard), 8 519 habitants : c'est bien vous ?"
    assert [button["title"] for button in first[-1]["buttons"]] == ["Oui", "Non"]
    # The door adds the question's id to each button.
    assert all('"question_id": "nom_collectivite"' in b["payload"] for b in first[-1]["buttons"])
    assert visitor.answers() == {}

    done = visitor.click(first, "Oui")
    assert "Uzès (Gard), commune de 8 519 habitants" in texts(done)
    question = payload(done, "question")
    assert (question["question_id"], question["position"]) == ("nombre_agents", 4)
    assert visitor.answers() == {
        "nom_collectivite": ("Uzès", SOURCE),
        "type_collectivite": ("commune", SOURCE),
        "population": (8519, SOURCE),
    }
    official = visitor.record().official
    assert (official.code, official.departement_code, official.epci_name) == ("30334", "30", "CC Pays d'Uzès")

    # The same click again (a second tab): refused, nothing changes.
    late = visitor.say(first[-1]["buttons"][1]["payload"])
    assert "déjà traitée" in texts(late)
    assert visitor.record().official.code == "30334"


def test_no_to_the_commune_of_the_first_message_asks_the_name(door: Door) -> None:
    visitor = Visitor(door)
    first = visitor.say("Bonjour, ici la mairie d'Orange")
    assert first[-1]["text"].startswith("Orange (Vaucluse), ")
    refused = visitor.click(first, "Non")
    assert payload(refused, "question")["question_id"] == "nom_collectivite"
    typed = visitor.say("Syndicat des eaux du Vidourle", "nom_collectivite")
    assert payload(typed, "question")["question_id"] == "type_collectivite"
    assert visitor.answers() == {"nom_collectivite": ("Syndicat des eaux du Vidourle", None)}
    assert visitor.record().official is None


def test_a_homonym_is_chosen_by_its_departement(door: Door) -> None:
    visitor = Visitor(door)
    started = visitor.say("/start_diagnostic")
    assert payload(started, "question")["question_id"] == "nom_collectivite"
    which = visitor.say("sainte colombe", "nom_collectivite")
    assert "Plusieurs collectivités s'appellent « Sainte-Colombe »" in texts(which)
    titles = [button["title"] for button in which[-1]["buttons"]]
    assert "Sainte-Colombe (Gironde)" in titles and titles[-1] == "Aucune de celles-ci"
    assert visitor.answers() == {}
    done = visitor.click(which, "Sainte-Colombe (Gironde)")
    assert payload(done, "question")["question_id"] == "nombre_agents"
    assert visitor.record().official.code == "33390"
    assert visitor.answers()["type_collectivite"] == ("commune", SOURCE)

    # Typed at once with its département: proposed, then confirmed.
    typed = Visitor(door)
    typed.say("/start_diagnostic")
    proposal = typed.say("Sainte-Colombe (Gironde)", "nom_collectivite")
    assert proposal[-1]["text"].startswith("Sainte-Colombe (Gironde), ")
    typed.click(proposal, "Oui")
    assert typed.record().official.code == "33390"


def test_a_name_not_in_the_division_gets_the_questions_as_before(door: Door) -> None:
    visitor = Visitor(door)
    visitor.say("/start_diagnostic")
    named = visitor.say("PETR du Pays Midi-Quercy", "nom_collectivite")
    assert payload(named, "confirmation") is None
    assert payload(named, "question")["question_id"] == "type_collectivite"
    population = visitor.say("autre", "type_collectivite")
    assert payload(population, "question")["question_id"] == "population"
    agents = visitor.say("environ 3 000 habitants", "population")
    assert payload(agents, "question")["question_id"] == "nombre_agents"
    assert visitor.answers() == {
        "nom_collectivite": ("PETR du Pays Midi-Quercy", None),
        "type_collectivite": ("autre", None),
        "population": (3000, None),
    }
    assert visitor.record().official is None


def test_the_tests_run_on_the_fixture_division(door: Door) -> None:
    from bot.storage.division import loaded_version

    version = loaded_version(door.store().engine)
    assert version is not None and version.version == "6.0.0" and version.communes < 100


def test_oui_or_a_departement_typed_instead_of_a_click(door: Door) -> None:
    visitor = Visitor(door)
    first = visitor.say("Bonjour, ici la mairie de Sens")
    assert first[-1]["text"].startswith("Sens (Yonne), ")
    done = visitor.say("oui", "nom_collectivite")
    assert payload(done, "question")["question_id"] == "nombre_agents"
    assert visitor.record().official.code == "89387"

    homonym = Visitor(door)
    homonym.say("/start_diagnostic")
    homonym.say("Sainte-Colombe", "nom_collectivite")
    picked = homonym.say("en Gironde", "nom_collectivite")
    assert payload(picked, "question")["question_id"] == "nombre_agents"
    assert homonym.record().official.code == "33390"
