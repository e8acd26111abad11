"""The report page and its JSON sibling, read from the store."""

from __future__ import annotations

import html
import re

import pytest
from starlette.testclient import TestClient

from bot.questionnaire import default_questionnaire
from bot.storage import DiagnosticStore
from tests.web.conftest import NAME_WITH_HTML, finished_diagnostic


def test_the_report_shows_everything_stored(client: TestClient, store: DiagnosticStore) -> None:
    record = finished_diagnostic(store)
    result = store.result(record.id)
    response = client.get(f"/rapport/{record.public_id}")
    assert response.status_code == 200
    page = response.text
    overall = result["maturity"]["overall"]
    assert f"<strong>{overall['level_name']}</strong>" in page
    assert f"Niveau {overall['level']} sur 5" in page
    for axis in result["maturity"]["axes"].values():
        assert axis["label"] in page
    top = result["recommendation"]["top"]
    for text in (top["title"], top["summary"], top["first_step"], *top["reasons"]):
        assert _escaped(text) in page
    for fact in top["facts"]:
        assert _escaped(fact["source"]) in page
    alternatives = result["recommendation"]["alternatives"]
    assert len(alternatives) == 2
    for alternative in alternatives:
        assert _escaped(alternative["title"]) in page
    assert "Deux autres pistes" in page
    assert "25 novembre 2026 à 18 h 05" in page, "completion date, Paris time"
    assert "12\u202f000 habitants" in page


def test_the_report_lists_the_answers_given(client: TestClient, store: DiagnosticStore) -> None:
    record = finished_diagnostic(store)
    page = client.get(f"/rapport/{record.public_id}").text
    for question in default_questionnaire().questions:
        assert _escaped(question.text) in page, question.id
    assert "Je ne sais pas" in page
    assert "Question passée" in page
    assert "Commune" in page


def test_the_radar_is_inline_svg_with_a_text_alternative(client: TestClient, store: DiagnosticStore) -> None:
    record = finished_diagnostic(store)
    page = client.get(f"/rapport/{record.public_id}").text
    svg = re.search(r"<svg[^>]*>.*?</svg>", page, re.S)
    assert svg is not None
    assert 'role="img"' in svg.group(0)
    assert "<desc" in svg.group(0) and "Stratégie et gouvernance" in svg.group(0)
    assert "<table" in page and "Score de chaque axe" in page


def test_people_s_text_is_escaped(client: TestClient, store: DiagnosticStore) -> None:
    record = finished_diagnostic(store)
    page = client.get(f"/rapport/{record.public_id}").text
    assert NAME_WITH_HTML not in page
    assert "Mairie &lt;script&gt;alert(1)&lt;/script&gt; &amp; Cie" in page


def test_the_stored_result_is_the_truth(client: TestClient, store: DiagnosticStore) -> None:
    record = finished_diagnostic(store)
    result = store.result(record.id)
    maturity = result["maturity"]
    maturity["overall"].update(score=12.3, level=1, level_name="Découverte")
    store.save_result(record.id, maturity, result["recommendation"])
    page = client.get(f"/rapport/{record.public_id}").text
    assert "<strong>12,3</strong> sur 100" in page
    assert "<strong>Découverte</strong>" in page


def test_the_json_sibling_has_the_same_report(client: TestClient, store: DiagnosticStore) -> None:
    record = finished_diagnostic(store)
    result = store.result(record.id)
    response = client.get(f"/rapport/{record.public_id}.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert data["diagnostic_id"] == record.public_id
    assert data["report_url"] == f"https://diagnostic.example.fr/rapport/{record.public_id}"
    assert data["maturity"] == result["maturity"]
    assert data["recommendation"] == result["recommendation"]
    assert [a["question_id"] for a in data["answers"]] == [q.id for q in default_questionnaire().questions]
    unknown = next(a for a in data["answers"] if a["question_id"] == "donnees_outils_ouverts")
    assert (unknown["status"], unknown["display"]) == ("unknown", "Je ne sais pas")
    assert "sender_id" not in data and record.sender_id not in response.text, (
        "the conversation id stays secret"
    )


def test_the_report_links_its_json_and_is_kept_private(client: TestClient, store: DiagnosticStore) -> None:
    record = finished_diagnostic(store)
    response = client.get(f"/rapport/{record.public_id}")
    assert f'href="/rapport/{record.public_id}.json"' in response.text
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_the_report_prints_on_a4(client: TestClient) -> None:
    css = client.get("/static/report.css").text
    assert "size: A4" in css and "@media print" in css


@pytest.mark.parametrize(
    "public_id",
    ["inconnu-mais-bien-forme-0123456789", "court", "a" * 65, "id avec espace", "x.y"],
)
def test_unknown_reports_are_a_french_404(client: TestClient, public_id: str) -> None:
    page = client.get(f"/rapport/{public_id}")
    assert page.status_code == 404
    assert "Ce rapport n'existe pas" in html.unescape(page.text)
    assert '<html lang="fr">' in page.text
    data = client.get(f"/rapport/{public_id}.json")
    assert data.status_code == 404
    assert data.json()["error"] == "introuvable"


def test_a_path_outside_the_reports_is_a_french_404_too(client: TestClient) -> None:
    page = client.get("/rapport/..%2F..%2Fetc%2Fpasswd")
    assert page.status_code == 404
    assert "Cette page n'existe pas" in html.unescape(page.text)


def test_an_unfinished_diagnostic_has_no_report_yet(client: TestClient, store: DiagnosticStore) -> None:
    record = store.create("en-cours-0001")
    store.save_answer(record.id, "type_collectivite", "commune", "answered", "une commune")
    assert client.get(f"/rapport/{record.public_id}").status_code == 404
    assert client.get(f"/rapport/{record.public_id}.json").status_code == 404


def _escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )
