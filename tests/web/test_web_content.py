"""The door's and the staff area's sentences (bot/content/web.yml) are all present and checked."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from bot.web_text import web_text


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
