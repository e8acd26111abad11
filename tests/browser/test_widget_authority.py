"""The authority's confirmation buttons in the widget (issue 13): the person names the commune
in a first message, the widget shows "Oui" / "Non", and a click answers the name question;
homonyms are offered as one button per département. The stack's store holds the fixture
division (tests/servers.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from bot.questionnaire import default_questionnaire
from tests.browser.conftest import Stack
from tests.browser.widget import Widget

pytestmark = pytest.mark.browser

SOURCE = "decoupage-administratif 6.0.0"


def test_the_commune_named_first_is_confirmed_with_a_click(stack: Stack, page: Page, store) -> None:
    page.goto(stack.demo_url + "/")
    widget = Widget(page)
    widget.open()
    widget.type("Bonjour, je suis DST à Uzès")
    # (each message is introduced by "L'assistant :" for screen readers)
    expect(widget.bot_messages.last).to_contain_text("Uzès (Gard), 8 519 habitants : c'est bien vous ?")
    buttons = widget.choices.get_by_role("button")
    expect(buttons).to_have_text(["Oui", "Non"])
    record = store.latest_for_sender(widget.sender())
    assert record.current_question_id == "nom_collectivite" and store.answers(record.id) == {}

    widget.click("Oui")
    noted = widget.bot_messages.filter(has_text="C'est noté : Uzès (Gard), commune de 8 519 habitants")
    expect(noted).to_have_count(1)
    assert widget.current_question()["question_id"] == "nombre_agents"
    total = len(default_questionnaire().questions)
    expect(page.locator("dti-assistant .progress-text")).to_have_text(f"Question 4 sur {total}")
    expect(widget.user_messages).to_have_text(["Vous : Bonjour, je suis DST à Uzès", "Vous : Oui"])

    record = store.latest_for_sender(widget.sender())
    answers = {qid: (a.value, a.source) for qid, a in store.answers(record.id).items()}
    assert answers == {
        "nom_collectivite": ("Uzès", SOURCE),
        "type_collectivite": ("commune", SOURCE),
        "population": (8519, SOURCE),
    }
    assert record.official is not None and record.official.code == "30334"


def test_a_homonym_is_picked_by_its_departement_and_no_keeps_the_questions(
    stack: Stack, page: Page, store
) -> None:
    page.goto(stack.demo_url + "/")
    widget = Widget(page)
    widget.open()
    widget.click("Commencer le diagnostic")
    widget.type("Sainte-Colombe")
    expect(widget.bot_messages.last).to_contain_text("Plusieurs collectivités s'appellent « Sainte-Colombe »")
    expect(widget.choices.get_by_role("button", name="Aucune de celles-ci")).to_be_visible()
    widget.click("Sainte-Colombe (Gironde)")
    assert widget.current_question()["question_id"] == "nombre_agents"
    record = store.latest_for_sender(widget.sender())
    assert record.official is not None and record.official.code == "33390"

    # "Recommencer", then "Non" to the proposal: the name is kept as typed, the type is asked.
    widget.type("recommencer")
    widget.type("Orange")
    expect(widget.bot_messages.last).to_contain_text("Orange (Vaucluse), ")
    expect(widget.choices.get_by_role("button")).to_have_text(["Oui", "Non"])
    widget.click("Non")
    assert widget.current_question()["question_id"] == "type_collectivite"
    record = store.latest_for_sender(widget.sender())
    assert record.official is None
    assert store.answers(record.id)["nom_collectivite"].value == "Orange"
