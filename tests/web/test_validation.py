"""Input checks of the chat API, one by one."""

from __future__ import annotations

import json

import pytest

from bot.web.validation import (
    ChatRequest,
    InputError,
    check_content_type,
    check_declared_length,
    parse_chat_request,
)

SENDER = "0b6f7f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"


def body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


@pytest.mark.parametrize("value", ["application/json", "Application/JSON", "application/json; charset=utf-8"])
def test_json_content_types_pass(value: str) -> None:
    check_content_type(value)


@pytest.mark.parametrize("value", [None, "", "text/plain", "application/jsonp", "text/json"])
def test_other_content_types_get_415(value: str | None) -> None:
    with pytest.raises(InputError) as error:
        check_content_type(value)
    assert error.value.status == 415


def test_declared_length() -> None:
    check_declared_length(None, 100)
    check_declared_length("100", 100)
    with pytest.raises(InputError) as too_big:
        check_declared_length("101", 100)
    assert too_big.value.status == 413
    with pytest.raises(InputError) as invalid:
        check_declared_length("beaucoup", 100)
    assert invalid.value.status == 400


def test_a_good_request() -> None:
    assert parse_chat_request(body(sender=SENDER, message=" Oui, en partie "), 2000) == ChatRequest(
        SENDER, "Oui, en partie"
    )


def test_a_button_payload_is_a_message_like_any_other() -> None:
    payload = '/answer{"choice": "eclairage_public,eau"}'
    assert parse_chat_request(body(sender=SENDER, message=payload), 2000).message == payload


def test_control_characters_are_dropped_but_newlines_kept() -> None:
    parsed = parse_chat_request(body(sender=SENDER, message="a\x00b\x1bc\nd\te"), 2000)
    assert parsed.message == "abc\nd\te"


@pytest.mark.parametrize(
    "sender", ["abc", "a" * 65, "avec espace", "../../etc/passwd", "é" * 10, "<script>", ""]
)
def test_bad_sender_ids(sender: str) -> None:
    with pytest.raises(InputError) as error:
        parse_chat_request(body(sender=sender, message="oui"), 2000)
    assert (error.value.status, error.value.code) == (422, "identifiant_invalide")


@pytest.mark.parametrize(
    "sender", [SENDER, "0123456789abcdef0123456789abcdef", "mairie-exemple", "a_b-C_d-1"]
)
def test_good_sender_ids(sender: str) -> None:
    assert parse_chat_request(body(sender=sender, message="oui"), 2000).sender == sender


def test_length_is_counted_in_characters_after_trimming() -> None:
    assert parse_chat_request(body(sender=SENDER, message=" " + "é" * 10 + " "), 10).message == "é" * 10
    with pytest.raises(InputError) as error:
        parse_chat_request(body(sender=SENDER, message="é" * 11), 10)
    assert error.value.code == "message_trop_long"
    assert "11 caractères" in error.value.message


@pytest.mark.parametrize("raw", [b"", b"null", b'"texte"', b"{", b"\xc3\x28"])
def test_not_a_json_object(raw: bytes) -> None:
    with pytest.raises(InputError) as error:
        parse_chat_request(raw, 2000)
    assert (error.value.status, error.value.code) == (400, "json_invalide")
