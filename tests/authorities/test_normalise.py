"""Normalisation of authority names: examples and properties (hypothesis)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.authorities.normalise import located_words, loose, normalise, words


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Saint-Étienne", "saint etienne"),
        ("ST ETIENNE", "saint etienne"),
        ("st-étienne", "saint etienne"),
        ("Ste-Colombe", "sainte colombe"),
        ("Saintes", "saintes"),
        ("L'Abergement-Clémenciat", "l abergement clemenciat"),
        ("l’Île-d’Yeu", "l ile d yeu"),
        ("Œuilly", "oeuilly"),
        ("  Uze\u0301s  ", "uzes"),
        ("CC Faucigny - Glières", "cc faucigny glieres"),
        ("Sainte-Colombe (Gironde)", "sainte colombe gironde"),
        ("", ""),
        ("¿?!", ""),
    ],
)
def test_normalise_examples(typed: str, expected: str) -> None:
    assert normalise(typed) == expected


def test_loose_drops_articles_and_small_words() -> None:
    assert loose(words("Le Havre")) == "havre"
    assert loose(words("Les Abymes")) == "abymes"
    assert loose(words("Saint-Rémy-de-Provence")) == "saint remy provence"
    assert loose(words("CC du Pays d'Uzès")) == "cc pays uzes"
    assert loose(words("Le")) == ""


def test_located_words_keep_their_place_and_capital() -> None:
    text = "bonjour, je suis DST à Uzès"
    located = located_words(text)
    assert [word.text for word in located] == words(text)
    uzes = located[-1]
    assert (uzes.text, text[uzes.start : uzes.end], uzes.capitalised) == ("uzes", "Uzès", True)
    assert not located[0].capitalised


FRENCH = st.text(
    alphabet=st.sampled_from(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèêëàâîïôöûüçœÉÈÎÔŒ-' ’.()0123"
    ),
    max_size=40,
)


@given(st.text(max_size=60))
def test_normalise_is_idempotent_and_plain(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert re.fullmatch(r"(?:[a-z0-9]+(?: [a-z0-9]+)*)?", once)


@given(FRENCH)
def test_case_accents_and_hyphens_do_not_matter(text: str) -> None:
    assert normalise(text.upper()) == normalise(text.lower()) == normalise(text)
    assert normalise(text.replace("-", " ")) == normalise(text)


@given(FRENCH)
def test_located_words_are_the_words(text: str) -> None:
    assert [word.text for word in located_words(text)] == words(text)
