"""Repeating a diagnostic through the door: the report's form, the REST way, the progress report,
the export, and the six-month reminder (.ics)."""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime, timezone

from starlette.testclient import TestClient

from bot.__main__ import main as cli
from bot.progress import FIRST_ACTION_QUESTION
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue, recommend
from bot.records import REPEAT_SOURCE
from bot.repeat import start_repeat
from bot.scoring import compute_maturity
from bot.storage import DiagnosticStore
from bot.web.conversation_ids import conversation_key, is_issued
from bot.web.reminder import months_later
from tests.web.conftest import finished_diagnostic

JSON = {"Content-Type": "application/json"}


def finished_repeat(store: DiagnosticStore, sender: str = "refait-1"):
    """A repeat of ``finished_diagnostic`` finished as the engine does: the first action started
    in part, every yes / partly / no question answered "oui", the rest kept ("toujours vrai")."""
    questionnaire = default_questionnaire()
    previous = finished_diagnostic(store)
    record = start_repeat(store, questionnaire, previous.public_id, sender)
    store.save_answer(record.id, FIRST_ACTION_QUESTION, "en_partie", "answered", "en partie")
    earlier = store.answers(previous.id)
    for question in questionnaire.questions:
        if question.is_profile:
            continue
        if question.answer_type == "oui_partiel_non":
            store.save_answer(record.id, question.id, "oui", "answered", "oui")
        else:
            kept = earlier[question.id]
            store.save_answer(record.id, question.id, kept.value, kept.status, None, source=REPEAT_SOURCE)
    answers = store.answers(record.id)
    maturity = compute_maturity(questionnaire, answers)
    store.save_result(
        record.id, maturity.to_dict(), recommend(default_catalogue(), questionnaire, answers).to_dict()
    )
    completed = datetime(2027, 5, 25, 9, 0, tzinfo=timezone.utc)
    store.update_state(record.id, status="termine", current_question_id=None, completed_at=completed)
    return previous, store.get(record.id)


def test_the_report_offers_to_repeat_and_a_reminder(client: TestClient, store: DiagnosticStore) -> None:
    record = finished_diagnostic(store)
    page = client.get(f"/rapport/{record.public_id}").text
    assert f'action="/rapport/{record.public_id}/refaire"' in page
    assert f'href="/rapport/{record.public_id}/rappel.ics"' in page
    assert "Votre progression" not in page  # a first diagnostic has no progress


