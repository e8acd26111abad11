"""Sites that already embed the stock rasa-webchat 1.0.1 point it at the door (Socket.IO).

The set-up unpacks rasa-webchat from its local npm pack (var/npm-cache/, made by
scripts/install-browser.sh) into a temporary folder and serves a page that embeds it, with
``socketUrl`` = the door (never Rasa, which is private), on the origin the stack allows
(Stack.webchat_port). The page records every ``bot_uttered`` event through rasa-webchat's
``onSocketEvent`` option. The test completes a whole diagnostic through it, with buttons
and typed answers, following the question ids of the payloads; then checks that every
question's payload and the result's arrived inside ``bot_uttered`` (under
``metadata.custom``), that the answers were stored, and that no server logged a traceback.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.questionnaire import default_questionnaire
from tests.browser.conftest import Stack, npm_file
from tests.browser.test_widget_diagnostic import PLAN, assert_stored_as_planned
from tests.servers import running

pytestmark = pytest.mark.browser

PAGE = """<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>Site qui utilise rasa-webchat</title></head>
<body>
  <h1>Un site qui utilise déjà rasa-webchat</h1>
  <div id="webchat"></div>
  <script src="rasa-webchat.js"></script>
  <script>
    window.botUttered = [];
    WebChat.default({
      socketUrl: SOCKET_URL,
      socketPath: "/socket.io/",
      initPayload: "bonjour",
      title: "Autodiagnostic territoire intelligent",
      inputTextFieldHint: "Votre réponse",
      embedded: true,
      customMessageDelay: function () { return 0; },
      onSocketEvent: {bot_uttered: function (event) { window.botUttered.push(event); }},
      params: {storage: "session"}
    }, document.getElementById("webchat"));
  </script>
</body>
</html>
"""
# The payloads received so far (metadata.custom of each bot_uttered that has one).
_CUSTOMS = "() => window.botUttered.filter(e => e.metadata && e.metadata.custom).map(e => e.metadata.custom)"
_MORE_CUSTOMS = "(seen) => window.botUttered.filter(e => e.metadata && e.metadata.custom).length > seen"


@dataclass
class Run:
    session_id: str
    questions: list[dict[str, Any]]
    result: dict[str, Any]
    events: list[dict[str, Any]]
    exported: dict[str, Any]
    websockets: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def webchat_site(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A page embedding rasa-webchat 1.0.1 (unpacked here), on the origin the door allows."""
    tmp_path = tmp_path_factory.mktemp("webchat")
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "rasa-webchat.js").write_bytes(npm_file("rasa-webchat", "lib/index.js"))
    (folder / "index.html").write_text(PAGE.replace("SOCKET_URL", json.dumps(stack.web_url)))
    port = stack.webchat_port
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    command += ["--directory", str(folder)]
    url = f"http://127.0.0.1:{port}/index.html"
    with running(command, stack.env, tmp_path / "site.log", url):
        yield url


def bot_says(page: Page, text: str) -> None:
    expect(page.locator(".rw-response").filter(has_text=text).last).to_be_visible(timeout=60_000)


def next_payload(page: Page, seen: int) -> tuple[dict[str, Any], int]:
    """Waits for the next question or result payload; returns it and how many payloads came."""
    while True:
        page.wait_for_function(_MORE_CUSTOMS, arg=seen, timeout=60_000)
        customs = page.evaluate(_CUSTOMS)
        seen = len(customs)
        if customs[-1].get("type") in ("question", "result"):
            return customs[-1], seen


def click(page: Page, label: str) -> None:
    exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
    page.locator(".rw-reply").filter(has_text=exact).last.click()


def type_answer(page: Page, text: str) -> None:
    field = page.locator(".rw-new-message")
    field.fill(text)
    field.press("Enter")


def answer(page: Page, question_id: str) -> None:
    how, what, _ = PLAN[question_id]
    if how == "click":
        click(page, what)
    elif how == "check":  # rasa-webchat has no checkboxes: the labels are typed
        question = default_questionnaire().question(question_id)
        type_answer(page, ", ".join(question.label_of(code) for code in what))
    else:
        type_answer(page, what)


@pytest.fixture(scope="module")
def run(webchat_site: str, stack: Stack, browser: Browser) -> Iterator[Run]:
    """The whole diagnostic in rasa-webchat, done once for the tests of this module."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 860})
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        websockets: list[str] = []
        page.on("websocket", lambda ws: websockets.append(ws.url))
        page.goto(webchat_site)
        bot_says(page, "autodiagnostic")
        click(page, "Commencer le diagnostic")
        questions: list[dict[str, Any]] = []
        seen = 0
        for _ in range(len(PLAN) + 5):
            payload, seen = next_payload(page, seen)
            if payload["type"] == "result":
                break
            questions.append(payload)
            answer(page, payload["question_id"])
        else:
            raise AssertionError("the diagnostic did not end")
        bot_says(page, "/rapport/")
        session = page.evaluate("() => JSON.parse(sessionStorage.getItem('chat_session') || '{}')")
        yield Run(
            session_id=session["session_id"],
            questions=questions,
            result=payload,
            events=page.evaluate("() => window.botUttered"),
            exported=stack.servers.export(session["session_id"]),
            websockets=websockets,
        )
    finally:
        context.close()


def test_rasa_webchat_completes_a_whole_diagnostic_through_the_door(run: Run, stack: Stack) -> None:
    # Every question came with its payload, in order, once each (none asked again).
    asked = [question["question_id"] for question in run.questions]
    assert asked == [q.id for q in default_questionnaire().questions if q.id in set(asked)]
    assert set(asked) == set(PLAN)
    assert [question["position"] for question in run.questions] == sorted(
        q["position"] for q in run.questions
    )
    # The result's payload arrived, with the report's address built on the door's public URL.
    assert run.result["report_url"].startswith(f"{stack.web_url}/rapport/")
    assert set(run.result["maturity"]) >= {"overall", "axes"}
    # Rendered by stock rasa-webchat: the events it renders as buttons have no other key.
    for event in run.events:
        assert set(event) <= {"text", "quick_replies", "metadata"}
        assert set(event.get("metadata") or {}) <= {"custom"}
    assert any(event.get("quick_replies") for event in run.events)
    # The door issued the conversation id, and the answers landed in it.
    assert re.fullmatch(r"[0-9a-f]{48}", run.session_id)
    assert_stored_as_planned(run.exported)
    # Chromium upgraded to WebSocket on the door itself.
    assert any(url.startswith(stack.web_url.replace("http", "ws") + "/socket.io/") for url in run.websockets)


def test_no_server_logged_a_traceback(run: Run, stack: Stack) -> None:
    logs = sorted(stack.folder.glob("*.log"))
    assert {log.name for log in logs} >= {"web.log", "rasa.log", "actions.log"}
    for log in logs:
        text = log.read_text(errors="replace")
        assert "Traceback" not in text, f"{log.name}:\n{text[-3000:]}"
        assert "unexpected keyword argument" not in text, log.name
