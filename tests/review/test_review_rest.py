"""Real conversations through the REST channel feed the review (no hand-made tracker rows).

The real action server and Rasa server run on the trained model (``servers`` fixture of
tests/e2e); the review then reads the SQLite files they wrote. What Rasa understood of each
message is asked to the same model (``Servers.parse``), so the test knows which turns
must be flagged without guessing the classifier's confidences.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from bot.review import ConversationFilters, Review
from bot.review.transcript import classify
from tests.e2e.conftest import Servers, question_of
from tests.e2e.test_diagnostic_rest import answer_until_done
from tests.servers import ROOT

pytestmark = pytest.mark.e2e

STAFF = "relecture@plateforme.example"
# Candidates for a misunderstood message; the model decides which ones are.
ODD_MESSAGES = ["xkq wpz vvv", "??", "le chat de ma voisine est orange", "hmm", "zzz", "bof"]


@pytest.fixture
def review(servers: Servers) -> Iterator[Review]:
    opened = Review.from_env(environ=servers.env)
    try:
        yield opened
    finally:
        opened.close()


def parse(servers: Servers, text: str) -> dict[str, Any]:
    return servers.parse(text)


def new_sender() -> str:
    return f"review-{uuid.uuid4().hex[:12]}"


def test_a_conversation_is_read_back_turn_by_turn(servers: Servers) -> None:
    sender = new_sender()
    # A demanding threshold, so that some turns are flagged whatever the model's confidence.
    review = Review.from_env(environ={**servers.env, "DIAGNOSTIC_REVIEW_CONFIDENCE": "0.999"})
    threshold = review.settings.confidence_threshold
    odd = next(
        (text for text in ODD_MESSAGES if classify(*_intent(parse(servers, text)), threshold) is not None),
        ODD_MESSAGES[0],
    )
    script = ["bonjour", "/start_diagnostic", "Saint-Martin-sur-Loire", "une commune", odd]
    script += ["c'est quoi l'interopérabilité ?", "environ douze mille habitants", "je reprendrai plus tard"]
    replies = [servers.say(sender, message) for message in script]

    page = review.list_conversations(ConversationFilters(sender=sender))
    assert page.total == 1
    summary = page.items[0]
    assert summary.sender_id == sender
    assert summary.turns == len(script)
    assert (summary.authority_type, summary.population) == ("commune", 12000)
    assert summary.status == "en_pause"
    expected_flags = [
        classify(*_intent(parse(servers, text)), threshold) for text in script if text[0] != "/"
    ]
    assert summary.flagged == sum(flag is not None for flag in expected_flags) >= 1

    detail = review.conversation_detail(sender)
    turns = [turn for turn in detail.turns if turn.user is not None]
    assert [turn.user.text for turn in turns] == script
    for turn, text, sent in zip(turns, script, replies, strict=True):
        if not text.startswith("/"):
            parsed = parse(servers, text)
            assert turn.user.intent == _intent(parsed)[0]
            assert turn.user.confidence == pytest.approx(_intent(parsed)[1])
        # The bot's replies to each message, as the REST channel returned them.
        assert [message.text for message in turn.bot_messages] == [message.get("text") for message in sent]
        assert turn.actions and turn.actions[0].policy is not None
    definition = turns[5].user
    assert definition.intent == "ask_definition"
    assert [(entity.entity, entity.value) for entity in definition.entities] == [("term", "interopérabilité")]
    assert detail.diagnostic["profile"]["population"] == 12000
    assert {view.question.id for view in detail.answers} >= {"type_collectivite", "population"}
    question = next(message.get("custom") for message in replies[1] if message.get("custom"))
    assert any(turn.bot_messages and turn.bot_messages[-1].custom == question for turn in turns)
    review.close()


def _intent(parsed: dict[str, Any]) -> tuple[str | None, float | None]:
    intent = parsed.get("intent") or {}
    return intent.get("name"), intent.get("confidence")


def test_a_finished_diagnostic_shows_its_level_and_action(servers: Servers, review: Review) -> None:
    sender = new_sender()
    servers.say(sender, "bonjour")
    answer_until_done(servers, sender, servers.say(sender, "/start_diagnostic"))
    exported = servers.export(sender)

    summary = review.list_conversations(ConversationFilters(sender=sender)).items[0]
    assert summary.status == "termine"
    assert summary.level == exported["maturity"]["overall"]["level"]
    assert summary.recommended_action == exported["recommendations"][0]
    assert sender in review.sender_ids(ConversationFilters(status="termine", level=summary.level))
    assert sender in review.sender_ids(ConversationFilters(search="douze mille"))
    dashboard = review.dashboard()
    assert dashboard.completed >= 1 and dashboard.average_completion is not None


def test_review_marks_corrections_and_nlu_export(servers: Servers, review: Review, tmp_path) -> None:
    sender = new_sender()
    servers.say(sender, "bonjour")
    servers.say(sender, "/start_diagnostic")
    servers.say(sender, "nous sommes une petite agglo de montagne")
    review.mark_reviewed(sender, by=STAFF)
    review.set_tags(sender, "réponse libre", by=STAFF)
    assert sender in review.sender_ids(ConversationFilters(tag="réponse libre", review_status="relu"))

    detail = review.conversation_detail(sender)
    turn = next(turn for turn in detail.turns if turn.user and turn.user.text.startswith("nous sommes"))
    correction = review.correct_turn(
        sender, turn.user.event_id, "answer", by=STAFF, entities=[{"entity": "subject", "text": "agglo"}]
    )
    assert correction.source_sender_id == sender
    exported = review.export_nlu()
    assert correction in exported.included
    data = yaml.safe_load(exported.yaml)
    assert data["version"] == "3.1"
    assert "- nous sommes une petite [agglo](subject) de montagne" in exported.yaml


def test_deletion_removes_the_conversation_from_both_stores(servers: Servers, review: Review) -> None:
    sender = new_sender()
    servers.say(sender, "bonjour")
    servers.say(sender, "/start_diagnostic")
    servers.say(sender, "une région")
    assert review.conversation_detail(sender) is not None

    report = review.delete_conversation(sender, actor=STAFF)

    assert report.events > 0 and report.diagnostics == 1
    assert review.conversation_detail(sender) is None
    assert review.list_conversations(ConversationFilters(sender=sender)).total == 0
    with pytest.raises(subprocess.CalledProcessError):
        servers.export(sender)
    assert review.audit_log(limit=1)[0].target == sender
    # The person can start again from nothing.
    assert question_of(servers.say(sender, "/start_diagnostic"))["question_id"] == "nom_collectivite"


def test_purge_command_on_the_servers_stores(servers: Servers) -> None:
    sender = new_sender()
    servers.say(sender, "bonjour")
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "purge", "--older-than", "30d", "--dry-run"],
        cwd=ROOT,
        env=servers.env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "0 conversation(s)" in completed.stdout
