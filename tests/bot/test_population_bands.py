"""Population bands (bot/population_bands.py): every number in exactly one band, official first."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.population_bands import BANDS, BANDS_BY_CODE, band_of


@pytest.mark.parametrize(
    ("population", "code"),
    [
        (0, "moins-1000"),
        (999, "moins-1000"),
        (1_000, "1000-3499"),
        (3_499, "1000-3499"),
        (3_500, "3500-9999"),  # the open-data obligation threshold starts a band
        (8_519, "3500-9999"),
        (9_999, "3500-9999"),
        (10_000, "10000-49999"),
        (49_999, "10000-49999"),
        (50_000, "50000-199999"),
        (199_999, "50000-199999"),
        (200_000, "200000-plus"),
        (2_100_000, "200000-plus"),
    ],
)
def test_limits(population: int, code: str) -> None:
    assert band_of(population).code == code


@given(st.integers(min_value=0, max_value=10**9))
def test_every_population_is_in_exactly_one_band(population: int) -> None:
    assert [band.code for band in BANDS if band.contains(population)] == [band_of(population).code]


def test_bands_follow_each_other_without_gap() -> None:
    assert BANDS[0].minimum == 0 and BANDS[-1].maximum is None
    for lower, upper in pairwise(BANDS):
        assert upper.minimum == lower.maximum + 1
    assert set(BANDS_BY_CODE) == {band.code for band in BANDS}


def test_labels_are_french_with_grouped_digits() -> None:
    assert band_of(500).label == "moins de 1\u202f000 habitants"
    assert band_of(5_000).label == "de 3\u202f500 à 9\u202f999 habitants"
    assert band_of(300_000).label == "200\u202f000 habitants et plus"


@pytest.mark.parametrize("population", [None, -1, True])
def test_unknown_or_impossible_populations_have_no_band(population) -> None:
    assert band_of(population) is None
