"""A slow Rasa in the widget (issue 11): "still working", a clear message, a retry stored once.

The widget talks to a door whose Rasa sits behind a proxy that holds each answer 10 s
(tests/slow_rasa.py); the door waits 7 s. The widget says it is still working (a polite
status) after 5 s, shows the door's French message with « Réessayer » at 7 s; the retry sends
the same message (same message id), gets the answer once it has come, and the answer is
stored once. Also: a double click on a button sends it once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Stack, web_app
from tests.browser.widget import Widget
from tests.servers import free_port
from tests.slow_rasa import SlowRasa

pytestmark = pytest.mark.browser


@pytest.fixture
def slow_door(stack: Stack, tmp_path) -> Iterator[tuple[str, SlowRasa]]:
    port = free_port()
    proxy = SlowRasa(stack.servers.rasa_url)
    door = f"http://127.0.0.1:{port}"
    env = stack.web_env(
        DIAGNOSTIC_WEB_PORT=str(port),
        DIAGNOSTIC_PUBLIC_URL=door,
        DIAGNOSTIC_RASA_URL=proxy.url,
        DIAGNOSTIC_RASA_TIMEOUT="7",
    )
    with proxy.running(), web_app(env, tmp_path / "web.log", f"{door}/api/health"):
        yield door, proxy


def test_a_slow_rasa_says_still_working_then_the_retry_stores_once(
    slow_door: tuple[str, SlowRasa], stack: Stack, page: Page
) -> None:
    door, proxy = slow_door
    page.goto(f"{door}/diagnostic")
    widget = Widget(page)
    widget.wait_for_reply(0)
    widget.click("Commencer le diagnostic")
    widget.type("Ville lente")  # the name first
    assert widget.current_question()["question_id"] == "type_collectivite"

    proxy.delay = 10.0
    commune = widget.choices.get_by_role("button", name="Commune", exact=True)
    commune.dblclick()  # a double click sends once: the buttons go as soon as one is pressed
    status = page.locator("dti-assistant [role=status]")
    expect(status).to_have_text(
        "L'assistant travaille toujours sur votre message, merci de patienter…", timeout=6_500
    )
    error = page.locator("dti-assistant .msg--error")
    expect(error).to_contain_text("L'assistant met trop de temps à répondre", timeout=8_000)
    expect(error).to_contain_text("pas perdu")
    expect(status).to_have_text("")
    retry = error.get_by_role("button", name="Réessayer")
    retry.click()
    expect(error).to_have_count(0)
    expect(widget.bot_messages.last).to_contain_text("Combien d'habitants", timeout=15_000)
    expect(widget.bot_messages.filter(has_text="C'est noté : Commune.")).to_have_count(1)
    assert widget.current_question()["question_id"] == "population"

    sender = widget.sender()
    sent = proxy.posted(sender=sender, question_id="type_collectivite")
    assert len(sent) == 1, sent  # neither the double click nor the retry sent it again
    answers = stack.servers.export(sender)["answers"]
    assert set(answers) == {"nom_collectivite", "type_collectivite"}
    assert answers["type_collectivite"]["value"] == "commune"
    assert answers["type_collectivite"]["revisions"] == []
    expect(widget.user_messages).to_have_text(
        ["Vous : Commencer le diagnostic", "Vous : Ville lente", "Vous : Commune"]
    )
