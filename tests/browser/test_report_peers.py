"""A report with the comparison with peers: axe-core, and nothing cut at 320 px; screenshots.

Ten comparable diagnostics are added to the stack's store with the repository (not
synthetic: the stack counts only real ones), then a diagnostic is finished through the REST
channel and its report opened on a desktop and on a 320 px wide screen.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from bot.demo_data import DemoAuthority, store_completed, synthetic_answers
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue
from bot.storage import DiagnosticStore
from tests.browser.conftest import Stack, screenshot
from tests.browser.test_accessibility import finish_by_rest, no_serious_violation

pytestmark = pytest.mark.browser


def _add_peers(stack: Stack, how_many: int = 10) -> None:
    """Intercommunalities of 1 000 to 3 499 inhabitants, as finish_by_rest answers (1 500)."""
    questionnaire, catalogue, rng = default_questionnaire(), default_catalogue(), random.Random(14)
    store = DiagnosticStore.from_url(stack.env["DIAGNOSTIC_DATABASE_URL"])
    try:
        for number in range(how_many):
            authority = DemoAuthority("intercommunalite", f"Pair {number}", 1_000 + 200 * number)
            answers = synthetic_answers(questionnaire, authority, rng)
            store_completed(store, questionnaire, catalogue, f"pair-navigateur-{uuid.uuid4().hex}", answers)
    finally:
        store.engine.dispose()


def test_report_with_peers(stack: Stack, new_context: Callable[..., BrowserContext], axe_source: str) -> None:
    _add_peers(stack)
    report_url = finish_by_rest(stack.servers, f"pairs-{uuid.uuid4().hex[:12]}")
    page = new_context(bypass_csp=True).new_page()
    page.goto(report_url)
    section = page.locator("section.peers")
    expect(section.get_by_role("heading", name="Vous et les collectivités comparables")).to_be_visible()
    chart = page.locator("svg.pairs-graphique")
    expect(chart).to_be_visible()
    expect(section.get_by_role("table")).to_contain_text("Rang centile")
    no_serious_violation(page, axe_source)
    screenshot(page, "rapport-pairs.png", full_page=True)

    small = new_context(bypass_csp=True, viewport={"width": 320, "height": 800}).new_page()
    small.goto(report_url)
    small_chart = small.locator("svg.pairs-graphique")
    small_chart.scroll_into_view_if_needed()
    box = small_chart.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320, box
    for text in small_chart.locator("text").all():
        text_box = text.bounding_box()
        assert text_box is not None and text_box["x"] >= 0 and text_box["x"] + text_box["width"] <= 320
    section_box = small.locator("section.peers").bounding_box()
    assert section_box is not None and section_box["x"] + section_box["width"] <= 320, "no sideways scrolling"
    no_serious_violation(small, axe_source)
    screenshot(small, "rapport-pairs-320.png", full_page=True)
