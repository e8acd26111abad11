"""The peers' aggregates computed in SQL (bot/storage/peers.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.peers import OwnAxis, Scope
from bot.storage import DiagnosticNotFoundError, DiagnosticStore
from bot.storage.peers import peer_comparison, peer_groups
from tests.peers_support import authority as _authority
from tests.peers_support import diagnostic


def _by_kind(groups):
    return {group.scope.kind: group for group in groups}


def test_only_comparable_completed_diagnostics_are_counted(store: DiagnosticStore) -> None:
    own = diagnostic(store, {"strategie": 50.0}, official=_authority("33001"))
    diagnostic(store, {"strategie": 40.0}, official=_authority("33002"))  # same département
    diagnostic(store, {"strategie": 40.0}, official=_authority("40001", departement="40"))  # same région
    diagnostic(store, {"strategie": 70.0, "donnees": None})  # no official authority: band only
    diagnostic(store, {"strategie": 90.0}, official=_authority("69001", "69", "84"))  # elsewhere
    # Never counted:
    diagnostic(store, {"strategie": 10.0}, authority_type="intercommunalite")
    diagnostic(store, {"strategie": 10.0}, population=3_499)  # the band below
    diagnostic(store, {"strategie": 10.0}, population=10_000)  # the band above
    diagnostic(store, {"strategie": 10.0}, status="en_cours")
    diagnostic(store, {"strategie": 10.0}, status="abandonne")
    excluded = diagnostic(store, {"strategie": 10.0})
    store.set_peer_flags(excluded.id, excluded_from_peers=True)
    synthetic = diagnostic(store, {"strategie": 20.0})
    store.set_peer_flags(synthetic.id, synthetic=True)

    cohort, groups = peer_groups(store, own, ["strategie", "donnees"])
    assert cohort is not None and cohort.band.code == "3500-9999"
    by_kind = _by_kind(groups)
    assert list(by_kind) == ["departement", "region", "bande"]
    assert by_kind["departement"].scope == Scope("departement", "33", "Gironde")
    assert by_kind["departement"].diagnostics == 1
    assert by_kind["region"].diagnostics == 2
    assert by_kind["bande"].diagnostics == 4
    assert dict(by_kind["bande"].scores["strategie"]) == {40.0: 2, 70.0: 1, 90.0: 1}
    assert dict(by_kind["region"].scores["strategie"]) == {40.0: 2}
    assert "donnees" not in by_kind["bande"].scores, "a score of None is not counted"

    _, with_synthetic = peer_groups(store, own, ["strategie"], include_synthetic=True)
    assert _by_kind(with_synthetic)["bande"].diagnostics == 5
    assert _by_kind(with_synthetic)["bande"].scores["strategie"][20.0] == 1


def test_an_authority_counts_once_and_never_among_its_own_peers(store: DiagnosticStore) -> None:
    own = diagnostic(store, {"strategie": 50.0}, official=_authority("33001"))
    diagnostic(store, {"strategie": 10.0}, official=_authority("33001"))  # the same authority again
    diagnostic(store, {"strategie": 20.0}, official=_authority("33002"))
    diagnostic(store, {"strategie": 30.0}, official=_authority("33002"))  # its latest: counted
    latest_excluded = diagnostic(store, {"strategie": 35.0}, official=_authority("33003"))
    diagnostic(store, {"strategie": 25.0}, official=_authority("33003"))
    store.set_peer_flags(latest_excluded.id, excluded_from_peers=True)
    _, groups = peer_groups(store, own, ["strategie"])
    band = _by_kind(groups)["bande"]
    assert band.diagnostics == 2
    assert dict(band.scores["strategie"]) == {30.0: 1, 25.0: 1}


def test_nine_peers_give_no_comparison_ten_do(store: DiagnosticStore) -> None:
    own = diagnostic(store, {"strategie": 85.0})
    axes = [OwnAxis("strategie", "Stratégie et gouvernance", 85.0)]
    for score in range(10, 100, 10):
        diagnostic(store, {"strategie": float(score)})
    nine = peer_comparison(store, own, axes)
    assert not nine.available
    assert "Pas encore assez de collectivités comparables" in nine.sentence
    diagnostic(store, {"strategie": 100.0})
    ten = peer_comparison(store, own, axes)
    assert ten.available and ten.peers == 10
    assert ten.axes[0].standing.percentile == 80
    assert ten.axes[0].standing.position == "top"


def test_without_type_or_population_there_is_no_comparison(store: DiagnosticStore) -> None:
    record = store.create("sans-profil")
    assert peer_groups(store, record, ["strategie"]) == (None, [])
    assert "type de votre collectivité" in peer_comparison(store, record, []).sentence


def test_peer_flags_need_an_existing_diagnostic(store: DiagnosticStore) -> None:
    with pytest.raises(DiagnosticNotFoundError):
        store.set_peer_flags(999_999, excluded_from_peers=True)
