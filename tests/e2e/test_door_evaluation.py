"""The runner of `make bench-nlu-door` (evaluation/door.py) on the e2e servers.

A few labelled answers, one of each outcome, are played in complete diagnostics through the
door (the web application started on the session's Rasa servers): each is read as expected,
the questions it leaves pending are finished so that every diagnostic ends, two answers to
one question go to two diagnostics, and an answer to a question the flow never asks is
reported as not played instead of blocking the run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.answers import Item
from evaluation.door import OTHER_QUESTION, door_on, known_good, play, stored_change
from tests.servers import Servers

EXPECTED = {
    Item("type_collectivite", "une commune", "commune"): "right",
    Item("type_collectivite", "nous sommes une communauté de communes", "intercommunalite"): "right",
    Item("population", "environ douze mille habitants", 12000): "right",
    Item("nombre_agents", "pourquoi vous me demandez ça ?", None): "right",  # nothing stored: right
    Item("strategie_portage_politique", "oui", "non"): "wrong",  # labelled wrong on purpose
    Item("donnees_rgpd", "je crois que oui", "oui"): "confirm",
    Item("nom_collectivite", "vous pouvez répéter ?", "Saint-Aubin"): "not_understood",
}


@pytest.mark.e2e
def test_answers_played_through_the_door(servers: Servers, tmp_path: Path) -> None:
    absent = Item("question_absente", "oui", "oui")
    with door_on(servers, tmp_path) as door:
        run = play(door, [*EXPECTED, absent], parallel=1)
    assert {p.item: p.outcome for p in run.played} == EXPECTED
    assert run.unplayed == {"question_absente": 1}
    # Two diagnostics for the two answers to type_collectivite, then one that plays nothing.
    assert run.conversations == 3
    assert run.figures().n("total") == len(EXPECTED)


def test_what_a_turn_stored() -> None:
    from bot.answers import Answer

    before = {"population": Answer("population", 12000, "answered", "12 000")}
    assert stored_change(before, before, "nombre_agents") is None
    after = {**before, "nombre_agents": Answer("nombre_agents", 50, "answered", "50")}
    assert stored_change(before, after, "nombre_agents") == 50
    assert stored_change(before, after, "role_repondant") == OTHER_QUESTION
    skipped = {**before, "nombre_agents": Answer("nombre_agents", None, "skipped", None)}
    assert stored_change(before, skipped, "nombre_agents") is None


def test_known_good_answers_are_buttons() -> None:
    yes_no = {"answer_type": "oui_partiel_non", "choices": [{"value": "oui", "label": "Oui"}]}
    assert known_good(yes_no) == '/answer{"choice": "oui"}'
    assert known_good(yes_no, "en_partie") == '/answer{"choice": "en_partie"}'
    several = {"answer_type": "choix", "multiple": True}
    assert known_good(several, ["eclairage_public", "eau"]) == '/answer{"choice": "eclairage_public,eau"}'
    assert known_good({"answer_type": "nombre", "minimum": 0}) == '/answer{"choice": "100"}'
    assert known_good({"answer_type": "texte"}, "SELECT 1") == '/answer{"choice": "Commune de Saint-Aubin"}'
