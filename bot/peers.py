"""Where an authority stands among comparable authorities, axis by axis (issue 14, part 3).

Pure functions over anonymised aggregates: for each axis, how many peers have each score
(``PeerGroup.scores``), never who they are nor what they answered. The store computes the
aggregates (bot/storage/peers.py); this module chooses the peers and says where the
authority stands, in words from ``bot/content/peers.yml``.

Rules
-----
* **Comparable**: a completed diagnostic of the same authority type (``type_collectivite``)
  and the same official population band (bot/population_bands.py). The store leaves out the
  diagnostic itself and the other diagnostics of the same official authority, the ones staff
  excluded, and the synthetic ones unless the platform includes them
  (``DIAGNOSTIC_INCLUDE_SYNTHETIC``).
* **Scope**: the narrowest of the authority's département, its région, then the whole band,
  that holds at least :data:`MIN_PEERS` comparable diagnostics. Below that everywhere, the
  report says there are not yet enough comparable authorities.
* **Per axis**: only the peers with a score on that axis count; an axis with fewer than
  :data:`MIN_PEERS` of them, or without a score of its own, says so instead of a position.
* **Quartiles** of the peers' scores: ``statistics.quantiles`` with the inclusive method
  (linear interpolation between the sorted scores), rounded to one decimal.
* **Position**, read against the quartiles the chart draws (so that the sentence and the chart
  always agree): score = median "au niveau de la médiane"; above the median, "dans le quart le
  plus avancé" when strictly above the third quartile, else "au-dessus de la médiane"; below
  the median, "dans le quart le moins avancé" when strictly below the first quartile, else "en
  dessous de la médiane". Ties thus never push an authority into a quarter it shares with its
  equals: level with the third quartile is "au-dessus de la médiane".
* **Percentile** (the table's "rang centile") = share of the peers with a lower score, the
  peers with the same score counting half: ``100 × (below + equal / 2) / peers``; an authority
  level with every peer is at 50.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bot.content_files import CONTENT_DIR
from bot.formatting import number
from bot.messages import Messages, PhraseFile
from bot.population_bands import PopulationBand, band_of
from bot.scoring import round_score

MIN_PEERS = 10
AUTHORITY_TYPES = ("commune", "intercommunalite", "departement", "region", "autre")
# Narrowest first: the first scope with enough peers is the one shown.
SCOPE_KINDS = ("departement", "region", "bande")
POSITIONS = ("top", "above", "median", "below", "bottom")

PEER_PHRASES = PhraseFile(
    CONTENT_DIR / "peers.yml",
    {
        "peers_intro": ("count", "kind", "band", "area"),
        "area_departement": ("name", "code"),
        "area_region": ("name",),
        "not_enough": ("kind", "band", "minimum"),
        "unknown_profile": (),
        "axis_position": ("label", "position", "kind", "band", "area", "score", "median"),
        "axis_not_enough": ("label", "minimum"),
        "axis_unknown": ("label",),
        **{f"position_{position}": () for position in POSITIONS},
        **{f"kind_{kind}": () for kind in AUTHORITY_TYPES},
    },
)


# The phrases of bot/content/peers.yml, checked when first loaded.
peer_messages = PEER_PHRASES.messages


@dataclass(frozen=True)
class Scope:
    """Where the peers are: a département, a région, or the whole band (``kind`` "bande")."""

    kind: str
    code: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Cohort:
    """What makes a diagnostic comparable: its authority type, its population band, its area."""

    authority_type: str
    band: PopulationBand
    departement: Scope | None = None
    region: Scope | None = None

    def scopes(self) -> tuple[Scope, ...]:
        """The scopes to try, narrowest first (département and région only when known)."""
        return tuple(scope for scope in (self.departement, self.region, Scope("bande")) if scope)

    def kind_plural(self, messages: Messages) -> str:
        kind = self.authority_type if self.authority_type in AUTHORITY_TYPES else "autre"
        return messages.say(f"kind_{kind}")

    @property
    def band_text(self) -> str:
        """The band after a plural noun: "de 3 500 à 9 999 habitants", "de moins de 1 000 habitants"."""
        label = self.band.label
        return label if label.startswith("de ") else "de " + label


def cohort_of(
    authority_type: str | None,
    population: int | None,
    departement: tuple[str | None, str | None] = (None, None),
    region: tuple[str | None, str | None] = (None, None),
) -> Cohort | None:
    """The cohort of a diagnostic; None when its type or its population is unknown.

    ``departement`` and ``region`` are (code, name) pairs of the official authority.
    """
    band = band_of(population)
    if not authority_type or band is None:
        return None
    dep_code, dep_name = departement
    reg_code, reg_name = region
    return Cohort(
        authority_type=authority_type,
        band=band,
        departement=Scope("departement", dep_code, dep_name) if dep_code else None,
        region=Scope("region", reg_code, reg_name) if reg_code else None,
    )


@dataclass(frozen=True)
class PeerGroup:
    """Anonymised aggregates of the peers in one scope.

    ``diagnostics``: comparable diagnostics in the scope; ``scores``: per axis, how many of
    them have each score (diagnostics without a score on an axis are not in its counts).
    """

    scope: Scope
    diagnostics: int
    scores: Mapping[str, Mapping[float, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class OwnAxis:
    """An axis of the diagnostic being compared: its id, label and score (None: not evaluated)."""

    axis_id: str
    label: str
    score: float | None


@dataclass(frozen=True)
class Standing:
    """Where one score stands among the peers' scores (see the module docstring)."""

    peers: int
    below: int
    equal: int
    percentile: Fraction
    position: str  # one of POSITIONS
    q1: float
    median: float
    q3: float

    @property
    def percentile_rounded(self) -> int:
        """The percentile as a whole number, half up."""
        return int(self.percentile + Fraction(1, 2))


