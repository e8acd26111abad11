"""Off-script turns inside the diagnostic: each is handled, then the question comes back."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Servers, question_of, texts

pytestmark = pytest.mark.e2e


def started(servers: Servers, sender: str) -> list[dict]:
    servers.say(sender, "bonjour")
    return servers.say(sender, "commencer")


def test_why_then_back_to_the_question(servers: Servers, sender: str) -> None:
    started(servers, sender)
    reply = servers.say(sender, "pourquoi cette question ?")
    assert "Pourquoi cette question" in texts(reply)
    assert question_of(reply)["question_id"] == "nom_collectivite"


def test_glossary_term_then_back(servers: Servers, sender: str) -> None:
    started(servers, sender)
    reply = servers.say(sender, "c'est quoi l'interopérabilité ?")
    assert "échanger des données" in texts(reply)
    assert question_of(reply)["question_id"] == "nom_collectivite"


def test_skip_and_dont_know(servers: Servers, sender: str) -> None:
    started(servers, sender)
    skipped = servers.say(sender, "passer")
    assert question_of(skipped)["question_id"] == "type_collectivite"
    servers.say(sender, "une commune")
    unknown = servers.say(sender, "aucune idée")
    assert question_of(unknown)["question_id"] == "nombre_agents"
    exported = servers.export(sender)
    assert exported["answers"]["nom_collectivite"]["status"] == "skipped"
    assert exported["answers"]["population"]["status"] == "unknown"
    assert exported["answers"]["population"]["value"] is None


def test_small_talk_then_back(servers: Servers, sender: str) -> None:
    started(servers, sender)
    small_talk = [
        ("merci", "plaisir"),
        ("vous êtes un robot ?", "assistant automatique"),
        ("t'es vraiment nul", "courtois"),
        ("quel temps fera-t-il demain ?", "autodiagnostic"),
        ("sorry, I don't speak French", "français"),
    ]
    # At the free-text name question (where any text could be a name), then at a closed one.
    for pending, stored in (("nom_collectivite", []), ("type_collectivite", ["nom_collectivite"])):
        if stored:
            servers.say(sender, "passer")
        for message, expected in small_talk:
            reply = servers.say(sender, message)
            assert expected in texts(reply), message
            assert question_of(reply)["question_id"] == pending, message
        assert list(servers.export(sender)["answers"]) == stored


def test_two_misunderstood_answers_offer_buttons_and_skip(servers: Servers, sender: str) -> None:
    started(servers, sender)
    servers.say(sender, "Mairie de Test")
    servers.say(sender, "une commune")
    # The same vague answer twice, as people do when they are not understood.
    first = servers.say(sender, "vraiment beaucoup")
    assert "pas bien compris" in texts(first)
    second = servers.say(sender, "vraiment beaucoup")
    assert "choisir une des réponses" in texts(second)
    titles = [button["title"] for button in second[-1]["buttons"]]
    assert "Passer" in titles and "Je ne sais pas" in titles
    third = servers.say(sender, "/skip")
    assert question_of(third)["question_id"] == "nombre_agents"


def test_a_button_and_its_typed_equivalent_store_the_same_value(servers: Servers, sender: str) -> None:
    started(servers, sender)
    servers.say(sender, "/skip")
    servers.say(sender, '/answer{"choice": "intercommunalite"}')
    typed_sender = sender + "-typed"
    started(servers, typed_sender)
    servers.say(typed_sender, "passer")
    servers.say(typed_sender, "Intercommunalité")
    assert (
        servers.export(sender)["answers"]["type_collectivite"]["value"]
        == servers.export(typed_sender)["answers"]["type_collectivite"]["value"]
        == "intercommunalite"
    )


def test_restart_archives_and_starts_again(servers: Servers, sender: str) -> None:
    started(servers, sender)
    servers.say(sender, "Cahors")
    reply = servers.say(sender, "recommencer")
    assert "archivées" in texts(reply)
    assert question_of(reply)["question_id"] == "nom_collectivite"
    assert servers.export(sender)["answers"] == {}
