"""A diagnostic with several voices in the browser: the coordinator creates the group from the
report, a colleague opens the invitation (the widget joins the group and asks the service), and
the group report passes axe-core. Screenshots: groupe-invitation.png, rapport-groupe.png."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import Stack, screenshot
from tests.browser.test_accessibility import finish_by_rest, no_serious_violation
from tests.browser.widget import Widget
from tests.servers import Servers

pytestmark = pytest.mark.browser


def finish_member(servers: Servers, sender: str, token: str, service: str, pick: int) -> None:
    """A member who joins by REST, says their service, and answers with the ``pick``-th choice."""
    messages = servers.say(sender, f"rejoindre le groupe {token}")
    messages = servers.say(sender, "/answer" + json.dumps({"choice": service}))
    for _ in range(60):
        customs = [m.get("custom") or {} for m in messages]
        if any(c.get("type") == "result" for c in customs):
            return
        question: dict[str, Any] = next(c for c in reversed(customs) if c.get("type") == "question")
        choices = [c["value"] for c in question.get("choices") or []]
        if choices:
            answer = "/answer" + json.dumps({"choice": choices[min(pick, len(choices) - 1)]})
        else:
            answer = str(max(question.get("minimum") or 1, 1500))
        messages = servers.say(sender, answer)
    raise AssertionError("the diagnostic did not end")


def test_the_invitation_in_the_widget_and_the_group_report(
    stack: Stack, new_context: Callable[..., BrowserContext], axe_source: str
) -> None:
    report_url = finish_by_rest(stack.servers, f"groupe-{uuid.uuid4().hex[:12]}")
    coordinator = new_context(bypass_csp=True).new_page()
    coordinator.goto(report_url)
    coordinator.get_by_role("button", name="Créer un diagnostic de groupe").click()
    box = coordinator.locator("section.group-box")
    expect(box.get_by_role("button", name="Clore le diagnostic de groupe")).to_be_visible()
    invitation_url = box.locator(".url").first.inner_text().strip()
    group_report_url = box.get_by_role("link").first.get_attribute("href")
    assert invitation_url.startswith(stack.web_url + "/groupe/") and group_report_url
    no_serious_violation(coordinator, axe_source)

    colleague = new_context(bypass_csp=True).new_page()
    colleague.goto(invitation_url)
    widget = Widget(colleague)
    widget.wait_for_reply(0)
    expect(widget.bot_messages.filter(has_text="jamais sous votre nom")).to_have_count(1)
    question = widget.current_question()
    assert question is not None and question["question_id"] == "service_groupe"
    expect(widget.choices.get_by_role("button", name="Numérique / DSI", exact=True)).to_be_visible()
    screenshot(colleague, "groupe-invitation.png")
    no_serious_violation(colleague, axe_source)
    widget.click("Numérique / DSI")
    assert widget.current_question()["axis"] is not None  # the usual role question is not asked
    # Reloading does not join twice: the conversation goes on.
    colleague.reload()
    widget.wait_for_reply(0)
    assert widget.current_question()["axis"] is not None

    token = invitation_url.rsplit("/", 1)[1]
    finish_member(stack.servers, f"groupe-{uuid.uuid4().hex[:12]}", token, "finances", pick=2)
    page = new_context(bypass_csp=True).new_page()
    page.goto(group_report_url)
    expect(page.locator("svg.radar .radar-contour")).to_have_count(2)
    expect(page.get_by_role("heading", name="Là où les services ne sont pas d'accord")).to_be_visible()
    screenshot(page, "rapport-groupe.png", full_page=True)
    no_serious_violation(page, axe_source)
