"""Bad input through the REST channel: a clear French reply, nothing stored wrongly."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Servers, question_of, texts

pytestmark = pytest.mark.e2e

# Empty messages and messages over DIAGNOSTIC_MAX_MESSAGE_LENGTH (2,000) never reach Rasa:
# the door and the REST channel refuse them (422, tests/security/test_private_services.py).
# Between the bot's limit (500) and that one, the bot says the answer is too long.
BAD_INPUTS = [
    "a" * 1_000,
    "😀🎉👍",
    "Hello, what is this about?",
    "'; DROP TABLE answers; --",
    "1 OR 1=1; SELECT * FROM diagnostics",
    "<script>alert('x')</script>",
    "<b>oui</b><img src=x onerror=alert(1)>",
]


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
def test_bad_input_on_a_number_question(servers: Servers, sender: str, bad: str) -> None:
    servers.say(sender, "bonjour")
    servers.say(sender, "commencer")
    servers.say(sender, "passer")
    servers.say(sender, "une commune")
    before = servers.export(sender)["answers"]

    reply = servers.say(sender, bad)
    assert reply, "the assistant always answers"
    assert question_of(reply)["question_id"] == "population", texts(reply)
    words = texts(reply).lower()
    assert any(w in words for w in ("compris", "français", "texte", "trop long", "autodiagnostic")), words
    assert servers.export(sender)["answers"] == before, "nothing stored for bad input"

    # The server keeps answering, and the diagnostic goes on.
    after = servers.say(sender, "3 500 habitants")
    assert question_of(after)["question_id"] == "nombre_agents"
    assert servers.export(sender)["answers"]["population"]["value"] == 3500


def test_markup_is_not_taken_for_a_name_but_a_real_name_is_kept_as_written(
    servers: Servers, sender: str
) -> None:
    servers.say(sender, "bonjour")
    servers.say(sender, "commencer")
    # A name looks like a name (issue 10): pasted markup is asked again, never stored.
    reply = servers.say(sender, "Mairie <b>de</b> Test")
    assert question_of(reply)["question_id"] == "nom_collectivite", texts(reply)
    assert "nom_collectivite" not in servers.export(sender)["answers"]
    # Characters that are special in HTML but usual in names are kept as typed
    # (and escaped wherever the name is shown).
    name = "Syndicat d'Énergie \"Test\" & Cie"
    servers.say(sender, name)
    assert servers.export(sender)["answers"]["nom_collectivite"]["value"] == name
