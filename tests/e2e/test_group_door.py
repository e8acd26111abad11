"""A diagnostic with several voices, through the door (issue 14, part 1).

Three people of one authority: the DGS starts, asks to associate colleagues and sends the
invitation; the IT department joins with the invitation's address, finance with the widget's
words. They answer differently; ``python -m bot export-group`` shows the consolidated
maturity, the divergences and the recommendation. The DGS closes the group: a fourth person
is refused, in French.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from bot.storage.groups import GroupStore
from evaluation.door import Door, door_on
from tests.e2e.test_authority_door import Visitor, payload, texts
from tests.e2e.test_diagnostic_rest import TYPED_ANSWERS
from tests.servers import Servers

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ROLE_QUESTION = "service_groupe"


@pytest.fixture(scope="module")
def door(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Door]:
    with door_on(servers, tmp_path_factory.mktemp("door-groups")) as started:
        yield started


def answer_all(
    visitor: Visitor, messages: list[dict[str, Any]], yes_no: dict[str, str], default: str
) -> list:
    """Yes/no questions by button (``yes_no`` per question, else ``default``), the others typed."""
    for _ in range(len(TYPED_ANSWERS) + 5):
        question = payload(messages, "question")
        if question is None:
            return messages
        question_id = question["question_id"]
        if question["answer_type"] == "oui_partiel_non":
            choice = yes_no.get(question_id, default)
            messages = visitor.say("/answer" + json.dumps({"choice": choice}), question_id=question_id)
        else:
            messages = visitor.say(TYPED_ANSWERS[question_id][0], question_id=question_id)
    raise AssertionError("the diagnostic did not end")


def join(visitor: Visitor, message: str, service: str) -> list[dict[str, Any]]:
    joined = visitor.say(message)
    assert "par service et jamais sous votre nom" in texts(joined)
    question = payload(joined, "question")
    assert question is not None and question["question_id"] == ROLE_QUESTION
    assert "nom_collectivite" in visitor.answers()  # the profile is the group's, not asked again
    return visitor.click(joined, service)


def test_three_services_answer_together_and_the_group_export_shows_it(door: Door) -> None:
    dgs = Visitor(door)
    dgs.say("Bonjour")
    dgs.say("commencer")
    dgs.say(TYPED_ANSWERS["nom_collectivite"][0], question_id="nom_collectivite")
    invited = dgs.say("je voudrais associer mes collègues")
    links = payload(invited, "group_invitation")
    assert links is not None
    # The session's action server has its own public address: the door is reached by the paths.
    invitation_url = door.url + urlsplit(links["invitation_url"]).path
    group_report_url = door.url + urlsplit(links["group_report_url"]).path
    assert urlsplit(invitation_url).path.startswith("/groupe/")
    assert payload(invited, "question")["question_id"] == "type_collectivite"  # the question comes back
    answer_all(dgs, invited, {}, "oui")
    assert dgs.record().status == "termine"

    dsi = Visitor(door)
    messages = join(dsi, invitation_url, "Numérique / DSI")
    answer_all(dsi, messages, {}, "non")
    finances = Visitor(door)
    token = invitation_url.rsplit("/", 1)[1]
    messages = join(finances, f"rejoindre le groupe {token}", "Finances")
    unknown = {
        question_id: "ne_sait_pas" for question_id in TYPED_ANSWERS if question_id.startswith("donnees_")
    }
    last = answer_all(finances, messages, unknown, "oui")
    assert links["group_report_url"] in texts(last)
    assert "role_repondant" not in finances.answers()

    store = door.store()
    try:
        group = GroupStore(store).of_diagnostic(dgs.record().id)
    finally:
        store.engine.dispose()
    command = [
        sys.executable,
        "-m",
        "bot",
        "--database-url",
        door.database_url,
        "export-group",
        str(group.id),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    exported = json.loads(done.stdout)
    assert [(r["label"], r["status"]) for r in exported["respondents"]] == [
        ("Services techniques", "termine"),  # the founder is "DST" (their usual role answer)
        ("Numérique / DSI", "termine"),
        ("Finances", "termine"),
    ]
    assert exported["authority"]["name"] == TYPED_ANSWERS["nom_collectivite"][1]
    # Yes, no, yes: the median is yes, on every yes/no question the three answered.
    assert exported["maturity"]["axes"]["strategie"]["score"] == 100.0
    assert exported["roles"][1]["maturity"]["axes"]["strategie"]["score"] == 0.0
    divergent = {d["question_id"]: d for d in exported["divergences"]}
    assert "strategie_projet_formalise" in divergent and "organisation_pilote" in divergent
    answers = {a["label"]: a["answer"] for a in divergent["strategie_projet_formalise"]["answers"]}
    assert answers == {"Services techniques": "Oui", "Numérique / DSI": "Non", "Finances": "Oui"}
    assert exported["recommendation"]["top"]["code"] == "feuille_de_route"
    assert any("Numérique / DSI : Non" in reason for reason in exported["recommendation"]["top"]["reasons"])
    assert exported["blind_spots"][0]["question_id"].startswith("donnees_")

    # The same through the group report's JSON address.
    report = httpx.get(group_report_url + ".json", timeout=60)
    assert report.status_code == 200 and report.json()["maturity"] == exported["maturity"]

    # The coordinator closes the group from their report; a latecomer is refused in French.
    closed = httpx.post(f"{door.url}/rapport/{dgs.record().public_id}/groupe/clore", timeout=60)
    assert closed.status_code == 303
    late = Visitor(door)
    refused = late.say(invitation_url)
    assert "Ce diagnostic de groupe est clos" in texts(refused)
    assert late.record() is None
    assert httpx.get(invitation_url, timeout=60).status_code == 410