def position_of(score: float, q1: float, median: float, q3: float) -> str:
    """The position code of a score among peers of these quartiles (see the module docstring)."""
    if score == median:
        return "median"
    if score > median:
        return "top" if score > q3 else "above"
    return "bottom" if score < q1 else "below"


def standing(score: float, counts: Mapping[float, int]) -> Standing:
    """Where ``score`` stands among peers having each score ``counts[score]`` times."""
    peers = sum(counts.values())
    if peers < 1:
        raise ValueError("aucun score de pair")
    below = sum(count for value, count in counts.items() if value < score)
    equal = sum(count for value, count in counts.items() if value == score)
    percentile = Fraction(100 * (2 * below + equal), 2 * peers)
    ordered = sorted(value for value, count in counts.items() for _ in range(count))
    if len(ordered) == 1:
        quartiles = (ordered[0],) * 3
    else:
        quartiles = tuple(statistics.quantiles(ordered, n=4, method="inclusive"))
    q1, median, q3 = (round_score(value) for value in quartiles)
    return Standing(
        peers=peers,
        below=below,
        equal=equal,
        percentile=percentile,
        position=position_of(score, q1, median, q3),
        q1=q1,
        median=median,
        q3=q3,
    )


@dataclass(frozen=True)
class AxisComparison:
    axis_id: str
    label: str
    score: float | None
    standing: Standing | None  # None: not evaluated, or not enough peers on this axis
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "axis_id": self.axis_id,
            "label": self.label,
            "score": self.score,
            "compared": self.standing is not None,
            "sentence": self.sentence,
        }
        if self.standing is not None:
            item.update(
                peers=self.standing.peers,
                percentile=self.standing.percentile_rounded,
                position=self.standing.position,
                quartiles={"q1": self.standing.q1, "median": self.standing.median, "q3": self.standing.q3},
            )
        return item


@dataclass(frozen=True)
class PeerComparison:
    """The comparison shown in a report: available, or the sentence saying why not."""

    available: bool
    sentence: str
    scope: Scope | None = None
    peers: int = 0
    axes: tuple[AxisComparison, ...] = ()
    minimum: int = MIN_PEERS

    def to_dict(self) -> dict[str, Any]:
        return {
            "available": self.available,
            "minimum": self.minimum,
            "sentence": self.sentence,
            "scope": None
            if self.scope is None
            else {"kind": self.scope.kind, "code": self.scope.code, "name": self.scope.name},
            "peers": self.peers,
            "axes": [axis.to_dict() for axis in self.axes],
        }


def unknown_profile(messages: Messages | None = None) -> PeerComparison:
    """No comparison: the diagnostic's type or population is unknown."""
    return PeerComparison(available=False, sentence=(messages or peer_messages()).say("unknown_profile"))


def choose_group(cohort: Cohort, groups: Sequence[PeerGroup], minimum: int = MIN_PEERS) -> PeerGroup | None:
    """The group of the narrowest of the cohort's scopes with at least ``minimum`` diagnostics."""
    by_scope = {group.scope: group for group in groups}
    for scope in cohort.scopes():
        group = by_scope.get(scope)
        if group is not None and group.diagnostics >= minimum:
            return group
    return None


def _area(scope: Scope, messages: Messages) -> str:
    """The area after a space (" du département Gironde (33)"), or nothing for the whole band."""
    if scope.kind == "departement":
        return " " + messages.say("area_departement", name=scope.name or scope.code, code=scope.code)
    if scope.kind == "region":
        return " " + messages.say("area_region", name=scope.name or scope.code)
    return ""


def compare(
    cohort: Cohort,
    axes: Sequence[OwnAxis],
    groups: Sequence[PeerGroup],
    *,
    minimum: int = MIN_PEERS,
    messages: Messages | None = None,
) -> PeerComparison:
    """Where the diagnostic's ``axes`` stand among the peers of ``groups`` (one per scope)."""
    messages = messages or peer_messages()
    kind, band = cohort.kind_plural(messages), cohort.band_text
    group = choose_group(cohort, groups, minimum)
    if group is None:
        return PeerComparison(
            available=False, sentence=messages.say("not_enough", kind=kind, band=band, minimum=minimum)
        )
    area = _area(group.scope, messages)
    lines = []
    for axis in axes:
        counts = group.scores.get(axis.axis_id) or {}
        if axis.score is None:
            lines.append(
                AxisComparison(
                    axis.axis_id, axis.label, None, None, messages.say("axis_unknown", label=axis.label)
                )
            )
            continue
        if sum(counts.values()) < minimum:
            sentence = messages.say("axis_not_enough", label=axis.label, minimum=minimum)
            lines.append(AxisComparison(axis.axis_id, axis.label, axis.score, None, sentence))
            continue
        where = standing(axis.score, counts)
        sentence = messages.say(
            "axis_position",
            label=axis.label,
            position=messages.say(f"position_{where.position}"),
            kind=kind,
            band=band,
            area=area,
            score=number(axis.score),
            median=number(where.median),
        )
        lines.append(AxisComparison(axis.axis_id, axis.label, axis.score, where, sentence))
    intro = messages.say("peers_intro", count=group.diagnostics, kind=kind, band=band, area=area)
    return PeerComparison(
        available=True, sentence=intro, scope=group.scope, peers=group.diagnostics, axes=tuple(lines)
    )
