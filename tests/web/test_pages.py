"""Public pages, the widget's files and the French error pages."""

from __future__ import annotations

import html

from starlette.testclient import TestClient

from bot.questionnaire import default_questionnaire
from bot.settings import load_settings
from bot.web.demo import create_demo_app
from bot.web.templating import STATIC_DIR


def test_home_page_says_what_how_long_what_you_get_and_privacy(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert '<html lang="fr">' in page
    assert f"{len(default_questionnaire().questions)} questions, environ 15 minutes" in page
    assert "Ce que vous obtenez" in page
    assert 'id="confidentialite"' in page and "Données personnelles" in page
    assert '<a class="button button--large" href="/diagnostic">Commencer le diagnostic</a>' in page
    assert "https://diagnostic.example.fr/widget.js" in page, "the embedding snippet uses the public address"


def test_the_chat_page_holds_the_widget_in_page_mode(client: TestClient) -> None:
    page = client.get("/diagnostic").text
    assert '<dti-assistant data-mode="page"></dti-assistant>' in page
    assert '<script src="/widget.js" data-mode="page" async></script>' in page
    assert "<noscript>" in page


def test_pages_carry_a_strict_security_policy(client: TestClient) -> None:
    response = client.get("/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_widget_files_can_be_embedded_anywhere(client: TestClient) -> None:
    script = client.get("/widget.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "content-security-policy" not in script.headers
    style = client.get("/widget.css")
    assert style.headers["content-type"].startswith("text/css")
    assert client.get("/static/widget.js").text == script.text


def test_the_site_files_are_always_sent_whole_whatever_the_range_header(client: TestClient) -> None:
    whole = (STATIC_DIR / "widget.js").read_bytes()
    for path in ("/widget.js", "/static/widget.js"):
        for value in ("", "bytes=0-9", "bytes=9-0", "lignes=1-2", "bytes=999999999-"):
            response = client.get(path, headers={"Range": value})
            assert (response.status_code, response.content) == (200, whole), (path, value)
            assert "content-range" not in response.headers


def test_health(client: TestClient) -> None:
    assert client.get("/api/health").json() == {"status": "ok", "rasa": "ok", "tracker_store": "ok"}


def test_unknown_pages_get_a_french_404(client: TestClient) -> None:
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in response.text
    assert client.get("/api/rien").json()["error"] == "introuvable"


def test_wrong_methods_get_a_405(client: TestClient) -> None:
    response = client.post("/", content=b"x")
    assert response.status_code == 405
    assert "Cette adresse n'accepte pas" in html.unescape(response.text)


def test_the_demo_site_embeds_the_widget_with_one_tag() -> None:
    settings = load_settings({"DIAGNOSTIC_PUBLIC_URL": "http://127.0.0.1:8000"})
    with TestClient(create_demo_app(settings)) as demo:
        for path in ("/", "/demarches"):
            page = demo.get(path).text
            assert page.count("<script") == 1
            assert '<script src="http://127.0.0.1:8000/widget.js" data-title=' in page