def test_the_form_starts_a_repeat_in_a_new_conversation(client: TestClient, store: DiagnosticStore) -> None:
    previous = finished_diagnostic(store)
    response = client.post(f"/rapport/{previous.public_id}/refaire", follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/diagnostic#conversation=")
    sender = location.split("=", 1)[1]
    assert is_issued(conversation_key(client.app.state.settings), sender)
    repeat = store.latest_for_sender(sender)
    assert repeat.previous_diagnostic_id == previous.id
    assert repeat.current_question_id == FIRST_ACTION_QUESTION
    assert repeat.authority_name == previous.authority_name


def test_a_rest_client_starts_a_repeat(client: TestClient, store: DiagnosticStore) -> None:
    previous = finished_diagnostic(store)
    response = client.post("/api/repeat", json={"report": previous.public_id})
    assert response.status_code == 201
    body = response.json()
    assert body["previous_diagnostic_id"] == previous.public_id
    assert store.latest_for_sender(body["sender"]).previous_diagnostic_id == previous.id


def test_bad_repeat_requests_get_a_french_message_and_create_nothing(
    client: TestClient, store: DiagnosticStore
) -> None:
    running = store.create("en-cours")
    cases = [
        (client.post("/api/repeat", json={"report": running.public_id}), 404),
        (client.post("/api/repeat", json={"report": "inconnu" * 5}), 404),
        (client.post("/api/repeat", json={"rapport": "x"}), 400),
        (client.post("/api/repeat", content=b"pas du json", headers=JSON), 400),
        (client.post("/api/repeat", content=b"report=x", headers={"Content-Type": "text/plain"}), 415),
    ]
    for response, status in cases:
        assert response.status_code == status
        assert response.json()["message"]
    page = client.post(f"/rapport/{running.public_id}/refaire", follow_redirects=False)
    assert page.status_code == 404 and "pas encore terminé" in html.unescape(page.text)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM diagnostics").scalar() == 1


def test_the_report_of_a_repeat_shows_the_progress(client: TestClient, store: DiagnosticStore) -> None:
    previous, record = finished_repeat(store)
    then, now = store.result(previous.id)["maturity"], store.result(record.id)["maturity"]
    page = client.get(f"/rapport/{record.public_id}").text
    assert "Votre progression depuis le diagnostic précédent" in page
    assert f'href="/rapport/{previous.public_id}"' in page
    chart = re.search(r'<svg[^>]*class="progression".*?</svg>', page, re.S)
    assert chart is not None and 'role="img"' in chart.group(0) and "<desc" in chart.group(0)
    table = re.search(r'<table class="axes-table progression-table">.*?</table>', page, re.S).group(0)
    for axis_id, axis in now["axes"].items():
        assert html.escape(axis["label"]) in table
        delta = round(axis["score"] - then["axes"][axis_id]["score"], 1)
        shown = f"{delta:+.1f}".replace(".", ",").removesuffix(",0")
        assert f"<td>{shown if delta else '0'}</td>" in table, axis_id
    title = store.result(previous.id)["recommendation"]["top"]["title"]
    assert f"{html.escape(title)}" in page and "vous l'avez engagée en partie" in page
    changes = re.search(r'<table class="answers-table changes-table">.*?</table>', page, re.S).group(0)
    earlier = store.answers(previous.id)
    changed = [
        q
        for q in default_questionnaire().questions
        if q.answer_type == "oui_partiel_non" and earlier[q.id].value != "oui"
    ]
    assert changes.count("<tr>") - 1 == len(changed)


def test_the_json_report_and_the_export_carry_the_progress(
    client: TestClient, store: DiagnosticStore, capsys, tmp_path
) -> None:
    previous, record = finished_repeat(store)
    body = client.get(f"/rapport/{record.public_id}.json").json()
    assert body["previous_diagnostic_id"] == previous.public_id
    progress = body["progress"]
    assert progress["overall"]["delta"] > 0
    assert progress["first_action"]["status"] == "en_partie" and progress["first_action"]["moved"] is True
    assert client.get(f"/rapport/{previous.public_id}.json").json()["progress"] is None

    url = str(store.engine.url)
    assert cli(["--database-url", url, "export", record.sender_id]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["previous_diagnostic_id"] == previous.public_id
    assert exported["progress"]["axes"] == progress["axes"]


def test_the_reminder_is_a_calendar_file_six_months_later(client: TestClient, store: DiagnosticStore) -> None:
    record = finished_diagnostic(store)
    client.app.state.clock = lambda: datetime(2026, 8, 31, 22, 30, tzinfo=timezone.utc)
    response = client.get(f"/rapport/{record.public_id}/rappel.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    assert "DTSTART;VALUE=DATE:20270228\r\n" in unfolded  # 31 August + 6 months: the last day of February
    assert "DTSTAMP:20260831T223000Z" in unfolded
    link = f"https://diagnostic.example.fr/rapport/{record.public_id}"
    assert f"URL:{link}\r\n" in unfolded
    assert link in unfolded.split("DESCRIPTION:", 1)[1]
    assert "SUMMARY:Refaire l'autodiagnostic « territoire intelligent »" in unfolded
    running = store.create("pas-fini")
    assert client.get(f"/rapport/{running.public_id}/rappel.ics").status_code == 404


def test_months_later() -> None:
    assert months_later(date(2026, 12, 3), 6) == date(2027, 6, 3)
    assert months_later(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert months_later(date(2027, 8, 31), 6) == date(2028, 2, 29)
