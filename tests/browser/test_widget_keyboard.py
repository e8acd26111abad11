"""The first questions of a diagnostic with the keyboard only, in the demo site's widget."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from bot.questionnaire import default_questionnaire
from tests.browser.conftest import Stack
from tests.browser.widget import Widget

pytestmark = pytest.mark.browser


def tab_to(page: Page, widget: Widget, text: str, backwards: bool = False, key: str = "text") -> None:
    """Press Tab (or Shift+Tab) until the focused element's ``key`` (text or id) is ``text``."""
    for _ in range(40):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = widget.focused() or {}
        if focused.get(key) == text:
            return
    raise AssertionError(f"« {text} » cannot be reached with the keyboard")


def test_keyboard_only_through_the_first_questions(stack: Stack, page: Page) -> None:
    page.goto(stack.demo_url + "/")
    widget = Widget(page)

    tab_to(page, widget, "💬Faire l'autodiagnostic")
    previous = widget.bot_messages.count()
    page.keyboard.press("Enter")
    widget.wait_for_reply(previous)
    assert widget.focused()["id"] == "dti-input", "opening the panel puts the focus in the text field"
    expect(widget.launcher).to_be_hidden()

    # The welcome offers a button: Shift+Tab from the text field reaches it.
    tab_to(page, widget, "Commencer le diagnostic", backwards=True)
    widget.act(lambda: page.keyboard.press("Enter"))
    assert widget.current_question()["question_id"] == "nom_collectivite"
    first = widget.focused()
    assert first["tag"] == "button" and "choice" in first["cls"], "after a button, focus goes to the new ones"

    # Name: typed. Tab from the only choice ("Passer") to the text field.
    tab_to(page, widget, "dti-input", key="id")
    page.keyboard.type("Ville du clavier")
    widget.act(lambda: page.keyboard.press("Enter"))
    assert widget.current_question()["question_id"] == "type_collectivite"
    assert widget.focused()["id"] == "dti-input", "after typing, the focus stays in the text field"

    # Type of authority: move to "Commune" with Tab and press Space.
    tab_to(page, widget, "Commune")
    widget.act(lambda: page.keyboard.press("Space"))
    assert widget.current_question()["question_id"] == "population"
    tab_to(page, widget, "dti-input", key="id")
    page.keyboard.type("3 500 habitants")
    widget.act(lambda: page.keyboard.press("Enter"))
    assert widget.current_question()["question_id"] == "nombre_agents"
    total = len(default_questionnaire().questions)
    expect(page.locator("dti-assistant .progress-text")).to_have_text(f"Question 4 sur {total}")

    # Escape closes the panel and gives the focus back to the launcher; Enter opens it again.
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    assert "launcher" in widget.focused()["cls"]
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    assert widget.focused()["id"] == "dti-input"
    expect(widget.user_messages).to_have_count(4)

    answers = stack.servers.export(widget.sender())["answers"]
    assert answers["type_collectivite"]["value"] == "commune"
    assert answers["nom_collectivite"]["value"] == "Ville du clavier"
    assert answers["population"]["value"] == 3500
