"""The door's and the staff area's sentences (bot/content/web.yml) are all present and checked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from bot.messages import MessagesError, load_messages
from bot.web_text import REQUIRED_WEB_MESSAGES, WEB_MESSAGES_PATH, web_messages, web_text


def test_the_file_loads_with_every_sentence() -> None:
    messages = web_messages()
    for key, fields in REQUIRED_WEB_MESSAGES.items():
        text = messages.say(key, **{name: "X" for name in fields})
        assert text and "{" not in text, key


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("error_404"), "phrase manquante : error_404"),
        (lambda d: d.update(too_large="Trop gros ({taille} octets)."), "paramètre inconnu taille"),
        (lambda d: d.update(extra="Bonjour"), "inutilisées : extra"),
        (lambda d: d.update(error_400="Requête {"), "accolade"),
    ],
)
def test_broken_files_are_refused(tmp_path: Path, change, message: str) -> None:
    data = yaml.safe_load(WEB_MESSAGES_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "web.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MessagesError, match=message):
        load_messages(path, REQUIRED_WEB_MESSAGES)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def test_door_errors_carry_the_sentences_of_the_file(client: TestClient) -> None:
    assert client.get("/api/rien").json()["message"] == web_text("error_404")
    page = client.get("/rien")
    assert page.status_code == 404
    assert web_text("title_404") in page.text
    response = client.post("/api/messages", content=b"{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["message"] == web_text("invalid_json")
