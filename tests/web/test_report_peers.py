"""The report's comparison with peers: HTML, JSON, chart, and the platform's setting."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from bot.charts.peers import LINE_LENGTH, peers_svg
from bot.peers import AxisComparison, OwnAxis, PeerGroup, Scope, cohort_of, compare
from bot.questionnaire import default_questionnaire
from bot.settings import SettingsError, load_settings
from bot.storage import DiagnosticStore
from tests.peers_support import diagnostic
from tests.web.conftest import finished_diagnostic

AXES = [axis.id for axis in default_questionnaire().axes]
SECRET_PEER = "Commune Très Secrète"


def _peers(store: DiagnosticStore, how_many: int, *, synthetic: bool = False) -> None:
    """Communes of 10 000 to 49 999 inhabitants, like finished_diagnostic's (12 000)."""
    for number in range(how_many):
        record = diagnostic(
            store,
            {axis: float(10 * (number + 1)) for axis in AXES},
            population=20_000,
            name=SECRET_PEER if number == 0 else None,
        )
        if synthetic:
            store.set_peer_flags(record.id, synthetic=True)


def _chart(page: str) -> str | None:
    found = re.search(r'<svg[^>]*class="pairs-graphique".*?</svg>', page, re.S)
    return None if found is None else found.group(0)


def test_nine_peers_show_no_comparison(client: TestClient, store: DiagnosticStore) -> None:
    record = finished_diagnostic(store)
    _peers(store, 9)
    page = client.get(f"/rapport/{record.public_id}").text
    assert "Vous et les collectivités comparables" in page
    assert "Pas encore assez de collectivités comparables" in page
    assert "communes de 10\u202f000 à 49\u202f999 habitants" in page
    assert _chart(page) is None and "Rang centile" not in page
    peers = client.get(f"/rapport/{record.public_id}.json").json()["peers"]
    assert peers["available"] is False and peers["axes"] == [] and peers["minimum"] == 10


def test_ten_peers_show_where_the_authority_stands(client: TestClient, store: DiagnosticStore) -> None:
    record = finished_diagnostic(store)
    _peers(store, 10)
    own = store.result(record.id)["maturity"]["axes"]
    page = client.get(f"/rapport/{record.public_id}").text
    assert "Comparaison avec 10 communes de 10\u202f000 à 49\u202f999 habitants" in page
    chart = _chart(page)
    assert chart is not None and 'role="img"' in chart and "<desc" in chart
    assert "Rang centile" in page and "Premier quartile" in page
    assert SECRET_PEER not in page, "never another authority's name"
    data = client.get(f"/rapport/{record.public_id}.json").json()["peers"]
    assert data["available"] is True and data["peers"] == 10
    assert data["scope"] == {"kind": "bande", "code": None, "name": None}
    assert [axis["axis_id"] for axis in data["axes"]] == AXES
    for axis in data["axes"]:
        score = own[axis["axis_id"]]["score"]
        below = sum(1 for peer in range(1, 11) if 10.0 * peer < score)
        equal = sum(1 for peer in range(1, 11) if 10.0 * peer == score)
        assert axis["percentile"] == int((100 * (2 * below + equal) / 20) + 0.5), axis
        assert axis["quartiles"] == {"q1": 32.5, "median": 55.0, "q3": 77.5}
        assert axis["sentence"] in page.replace("&#39;", "'")
    assert SECRET_PEER not in str(data)


def test_synthetic_peers_count_only_when_the_platform_asks(
    make_client: Callable[..., TestClient], store: DiagnosticStore
) -> None:
    record = finished_diagnostic(store)
    _peers(store, 10, synthetic=True)
    default = make_client().get(f"/rapport/{record.public_id}.json").json()["peers"]
    assert default["available"] is False
    included = make_client(include_synthetic=True).get(f"/rapport/{record.public_id}.json").json()
    assert included["peers"]["available"] is True


def test_staff_excluded_diagnostics_never_count(client: TestClient, store: DiagnosticStore) -> None:
    record = finished_diagnostic(store)
    _peers(store, 10)
    test_run = diagnostic(store, {axis: 0.0 for axis in AXES}, population=20_000)
    assert client.get(f"/rapport/{record.public_id}.json").json()["peers"]["peers"] == 11
    store.set_peer_flags(test_run.id, excluded_from_peers=True)
    assert client.get(f"/rapport/{record.public_id}.json").json()["peers"]["peers"] == 10


def test_the_setting_is_read_in_french() -> None:
    assert load_settings({}).include_synthetic is False
    assert load_settings({"DIAGNOSTIC_INCLUDE_SYNTHETIC": "oui"}).include_synthetic is True
    assert load_settings({"DIAGNOSTIC_INCLUDE_SYNTHETIC": " Non "}).include_synthetic is False
    with pytest.raises(SettingsError, match="« oui » ou « non »"):
        load_settings({"DIAGNOSTIC_INCLUDE_SYNTHETIC": "peut-être"})


def _compared(label: str, score: float) -> AxisComparison:
    cohort = cohort_of("commune", 5_000)
    group = PeerGroup(Scope("bande"), 10, {"axe": {float(10 * n): 1 for n in range(1, 11)}})
    return compare(cohort, [OwnAxis("axe", label, score)], [group]).axes[0]


def test_the_chart_wraps_long_names_and_escapes_them() -> None:
    long_name = "Piloter l'énergie des bâtiments <publics> & l'éclairage de toute la commune"
    svg = str(peers_svg([_compared(long_name, 85.0)]))
    spans = re.findall(r"<tspan[^>]*>(.*?)</tspan>", svg)
    assert len(spans) >= 2
    assert all(
        len(span.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")) <= LINE_LENGTH
        for span in spans
    )
    assert "<publics>" not in svg and "&lt;publics&gt;" in svg
    assert "votre score 85, médiane 55, moitié centrale de 32,5 à 77,5" in svg
    assert re.search(r'viewBox="0 0 320 \d+"', svg)


def test_no_chart_without_a_compared_axis() -> None:
    cohort = cohort_of("commune", 5_000)
    result = compare(cohort, [OwnAxis("axe", "Axe", None)], [PeerGroup(Scope("bande"), 10, {})])
    assert peers_svg(result.axes) is None
