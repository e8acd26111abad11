"""The charts' sentences (bot/content/charts.yml) are all present, checked, and what the SVGs say."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.charts.bars import bar_chart_svg
from bot.charts.progress import ProgressBar, progress_svg
from bot.charts.radar import RadarAxis, radar_svg
from bot.charts.text import CHARTS_PATH, REQUIRED_CHART_TEXTS, chart_text, chart_texts, score_text
from bot.messages import MessagesError, load_messages


def test_every_sentence_formats_with_its_fields() -> None:
    texts = chart_texts()
    for key, fields in REQUIRED_CHART_TEXTS.items():
        text = texts.say(key, **{name: "X" for name in fields})
        assert text and "{" not in text, key


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("radar_title"), "phrase manquante : radar_title"),
        (lambda d: d.update(radar_axis="{label} : {note}"), "paramètre inconnu note"),
        (lambda d: d.update(extra="Bonjour"), "inutilisées : extra"),
    ],
)
def test_broken_files_are_refused(tmp_path: Path, change, message: str) -> None:
    data = yaml.safe_load(CHARTS_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "charts.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MessagesError, match=message):
        load_messages(path, REQUIRED_CHART_TEXTS)


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
