"""Population bands, to compare an authority with others of its size (issue 13, peers in issue 14).

A band is computed from the official population (population municipale of the administrative
division) when the diagnostic has one, else from the population the person declared: that is
the diagnostic's ``population`` column (``DiagnosticRecord.population``), which holds the
official population while the diagnostic has an official authority
(``DiagnosticStore.record_authority``; answers do not overwrite it).

The limit at 3 500 inhabitants is the open-data obligation threshold (loi pour une République
numérique, with 50 agents or more): authorities on either side of it do not have the same
duties, so they are not compared with each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PopulationBand:
    """Inhabitants from ``minimum`` (included) to ``maximum`` (included; None: no limit)."""

    code: str
    label: str
    minimum: int
    maximum: int | None

    def contains(self, population: int) -> bool:
        return population >= self.minimum and (self.maximum is None or population <= self.maximum)


# Narrow no-break spaces, as in the numbers the pages show (bot/formatting.py).
BANDS: tuple[PopulationBand, ...] = (
    PopulationBand("moins-1000", "moins de 1\u202f000 habitants", 0, 999),
    PopulationBand("1000-3499", "de 1\u202f000 à 3\u202f499 habitants", 1_000, 3_499),
    PopulationBand("3500-9999", "de 3\u202f500 à 9\u202f999 habitants", 3_500, 9_999),
    PopulationBand("10000-49999", "de 10\u202f000 à 49\u202f999 habitants", 10_000, 49_999),
    PopulationBand("50000-199999", "de 50\u202f000 à 199\u202f999 habitants", 50_000, 199_999),
    PopulationBand("200000-plus", "200\u202f000 habitants et plus", 200_000, None),
)
BANDS_BY_CODE = {band.code: band for band in BANDS}


def band_of(population: int | None) -> PopulationBand | None:
    """The band of a number of inhabitants; None when it is unknown or negative."""
    if population is None or isinstance(population, bool) or population < 0:
        return None
    return next(band for band in BANDS if band.contains(population))  # they cover 0 and up
