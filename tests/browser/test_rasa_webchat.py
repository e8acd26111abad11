"""Sites that already embed the stock rasa-webchat 1.0.1 can point it at the assistant (Socket.IO).

The set-up unpacks rasa-webchat from its local npm pack (var/npm-cache/, made by
scripts/install-browser.sh) into a temporary folder, serves a page that embeds it, and
completes the first questions of a diagnostic through it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Stack, npm_file
from tests.servers import free_port, running

pytestmark = pytest.mark.browser

PAGE = """<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>Site qui utilise rasa-webchat</title></head>
<body>
  <h1>Un site qui utilise déjà rasa-webchat</h1>
  <div id="webchat"></div>
  <script src="rasa-webchat.js"></script>
  <script>
    WebChat.default({
      socketUrl: SOCKET_URL,
      socketPath: "/socket.io/",
      initPayload: "bonjour",
      title: "Autodiagnostic territoire intelligent",
      inputTextFieldHint: "Votre réponse",
      embedded: true,
      customMessageDelay: function () { return 0; },
      params: {storage: "session"}
    }, document.getElementById("webchat"));
  </script>
</body>
</html>
"""


@pytest.fixture
def webchat_site(stack: Stack, tmp_path: Path) -> Iterator[str]:
    """A page embedding rasa-webchat 1.0.1 (unpacked here), on its own port."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "rasa-webchat.js").write_bytes(npm_file("rasa-webchat", "lib/index.js"))
    (folder / "index.html").write_text(PAGE.replace("SOCKET_URL", json.dumps(stack.servers.rasa_url)))
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    command += ["--directory", str(folder)]
    url = f"http://127.0.0.1:{port}/index.html"
    with running(command, stack.env, tmp_path / "site.log", url):
        yield url


def bot_says(page: Page, text: str) -> None:
    expect(page.locator(".rw-response").filter(has_text=text).last).to_be_visible(timeout=60_000)


def test_rasa_webchat_completes_the_first_questions_over_socketio(
    webchat_site: str, stack: Stack, page: Page
) -> None:
    page.goto(webchat_site)
    bot_says(page, "autodiagnostic")
    page.locator(".rw-reply", has_text="Commencer le diagnostic").last.click()
    bot_says(page, "collectivité")
    page.locator(".rw-reply", has_text="Commune").last.click()
    bot_says(page, "C'est noté : Commune")

    field = page.locator(".rw-new-message")
    field.fill("Ville de rasa-webchat")
    field.press("Enter")
    bot_says(page, "Ville de rasa-webchat")
    field.fill("environ douze mille habitants")
    field.press("Enter")
    bot_says(page, "12 000")

    session = page.evaluate("() => JSON.parse(sessionStorage.getItem('chat_session') || '{}')")
    exported = stack.servers.export(session["session_id"])
    assert exported["answers"]["type_collectivite"]["value"] == "commune"
    assert exported["answers"]["nom_collectivite"]["value"] == "Ville de rasa-webchat"
    assert exported["answers"]["population"]["value"] == 12000
    assert exported["current_question_id"] == "nombre_agents"
