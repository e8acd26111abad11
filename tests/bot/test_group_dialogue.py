"""The conversation with groups (bot/group_dialogue.py): inviting, joining, the service question."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogue import Reply
from bot.group_content import default_group_content
from bot.group_dialogue import GroupConversation, asks_to_invite, invitation_token
from bot.messages import default_messages
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue
from bot.storage import DiagnosticStore
from bot.storage.groups import GROUP_SOURCE

Q = default_questionnaire()
ROLE = default_group_content().role_question.id


@pytest.fixture
def engine(tmp_path: Path) -> GroupConversation:
    return GroupConversation(
        store=DiagnosticStore.from_url(f"sqlite:///{tmp_path / 'd.db'}"),
        questionnaire=Q,
        catalogue=default_catalogue(),
        messages=default_messages(),
        public_url="http://diag.test",
    )


def asked(replies: list[Reply]) -> str | None:
    for reply in reversed(replies):
        if reply.custom and reply.custom.get("type") == "question":
            return reply.custom["question_id"]
    return None


def text_of(replies: list[Reply]) -> str:
    return "\n".join(reply.text for reply in replies)


def say(engine: GroupConversation, sender: str, text: str) -> list[Reply]:
    """What an action does with a typed message: the context first, then the answer."""
    replies = engine.in_context(sender, text, "answer", 1.0)
    return replies if replies is not None else engine.answer(sender, text)


def answer_all(
    engine: GroupConversation, sender: str, replies: list[Reply], value: str = "oui"
) -> list[Reply]:
    """Answer every remaining question: ``value`` to yes/no ones, the first choice or a number else."""
    asked_ids = []
    while (question_id := asked(replies)) is not None:
        asked_ids.append(question_id)
        question = default_group_content().role_question if question_id == ROLE else Q.question(question_id)
        if question.answer_type == "oui_partiel_non":
            replies = engine.answer(sender, None, choice=value)
        elif question.is_closed:
            replies = engine.answer(sender, None, choice=question.options()[0][0])
        elif question.answer_type == "nombre":
            replies = engine.answer(sender, str(question.minimum or 0 + 1000))
        else:
            replies = engine.answer(sender, "Uzès")
        assert len(asked_ids) < 60
    return replies


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("je voudrais associer mes collègues", True),
        ("Comment inviter des collègues ?", True),
        ("on peut faire un diagnostic de groupe ?", True),
        ("oui, les services sont associés", False),
        ("il faudrait associer les services", False),
    ],
)
def test_asking_to_invite(text: str, expected: bool) -> None:
    assert asks_to_invite(text) is expected


def test_invitation_tokens_are_read_from_the_address_or_the_widgets_words() -> None:
    token = "A" * 32
    assert invitation_token(f"https://diag.test/groupe/{token}") == token
    assert invitation_token(f"rejoindre le groupe {token}") == token
    assert invitation_token("rejoindre le groupe court") is None


@pytest.mark.parametrize(
    "token", ["AbCdEfGhIjKlMnOpQrStUvWxYz012345-", "-AbCdEfGhIjKlMnOpQrStUvWxYz0123--", "a_b-" * 8]
)
def test_a_token_ending_with_a_dash_is_read_whole(token: str) -> None:
    # secrets.token_urlsafe draws "-" and "_" too, at any place, the last one included
    assert invitation_token(f"https://diag.test/groupe/{token}") == token
    assert invitation_token(f"https://diag.test/groupe/{token}?source=courriel") == token
    assert invitation_token(f"rejoindre le groupe {token}") == token


def test_the_founder_invites_at_any_moment_and_the_question_comes_back(engine: GroupConversation) -> None:
    assert "commencez d'abord" in text_of(say(engine, "fondatrice", "je voudrais associer mes collègues"))
    engine.start("fondatrice")
    engine.answer("fondatrice", "Uzès")
    replies = say(engine, "fondatrice", "je voudrais associer mes collègues")
    links = replies[0].custom
    assert links["type"] == "group_invitation"
    assert links["invitation_url"].startswith("http://diag.test/groupe/")
    assert links["group_report_url"].startswith("http://diag.test/rapport-groupe/")
    assert links["invitation_url"] in replies[0].text
    assert asked(replies) == "type_collectivite"  # the pending question again, nothing stored
    again = say(engine, "fondatrice", "je voudrais associer mes collègues")
    assert again[0].custom == links  # one group per founding diagnostic


def test_a_member_joins_is_told_answers_are_shared_and_is_asked_their_service(
    engine: GroupConversation,
) -> None:
    engine.start("fondatrice")
    answer_all(engine, "fondatrice", engine.answer("fondatrice", "Uzès"))
    links = say(engine, "fondatrice", "associer mes collègues")[0].custom
    replies = say(engine, "collegue", links["invitation_url"])
    text = text_of(replies)
    assert "Bienvenue dans le diagnostic de groupe (Uzès)" in text
    assert "par service et jamais sous votre nom" in text
    assert asked(replies) == ROLE
    question = replies[-1].custom
    assert [c["value"] for c in question["choices"]] == [
        "direction_generale", "services_techniques", "numerique", "communication", "finances", "elu", "autre",
    ]  # fmt: skip
    assert question["position"] == Q.position("role_repondant")
    member = engine.store.latest_for_sender("collegue")
    shared = engine.store.answers(member.id)
    assert shared["nom_collectivite"].value == "Uzès" and shared["nom_collectivite"].source == GROUP_SOURCE
    # Typed, the service is read like any choice; the usual role question is not asked.
    replies = say(engine, "collegue", "je suis à la DSI")
    assert engine.store.get(member.id).group_role == "numerique"
    assert asked(replies) == next(q.id for q in Q.questions if q.axis is not None)
    replies = answer_all(engine, "collegue", replies, value="non")
    assert "role_repondant" not in engine.store.answers(member.id)
    assert links["group_report_url"] in text_of(replies)
    # Opening the invitation again resumes nothing new: the diagnostic is finished.
    assert "terminé" in text_of(say(engine, "collegue", links["invitation_url"]))


def test_unknown_and_closed_invitations_are_refused_in_french(engine: GroupConversation) -> None:
    assert "n'existe pas" in text_of(say(engine, "x", "rejoindre le groupe " + "B" * 32))
    engine.start("fondatrice")
    say(engine, "fondatrice", "associer mes collègues")
    group = engine.groups.of_diagnostic(engine.store.latest_for_sender("fondatrice").id)
    engine.groups.close(group.id)
    replies = say(engine, "tardif", "rejoindre le groupe " + group.invitation_token)
    assert "clos" in text_of(replies)
    assert engine.store.latest_for_sender("tardif") is None
