"""The widget on someone else's page: harmless to the host, loaded once, clear when Rasa is down."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from bot.questionnaire import default_questionnaire
from tests.browser.conftest import Stack, web_app
from tests.browser.widget import Widget
from tests.servers import free_port

pytestmark = pytest.mark.browser

HOST_STYLES = """() => {
    const pick = (el) => { const s = getComputedStyle(el);
        return [s.fontFamily, s.fontSize, s.color, s.backgroundColor, s.textTransform, s.margin,
                s.lineHeight]; };
    return ["body", "h1", "p", "main button", "header", "a"].map(sel => pick(document.querySelector(sel)));
}"""


def test_the_widget_does_not_restyle_the_host_page(
    stack: Stack, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context()
    bare = context.new_page()
    bare.route("**/widget.js", lambda route: route.abort())  # the same page without the widget
    bare.goto(stack.demo_url + "/")
    without_widget = bare.evaluate(HOST_STYLES)

    page = context.new_page()
    page.goto(stack.demo_url + "/")
    widget = Widget(page)
    # The host's heavy-handed styles (uppercase monospace buttons) do not reach the widget...
    styles = widget.launcher.evaluate(
        "b => [getComputedStyle(b).textTransform, getComputedStyle(b).fontFamily]"
    )
    assert styles[0] == "none" and "Courier" not in styles[1]
    widget.open()
    choice = page.locator("dti-assistant .choice").first
    assert choice.evaluate("b => getComputedStyle(b).textTransform") == "none"
    # ...and the widget changes nothing on the host page.
    assert page.evaluate(HOST_STYLES) == without_widget


def test_loading_the_script_twice_is_harmless(stack: Stack, page: Page) -> None:
    page.goto(stack.demo_url + "/")
    page.wait_for_function("() => customElements.get('dti-assistant') !== undefined")
    page.add_script_tag(url=f"{stack.web_url}/widget.js")
    page.add_script_tag(url=f"{stack.web_url}/widget.js")
    assert page.locator("dti-assistant").count() == 1
    expect(Widget(page).launcher).to_have_count(1)


def test_the_home_page_starts_a_full_page_chat(stack: Stack, page: Page) -> None:
    page.goto(stack.web_url + "/")
    page.get_by_role("link", name="Commencer le diagnostic").click()
    page.wait_for_url("**/diagnostic")
    widget = Widget(page)
    widget.wait_for_reply(0)
    expect(widget.panel).to_be_visible()
    expect(widget.launcher).to_have_count(0)
    widget.click("Commencer le diagnostic")
    assert widget.current_question()["question_id"] == "nom_collectivite"
    total = len(default_questionnaire().questions)
    expect(page.locator("dti-assistant .progress-text")).to_have_text(f"Question 1 sur {total}")


def test_rasa_down_shows_a_french_error_and_a_retry_button(stack: Stack, page: Page, tmp_path) -> None:
    port = free_port()
    env = stack.web_env(
        DIAGNOSTIC_WEB_PORT=str(port),
        DIAGNOSTIC_PUBLIC_URL=f"http://127.0.0.1:{port}",
        DIAGNOSTIC_RASA_URL=f"http://127.0.0.1:{free_port()}",  # nothing listens there
    )
    with web_app(env, tmp_path / "web.log", f"http://127.0.0.1:{port}/api/health"):
        page.goto(f"http://127.0.0.1:{port}/diagnostic")
        error = page.locator("dti-assistant .msg--error")
        expect(error).to_contain_text("L'assistant est momentanément indisponible")
        expect(error.get_by_role("button", name="Réessayer")).to_be_visible()
