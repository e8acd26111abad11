"""axe-core (local copy) on the home page, the open widget and the report; screenshots for people.

The screenshots land in screenshots/ (git-ignored), named in the README.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import Stack, axe_violations, screenshot
from tests.browser.widget import Widget
from tests.servers import Servers

pytestmark = pytest.mark.browser


def finish_by_rest(servers: Servers, sender: str) -> str:
    """A whole diagnostic through the REST channel with buttons' codes; returns the report address."""
    messages = servers.say(sender, "/start_diagnostic")
    for _ in range(60):
        customs = [m.get("custom") or {} for m in messages]
        result = next((c for c in customs if c.get("type") == "result"), None)
        if result is not None:
            return result["report_url"]
        question = next(c for c in reversed(customs) if c.get("type") == "question")
        messages = servers.say(sender, _answer_for(question))
    raise AssertionError("the diagnostic did not end")


def _answer_for(question: dict[str, Any]) -> str:
    choices = [c["value"] for c in question.get("choices") or []]
    if choices:
        picked = choices[:2] if question["multiple"] else choices[min(1, len(choices) - 1)]
        codes = ",".join(picked) if isinstance(picked, list) else picked
        return '/answer{"choice": "' + codes + '"}'
    if question["answer_type"] == "nombre":
        return str(max(question.get("minimum") or 1, 1500))
    return "Commune de l'accessibilité"


def no_serious_violation(page: Page, axe_source: str) -> None:
    violations = axe_violations(page, axe_source)
    report = "\n".join(f"{v['id']} ({v['impact']}): {v['help']}\n  {v['nodes']}" for v in violations)
    assert not violations, report


def test_home_page(stack: Stack, new_context: Callable[..., BrowserContext], axe_source: str) -> None:
    page = new_context(bypass_csp=True).new_page()
    page.goto(stack.web_url + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "accueil.png", full_page=True)
    no_serious_violation(page, axe_source)


def test_open_widget(stack: Stack, new_context: Callable[..., BrowserContext], axe_source: str) -> None:
    page = new_context().new_page()
    page.goto(stack.demo_url + "/")
    widget = Widget(page)
    widget.open()
    widget.click("Commencer le diagnostic")
    widget.type("Ville accessible")
    expect(widget.choices.get_by_role("button", name="Commune")).to_be_visible()
    screenshot(page, "widget-ouvert.png")
    no_serious_violation(page, axe_source)
    widget.type("une commune")
    widget.type("12000")
    widget.type("150")
    widget.type("je suis DST")
    no_serious_violation(page, axe_source)


def test_full_page_chat(stack: Stack, new_context: Callable[..., BrowserContext], axe_source: str) -> None:
    page = new_context(bypass_csp=True).new_page()
    page.goto(stack.web_url + "/diagnostic")
    Widget(page).wait_for_reply(0)
    screenshot(page, "diagnostic-pleine-page.png")
    no_serious_violation(page, axe_source)


def test_report(stack: Stack, new_context: Callable[..., BrowserContext], axe_source: str) -> None:
    report_url = finish_by_rest(stack.servers, f"a11y-{uuid.uuid4().hex[:12]}")
    page = new_context(bypass_csp=True).new_page()
    page.goto(report_url)
    expect(page.locator("svg.radar")).to_be_visible()
    no_serious_violation(page, axe_source)


def test_error_pages(stack: Stack, new_context: Callable[..., BrowserContext], axe_source: str) -> None:
    page = new_context(bypass_csp=True).new_page()
    response = page.goto(stack.web_url + "/rapport/inconnu-0123456789abcdef")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    no_serious_violation(page, axe_source)
