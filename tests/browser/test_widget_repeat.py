"""Repeating a diagnostic in the browser (issue 14): the report's "Refaire le diagnostic" button
opens the chat page on a new conversation linked to the earlier diagnostic; each question shows
the earlier answer and a "Toujours vrai" button; the repeat's report shows the progress.
Screenshots: screenshots/repetition-toujours-vrai.png, screenshots/rapport-progression.png and
screenshots/rapport-progression-320.png."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from bot.progress import FIRST_ACTION_QUESTION
from bot.records import REPEAT_SOURCE
from bot.storage import DiagnosticStore
from tests.browser.conftest import Stack, screenshot
from tests.browser.widget import Widget
from tests.web.conftest import finished_diagnostic

pytestmark = pytest.mark.browser

KEEP = "Toujours vrai"
CHANGED = "strategie_portage_politique"


def test_the_repeat_flow_with_toujours_vrai_buttons(stack: Stack, page: Page, store: DiagnosticStore) -> None:
    previous = finished_diagnostic(store, f"navigateur-precedent-{uuid.uuid4().hex[:8]}")
    page.goto(f"{stack.web_url}/rapport/{previous.public_id}")
    page.get_by_role("button", name="Refaire le diagnostic").click()
    page.wait_for_url(re.compile(r"/diagnostic$"))  # the conversation id is taken from the address
    widget = Widget(page)
    expect(widget.bot_messages.first).to_contain_text("Je reprends le profil de votre collectivité")
    expect(widget.choices.get_by_role("button")).to_have_text(["Oui", "En partie", "Non", "Je ne sais pas"])
    record = store.latest_for_sender(widget.sender())
    assert record.previous_diagnostic_id == previous.id
    widget.click("En partie")

    earlier = store.answers(previous.id)
    expect(widget.bot_messages.last).to_contain_text("La dernière fois, vous aviez répondu")
    expect(widget.choices.get_by_role("button").first).to_have_text(KEEP)
    screenshot(page, "repetition-toujours-vrai.png")
    for _ in range(40):
        question = widget.current_question()
        if question is None:
            break
        buttons = widget.choices.get_by_role("button")
        titles = buttons.all_inner_texts()
        if question["question_id"] == CHANGED:
            widget.click("Non" if earlier[CHANGED].value != "non" else "Oui")
        elif KEEP in titles:
            widget.click(KEEP)
        elif "Oui" in titles:  # "je ne sais pas" last time: nothing to keep
            widget.click("Oui")
        else:  # passed last time
            widget.click("Passer")
    expect(widget.bot_messages.last).to_contain_text("/rapport/")

    answers = store.answers(record.id)
    assert answers[FIRST_ACTION_QUESTION].value == "en_partie"
    assert answers[CHANGED].source is None and answers[CHANGED].value != earlier[CHANGED].value
    kept = [qid for qid, answer in answers.items() if answer.source == REPEAT_SOURCE]
    assert "citoyens_attentes" in kept, "kept on a multiple-choice question too"
    for question_id in kept:
        assert answers[question_id].value == earlier[question_id].value, question_id

    page.goto(f"{stack.web_url}/rapport/{record.public_id}")
    expect(
        page.get_by_role("heading", name="Votre progression depuis le diagnostic précédent")
    ).to_be_visible()
    expect(page.locator("svg.progression")).to_be_visible()
    expect(page.locator("table.progression-table tbody tr")).to_have_count(6)
    screenshot(page, "rapport-progression.png", full_page=True)
    page.set_viewport_size({"width": 320, "height": 800})
    section = page.locator("section.progression")
    section.scroll_into_view_if_needed()
    # The chart and both tables fit the width of the section: nothing is cut at 320 px.
    overflowing = page.evaluate(
        """() => {
            const section = document.querySelector("section.progression");
            const right = section.getBoundingClientRect().right;
            return [...section.querySelectorAll("svg, table, .axes-layout")]
                .filter(e => e.getBoundingClientRect().right > right + 1 || e.scrollWidth > e.clientWidth + 1)
                .map(e => e.tagName + "." + e.getAttribute("class"));
        }"""
    )
    assert overflowing == []
    section.screenshot(path=str(screenshot(page, "rapport-progression-320.png")))
