"""The radar's outlines per service (group report)."""

from __future__ import annotations

import pytest

from bot.charts.radar import OUTLINE_STYLES, RadarAxis, RadarOutline, outline_style, radar_svg

AXES = [RadarAxis("Stratégie", 50.0), RadarAxis("Données", None), RadarAxis("Organisation <b>", 100.0)]


def test_one_dashed_outline_per_service_described_in_the_text_alternative() -> None:
    outlines = [
        RadarOutline("Finances", (0.0, 20.0, None)),
        RadarOutline("Numérique / DSI", (100.0, 40.0, 60.0)),
    ]
    svg = str(radar_svg(AXES, outlines=outlines))
    assert svg.count('class="radar-contour"') == 2
    assert f'stroke-dasharray="{OUTLINE_STYLES[0][1]}"' in svg and f'stroke="{OUTLINE_STYLES[1][0]}"' in svg
    assert "Finances : Stratégie 0/100, Données 20/100, Organisation &lt;b&gt; non évalué." in svg
    assert "Numérique / DSI : Stratégie 100/100" in svg
    assert "<b>" not in svg
    assert outline_style(len(OUTLINE_STYLES)) == OUTLINE_STYLES[0]


def test_without_outlines_the_radar_is_unchanged_and_bad_outlines_are_refused() -> None:
    assert "radar-contour" not in str(radar_svg(AXES))
    with pytest.raises(ValueError):
        radar_svg(AXES, outlines=[RadarOutline("Finances", (1.0, 2.0))])
