"""The charts' sentences (bot/content/charts.yml) are all present, checked, and what the SVGs say."""

from __future__ import annotations

from bot.charts.bars import bar_chart_svg
from bot.charts.progress import ProgressBar, progress_svg
from bot.charts.radar import RadarAxis, radar_svg
from bot.charts.text import chart_text, score_text


def test_the_charts_say_the_sentences_of_the_file() -> None:
    radar = radar_svg([RadarAxis("Données", 42.5), RadarAxis("Services", None), RadarAxis("Réseaux", 10.0)])
    assert f">{chart_text('radar_title')}</title>" in radar
    assert chart_text("radar_axis", label="Services", score=chart_text("not_assessed")) in radar
    assert score_text(42.5) == chart_text("score_of_100", score="42,5")
    progress = progress_svg([ProgressBar("Données", 20.0, 40.0)])
    assert f">{chart_text('progress_legend_then')}</text>" in progress
    assert chart_text("progress_axis", label="Données", then="20/100", now="40/100") in progress
    empty = bar_chart_svg("Titre", [])
    assert f">{chart_text('bars_empty')}</text>" in empty
    assert chart_text("bars_empty_description") in empty
