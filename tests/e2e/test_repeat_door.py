"""A repeat diagnostic through the door, over REST (issue 14, progress over time).

A complete diagnostic, then its repeat started as a REST client starts it (POST /api/repeat): the
profile is not asked again, the first action's question comes first, each question recalls the
earlier answer; some are kept with "Toujours vrai" (clicked or typed), others changed. The
export, the report and its JSON show the progress.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.progress import FIRST_ACTION_QUESTION
from bot.questionnaire import default_questionnaire
from bot.records import REPEAT_SOURCE
from evaluation.door import Door, door_on
from tests.e2e.conftest import question_of, result_of, texts
from tests.e2e.test_authority_door import Visitor
from tests.e2e.test_diagnostic_rest import TYPED_ANSWERS
from tests.servers import Servers

pytestmark = pytest.mark.e2e

KEEP = "Toujours vrai"
# Changed in the repeat (typed), everything else kept.
CHANGED = {
    "strategie_services_impliques": ("oui, tous les services", "oui"),
    "donnees_inventaire": ("en partie", "en_partie"),
}
TYPED_KEEP = "strategie_premiere_action"  # "toujours vrai" typed instead of clicked


@pytest.fixture(scope="module")
def door(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Door]:
    with door_on(servers, tmp_path_factory.mktemp("door")) as started:
        yield started


def complete(visitor: Visitor) -> dict[str, Any]:
    visitor.say("Bonjour")
    messages = visitor.say("on commence")
    for _ in range(len(TYPED_ANSWERS) + 5):
        question = question_of(messages)
        if question is None:
            break
        messages = visitor.say(TYPED_ANSWERS[question["question_id"]][0], question["question_id"])
    result = result_of(messages)
    assert result is not None, texts(messages)
    return result


def test_a_repeat_recalls_the_earlier_answers_and_shows_the_progress(door: Door) -> None:
    first = Visitor(door)
    earlier = complete(first)
    previous_id = earlier["diagnostic_id"]

    response = httpx.post(f"{door.url}/api/repeat", json={"report": previous_id}, timeout=30)
    assert response.status_code == 201, response.text
    again = Visitor(door)
    again.sender = response.json()["sender"]
    assert again.sender != first.sender

    messages = again.say("bonjour")
    assert "Je reprends le profil de votre collectivité" in texts(messages)
    question = question_of(messages)
    assert question["question_id"] == FIRST_ACTION_QUESTION
    messages = again.say("en partie", FIRST_ACTION_QUESTION)

    profile = {q.id for q in default_questionnaire().questions if q.is_profile}
    asked: list[str] = []
    for _ in range(len(TYPED_ANSWERS) + 5):
        question = question_of(messages)
        if question is None:
            break
        question_id = question["question_id"]
        asked.append(question_id)
        before = TYPED_ANSWERS[question_id]
        shown = question.get("previous") or {}
        assert shown.get("value") == before[1], question_id
        assert "La dernière fois, vous aviez répondu" in texts(messages)
        titles = [button["title"] for m in messages for button in m.get("buttons") or []]
        if question_id in CHANGED:
            messages = again.say(CHANGED[question_id][0], question_id)
        elif question_id == TYPED_KEEP:
            messages = again.say("toujours vrai", question_id)
        elif KEEP in titles:
            messages = again.click(messages, KEEP)
        else:  # "je ne sais pas" last time: nothing to keep, answered again
            assert shown["status"] == "unknown", question_id
            messages = again.say("oui", question_id)
    result = result_of(messages)
    assert result is not None, texts(messages)
    assert not profile & set(asked), "the profile is carried over, not asked again"
    assert asked == [q.id for q in default_questionnaire().questions if not q.is_profile]

    store = door.store()
    exported = store.export(again.sender)
    assert exported["previous_diagnostic_id"] == previous_id
    answers = exported["answers"]
    for question_id, (_typed, value) in TYPED_ANSWERS.items():
        stored = answers[question_id]
        assert stored["revisions"] == [], question_id  # each answer stored once
        if question_id in CHANGED:
            assert (stored["value"], stored["source"]) == (CHANGED[question_id][1], None)
        elif question_id in profile or question_id == "donnees_outils_ouverts":
            continue
        else:
            assert (stored["value"], stored["source"], stored["raw_text"]) == (value, REPEAT_SOURCE, None), (
                question_id
            )
    assert answers[FIRST_ACTION_QUESTION]["value"] == "en_partie"

    progress = exported["progress"]
    assert progress["axes"]["strategie"]["then"] == 40.0
    assert progress["axes"]["strategie"]["now"] > 40.0 and progress["axes"]["strategie"]["delta"] > 0
    assert progress["overall"]["delta"] > 0
    assert {change["question_id"] for change in progress["changes"]} == {*CHANGED, "donnees_outils_ouverts"}
    assert progress["first_action"]["status"] == "en_partie" and progress["first_action"]["moved"] is True

    report = httpx.get(f"{door.url}/rapport/{result['diagnostic_id']}", timeout=30)
    assert report.status_code == 200
    assert "Votre progression depuis le diagnostic précédent" in report.text
    assert 'class="progression"' in report.text
    body = httpx.get(f"{door.url}/rapport/{result['diagnostic_id']}.json", timeout=30).json()
    assert body["progress"]["axes"] == progress["axes"]
