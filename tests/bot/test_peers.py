"""Worked examples of the comparison with peers (bot/peers.py): boundaries, ties, threshold, scopes."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.messages import MessagesError, load_messages
from bot.peers import (
    MIN_PEERS,
    PEER_PHRASES,
    OwnAxis,
    PeerGroup,
    Scope,
    choose_group,
    cohort_of,
    compare,
    peer_messages,
    position_of,
    standing,
    unknown_profile,
)

TEN = Counter([10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0])
GIRONDE = ("33", "Gironde")
NOUVELLE_AQUITAINE = ("75", "Nouvelle-Aquitaine")


def _cohort():
    return cohort_of("commune", 5_000, GIRONDE, NOUVELLE_AQUITAINE)


def _group(kind: str, scores: list[float], code: str | None = None, name: str | None = None) -> PeerGroup:
    return PeerGroup(Scope(kind, code, name), len(scores), {"strategie": Counter(scores)})


def test_the_percentile_counts_lower_scores_and_half_the_ties() -> None:
    # 85 is above 8 of the 10 peers: 80 %.
    assert standing(85.0, TEN).percentile == 80
    # 80 is above 7 peers and level with 1: (7 + 0.5) / 10 = 75 %.
    assert standing(80.0, TEN).percentile == 75
    assert standing(5.0, TEN).percentile == 0
    assert standing(100.0, TEN).percentile == 95


@pytest.mark.parametrize(
    ("score", "position"),
    [
        # The peers' quartiles are 32.5, 55 and 77.5.
        (100.0, "top"),
        (80.0, "top"),
        (77.6, "top"),
        (77.5, "above"),  # level with the third quartile: not beyond it
        (65.0, "above"),
        (55.0, "median"),
        (40.0, "below"),
        (32.5, "below"),  # level with the first quartile
        (32.4, "bottom"),
        (0.0, "bottom"),
    ],
)
def test_quartile_boundaries(score: float, position: str) -> None:
    assert standing(score, TEN).position == position


def test_position_boundaries() -> None:
    assert position_of(50.0, 20.0, 50.0, 80.0) == "median"
    assert position_of(80.0, 20.0, 50.0, 80.0) == "above"
    assert position_of(80.1, 20.0, 50.0, 80.0) == "top"
    assert position_of(20.0, 20.0, 50.0, 80.0) == "below"
    assert position_of(19.9, 20.0, 50.0, 80.0) == "bottom"


def test_ties_sit_in_the_middle_of_their_group() -> None:
    everyone_level = standing(50.0, Counter({50.0: 10}))
    assert everyone_level.percentile == 50
    assert everyone_level.position == "median"
    assert (everyone_level.q1, everyone_level.median, everyone_level.q3) == (50.0, 50.0, 50.0)
    # Level with the 6 best of 10 (4 below): (4 + 3) / 10 = 70 %; the median is 100 too, so
    # "at the median", never "in the top quarter" it shares with 5 others.
    top_heavy = standing(100.0, Counter({20.0: 4, 100.0: 6}))
    assert top_heavy.percentile == 70
    assert (top_heavy.q1, top_heavy.median, top_heavy.q3) == (20.0, 100.0, 100.0)
    assert top_heavy.position == "median"
    # Level with a third quartile shared by many: above the median, not in the top quarter.
    shared_top = standing(100.0, Counter({20.0: 6, 100.0: 4}))
    assert (shared_top.median, shared_top.q3, shared_top.position) == (20.0, 100.0, "above")
    # Level with the median shared by many: at the median, whatever the percentile (55 or 45).
    crowded = standing(50.0, Counter({30.0: 4, 50.0: 3, 70.0: 3}))
    assert crowded.percentile == 55 and crowded.median == 50.0 and crowded.position == "median"
    crowded_below = standing(50.0, Counter({30.0: 3, 50.0: 3, 70.0: 4}))
    assert crowded_below.percentile == 45 and crowded_below.position == "median"


def test_quartiles_interpolate_between_sorted_scores() -> None:
    result = standing(50.0, TEN)
    # Inclusive method on 10..100: positions 3.25, 5.5 and 7.75.
    assert (result.q1, result.median, result.q3) == (32.5, 55.0, 77.5)
    assert result.peers == 10


def test_nine_peers_are_not_enough_ten_are() -> None:
    cohort = _cohort()
    axes = [OwnAxis("strategie", "Stratégie et gouvernance", 85.0)]
    nine = compare(cohort, axes, [_group("bande", [float(x) for x in range(10, 100, 10)])])
    assert not nine.available
    assert "Pas encore assez de collectivités comparables" in nine.sentence
    assert "communes de 3\u202f500 à 9\u202f999 habitants" in nine.sentence
    assert nine.axes == ()
    ten = compare(cohort, axes, [_group("bande", sorted(TEN.elements()))])
    assert ten.available
    assert ten.peers == 10
    assert ten.axes[0].standing.percentile == 80
    assert ten.axes[0].sentence == (
        "Stratégie et gouvernance : dans le quart le plus avancé des communes de 3\u202f500 à "
        "9\u202f999 habitants (votre score : 85 sur 100 ; médiane : 55)."
    )


def test_the_narrowest_scope_with_enough_peers_is_chosen() -> None:
    cohort = _cohort()
    scores = sorted(TEN.elements())
    departement = _group("departement", scores[:9], *GIRONDE)
    region = _group("region", scores, *NOUVELLE_AQUITAINE)
    band = _group("bande", scores + scores)
    # 9 in the département: fall back to the région.
    assert choose_group(cohort, [band, region, departement]).scope.kind == "region"
    # 9 in the département and in the région: fall back to the band.
    small_region = _group("region", scores[:9], *NOUVELLE_AQUITAINE)
    assert choose_group(cohort, [departement, small_region, band]) is band
    # 10 in the département: the département.
    full = _group("departement", scores, *GIRONDE)
    chosen = compare(cohort, [OwnAxis("strategie", "Stratégie", 60.0)], [full, region, band])
    assert chosen.scope == Scope("departement", "33", "Gironde")
    assert "du département Gironde (33)" in chosen.sentence
    assert "du département Gironde (33)" in chosen.axes[0].sentence


def test_a_group_of_another_departement_is_never_used() -> None:
    cohort = _cohort()
    elsewhere = _group("departement", sorted(TEN.elements()), "40", "Landes")
    assert choose_group(cohort, [elsewhere]) is None


def test_without_an_official_area_only_the_band_is_tried() -> None:
    cohort = cohort_of("intercommunalite", 25_000)
    assert [scope.kind for scope in cohort.scopes()] == ["bande"]
    result = compare(
        cohort, [OwnAxis("strategie", "Stratégie", 10.0)], [_group("bande", sorted(TEN.elements()))]
    )
    assert "intercommunalités de 10\u202f000 à 49\u202f999 habitants" in result.axes[0].sentence
    assert result.axes[0].standing.position == "bottom"


def test_an_axis_without_own_score_or_without_enough_scored_peers() -> None:
    cohort = _cohort()
    group = PeerGroup(
        Scope("bande"),
        10,
        {"strategie": TEN, "donnees": Counter({40.0: 9})},  # one peer has no score on "donnees"
    )
    axes = [
        OwnAxis("strategie", "Stratégie", None),
        OwnAxis("donnees", "Données", 50.0),
        OwnAxis("durable", "Durable", 50.0),
    ]
    result = compare(cohort, axes, [group])
    assert result.available
    assert [axis.standing for axis in result.axes] == [None, None, None]
    assert "n'a pas pu être évalué" in result.axes[0].sentence
    assert "pas encore assez de collectivités comparables évaluées" in result.axes[1].sentence
    assert result.to_dict()["axes"][1] == {
        "axis_id": "donnees",
        "label": "Données",
        "score": 50.0,
        "compared": False,
        "sentence": result.axes[1].sentence,
    }


def test_small_bands_read_well() -> None:
    cohort = cohort_of("commune", 400)
    result = compare(cohort, [], [])
    assert "communes de moins de 1\u202f000 habitants" in result.sentence


def test_unknown_type_or_population_gives_no_cohort() -> None:
    assert cohort_of(None, 5_000) is None
    assert cohort_of("commune", None) is None
    assert "type de votre collectivité" in unknown_profile().sentence


def test_to_dict_is_json_ready() -> None:
    result = compare(
        _cohort(), [OwnAxis("strategie", "Stratégie", 85.0)], [_group("bande", sorted(TEN.elements()))]
    )
    data = result.to_dict()
    assert data["available"] is True
    assert data["minimum"] == MIN_PEERS
    assert data["scope"] == {"kind": "bande", "code": None, "name": None}
    assert data["axes"][0]["percentile"] == 80
    assert data["axes"][0]["position"] == "top"
    assert data["axes"][0]["quartiles"] == {"q1": 32.5, "median": 55.0, "q3": 77.5}


def test_the_phrases_file_is_checked(tmp_path) -> None:
    assert peer_messages().say("position_top") == "dans le quart le plus avancé"
    path = tmp_path / "peers.yml"
    path.write_text("area_region: de la région {name}\n", encoding="utf-8")
    with pytest.raises(MessagesError, match="phrase manquante : peers_intro"):
        load_messages(path, PEER_PHRASES.required)
