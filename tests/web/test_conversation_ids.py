"""Conversation ids issued by the door: format, unguessability, stateless verification."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.settings import Settings
from bot.web.conversation_ids import conversation_key, is_issued, issue_conversation_id
from bot.web.validation import SENDER_PATTERN

KEY = "clé de test, assez longue pour DIAGNOSTIC_SECRET_KEY"


def test_an_issued_id_is_a_valid_sender_and_is_recognised() -> None:
    conversation = issue_conversation_id(KEY)
    assert re.fullmatch(r"[0-9a-f]{48}", conversation)
    assert SENDER_PATTERN.fullmatch(conversation)
    assert is_issued(KEY, conversation)
    assert is_issued(KEY.encode(), conversation), "str and bytes keys are the same key"


def test_ids_are_all_different() -> None:
    ids = {issue_conversation_id(KEY) for _ in range(1000)}
    assert len(ids) == 1000
    assert len({conversation[:32] for conversation in ids}) == 1000


def test_another_process_with_the_same_key_recognises_the_id() -> None:
    # Nothing is stored: the check needs only the key (and a fresh Settings object holds the same one).
    settings = Settings(secret_key=KEY)
    conversation = issue_conversation_id(conversation_key(settings))
    assert is_issued(conversation_key(Settings(secret_key=KEY)), conversation)


def test_an_id_issued_with_another_key_is_not_recognised() -> None:
    assert not is_issued(KEY, issue_conversation_id("une autre clé, celle d'un autre déploiement"))


@pytest.mark.parametrize("position", [0, 31, 32, 47])
def test_a_changed_character_is_not_recognised(position: int) -> None:
    conversation = issue_conversation_id(KEY)
    changed = "1" if conversation[position] == "0" else "0"
    assert not is_issued(KEY, conversation[:position] + changed + conversation[position + 1 :])


@pytest.mark.parametrize(
    "candidate",
    [
        None,
        12,
        b"00" * 24,
        "",
        "mairie-exemple",
        "3f2b8c1e-8d5a-4a57-9a57-3c0e0f1b2a4d",
        "A" * 48,
        "0" * 4096,
    ],
)
def test_anything_else_is_not_recognised(candidate: object) -> None:
    assert not is_issued(KEY, candidate)


@given(st.text(max_size=80) | st.binary(max_size=80) | st.integers() | st.none())
def test_is_issued_never_raises(candidate: object) -> None:
    assert is_issued(KEY, candidate) is False


def test_without_a_secret_key_development_uses_the_process_key() -> None:
    conversation = issue_conversation_id(conversation_key(Settings()))
    assert is_issued(conversation_key(Settings()), conversation)
    assert not is_issued(KEY, conversation)
