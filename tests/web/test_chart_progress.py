"""The progress chart (SVG with its text alternative) and the calendar file's RFC 5545 text."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from bot.charts.progress import ProgressBar, describe, progress_svg
from bot.web.reminder import reminder_ics

ROWS = [
    ProgressBar("Stratégie et gouvernance", 40.0, 62.5),
    ProgressBar("Données <et> « interopérabilité » & co", None, 20.0),
]


def test_the_chart_has_a_title_a_description_and_escapes_every_label() -> None:
    svg = str(progress_svg(ROWS))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert '<title id="progression-titre">Progression par axe</title>' in svg
    assert "Données &lt;et&gt; « interopérabilité » &amp; co" in svg
    assert "<et>" not in svg
    assert describe(ROWS) == (
        "Score de maturité par axe, sur 100, au diagnostic précédent puis maintenant. "
        "Stratégie et gouvernance : 40/100 puis 62,5/100 ; "
        "Données <et> « interopérabilité » & co : non évalué puis 20/100."
    )


def test_bars_are_proportional_to_the_scores_and_labels_are_never_cut() -> None:
    svg = str(
        progress_svg(
            [ProgressBar("Développement durable, énergie et budget des bâtiments publics", 50.0, 100.0)]
        )
    )
    bar = r'<rect x="0" y="[\d.]+" width="([\d.]+)" height="14" fill="#[0-9a-f]+"><title>'
    widths = [float(width) for width in re.findall(bar, svg)]
    assert widths == [145.0, 290.0]
    lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)
    assert " ".join(lines) == "Développement durable, énergie et budget des bâtiments publics"
    assert all(len(line) <= 40 for line in lines)


def test_an_empty_chart_is_refused() -> None:
    with pytest.raises(ValueError):
        progress_svg([])


def test_the_calendar_text_is_escaped_and_folded() -> None:
    now = datetime(2026, 12, 3, 16, 0, tzinfo=timezone(timedelta(hours=1)))
    url = "https://diagnostic.example.fr/rapport/" + "x" * 60
    text = reminder_ics(url, "Refaire ; le diagnostic, vite", "Ligne 1\nLigne 2 : " + url, now)
    lines = text.split("\r\n")
    assert lines[-1] == "" and all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:Refaire \\; le diagnostic\\, vite\r\n" in unfolded
    assert f"DESCRIPTION:Ligne 1\\nLigne 2 : {url}\r\n" in unfolded
    assert "DTSTAMP:20261203T150000Z\r\n" in unfolded  # UTC
    assert "DTSTART;VALUE=DATE:20270603\r\nDTEND;VALUE=DATE:20270604\r\n" in unfolded


def test_folding_never_splits_a_character() -> None:
    text = reminder_ics("https://d.example.fr/r", "é" * 100, "d", datetime(2026, 1, 1, tzinfo=timezone.utc))
    for line in text.split("\r\n"):
        line.encode("utf-8").decode("utf-8")
        assert len(line.encode()) <= 75
    assert "SUMMARY:" + "é" * 100 in text.replace("\r\n ", "")
