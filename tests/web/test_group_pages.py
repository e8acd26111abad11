"""Group diagnostics at the door: the report page's box, the invitation, the group report, closing."""

from __future__ import annotations

import html
from datetime import datetime, timezone

from starlette.testclient import TestClient

from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue, recommend
from bot.scoring import compute_maturity
from bot.storage import DiagnosticStore
from bot.storage.groups import GroupStore
from tests.web.conftest import NAME_WITH_HTML, finished_diagnostic

Q = default_questionnaire()
OPPOSITE = {"oui": "non", "non": "oui", "en_partie": "en_partie"}


def finish_member(store: DiagnosticStore, group_id: int, sender: str, role: str, like: int) -> None:
    """A member who answers the opposite of diagnostic ``like`` on every yes/no question."""
    groups = GroupStore(store)
    member = groups.join(group_id, sender)
    groups.set_role(member.id, role)
    given = store.answers(member.id)
    for question_id, answer in store.answers(like).items():
        if question_id in given or question_id == "role_repondant":
            continue
        value = OPPOSITE.get(answer.value, answer.value) if isinstance(answer.value, str) else answer.value
        store.save_answer(member.id, question_id, value, answer.status, None)
    answers = store.answers(member.id)
    maturity = compute_maturity(Q, answers).to_dict()
    store.save_result(member.id, maturity, recommend(default_catalogue(), Q, answers).to_dict())
    store.update_state(member.id, status="termine", completed_at=datetime(2026, 12, 3, tzinfo=timezone.utc))


def make_group(client: TestClient, store: DiagnosticStore) -> tuple[str, dict]:
    record = finished_diagnostic(store)
    page = client.get(f"/rapport/{record.public_id}").text
    assert f'action="/rapport/{record.public_id}/groupe"' in page
    response = client.post(f"/rapport/{record.public_id}/groupe", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/rapport/{record.public_id}#groupe"
    group = GroupStore(store).of_diagnostic(record.id)
    return record.public_id, group


def test_the_coordinator_creates_the_group_from_the_report_and_sees_who_answered(
    client: TestClient, store: DiagnosticStore
) -> None:
    public_id, group = make_group(client, store)
    finish_member(store, group.id, "dsi", "numerique", like=group.coordinator_id)
    GroupStore(store).join(group.id, "com")  # still answering
    page = client.get(f"/rapport/{public_id}").text
    assert f"https://diagnostic.example.fr/groupe/{group.invitation_token}" in page
    assert f"https://diagnostic.example.fr/rapport-groupe/{group.report_token}" in page
    assert "Numérique / DSI</th>" in page and "terminé" in page and "en cours" in page
    assert f'action="/rapport/{public_id}/groupe/clore"' in page
    # Creating twice keeps one group.
    client.post(f"/rapport/{public_id}/groupe", follow_redirects=False)
    assert GroupStore(store).all()[0][0] == group


def test_the_invitation_page_joins_the_group_in_the_widget(
    client: TestClient, store: DiagnosticStore
) -> None:
    _, group = make_group(client, store)
    response = client.get(f"/groupe/{group.invitation_token}")
    assert response.status_code == 200
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    assert f'data-group="{group.invitation_token}"' in response.text
    assert "par service et jamais sous votre nom" in response.text
    assert NAME_WITH_HTML not in response.text and html.escape(NAME_WITH_HTML, quote=False) in response.text
    assert client.get("/groupe/" + "x" * 32).status_code == 404


def test_the_group_report_shows_consolidation_outlines_divergences(
    client: TestClient, store: DiagnosticStore
) -> None:
    _, group = make_group(client, store)
    finish_member(store, group.id, "dsi", "numerique", like=group.coordinator_id)
    response = client.get(f"/rapport-groupe/{group.report_token}")
    assert response.status_code == 200
    page = response.text
    assert page.count('class="radar-contour"') == 2  # the founder's service and the DSI
    assert '<th scope="col">Numérique / DSI</th>' in page
    assert "Là où les services ne sont pas d'accord" in page
    assert NAME_WITH_HTML not in page
    data = client.get(f"/rapport-groupe/{group.report_token}.json").json()
    assert "group_id" not in data
    assert data["finished"] == 2 and data["maturity"]["overall"]["score"] is not None
    assert [role["role"] for role in data["roles"]] == ["elu", "numerique"]
    assert data["divergences"] and {a["role"] for a in data["divergences"][0]["answers"]} == {
        "elu",
        "numerique",
    }
    assert data["recommendation"]["top"]["code"] == "feuille_de_route"
    assert client.get("/rapport-groupe/" + "y" * 32).status_code == 404
    assert client.get(f"/rapport-groupe/{group.invitation_token}").status_code == 404


def test_the_coordinator_closes_the_group_and_the_invitation_refuses(
    client: TestClient, store: DiagnosticStore
) -> None:
    public_id, group = make_group(client, store)
    # A member's report address cannot close the group.
    finish_member(store, group.id, "dsi", "numerique", like=group.coordinator_id)
    member = store.latest_for_sender("dsi")
    assert client.post(f"/rapport/{member.public_id}/groupe/clore").status_code == 403
    response = client.post(f"/rapport/{public_id}/groupe/clore", follow_redirects=False)
    assert response.status_code == 303
    assert "il n'accepte plus de nouvelles réponses" in client.get(f"/rapport/{public_id}").text
    refused = client.get(f"/groupe/{group.invitation_token}")
    assert refused.status_code == 410
    assert "Ce diagnostic de groupe est clos" in refused.text
    assert client.post("/rapport/" + "z" * 32 + "/groupe/clore").status_code == 404
