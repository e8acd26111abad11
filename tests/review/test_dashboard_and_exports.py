"""The dashboard's figures, its SVG charts, and the staff exports (CSV, JSON)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from bot.charts.bars import LINE_CHARS, VALUE_CHAR_WIDTH, wrap_label
from bot.review import bar_chart_svg
from bot.review.exports import csv_cell
from tests.review.conftest import NOW, SCRIPT, Stores

SVG = "{http://www.w3.org/2000/svg}"

# --- dashboard -------------------------------------------------------------------------------


def test_dashboard_figures(seeded: Stores) -> None:
    dashboard = seeded.review.dashboard(now=NOW)
    assert (dashboard.diagnostics, dashboard.completed, dashboard.abandoned) == (5, 2, 1)
    assert dashboard.completion_rate == pytest.approx(0.4)
    # alice took 10 minutes, sql 1 minute.
    assert dashboard.average_completion == timedelta(minutes=5, seconds=30)
    assert dashboard.median_completion == timedelta(minutes=5, seconds=30)
    weeks = dict(dashboard.chart("per_week").rows)
    assert list(weeks) == ["2026-S44", "2026-S45", "2026-S46", "2026-S47", "2026-S48"]
    assert sum(weeks.values()) == 5
    assert dashboard.chart("drop_off").rows == (
        ("3. Combien d'habitants compte votre territoire, approximativement ?", 1),
    )
    assert dict(dashboard.chart("levels").rows) == {
        "1. Découverte": 1,
        "2. Planification": 0,
        "3. Développement": 1,
        "4. Intégration": 0,
        "5. Optimisation": 0,
    }
    assert [count for _, count in dashboard.chart("actions").rows] == [1, 1]
    # "Not understood" and "understood with a low confidence" are listed apart (issue 10).
    assert dict(dashboard.chart("fallbacks").rows) == {"blablabla zorglub": 1}
    low_confidence = dict(dashboard.chart("low_confidence").rows)
    assert low_confidence == {SCRIPT: 1, "c'est quoi l'interopérabilité ?": 1}


def test_dashboard_over_a_period(seeded: Stores) -> None:
    dashboard = seeded.review.dashboard(date_from=date(2026, 11, 10), date_to=date(2026, 11, 24), now=NOW)
    assert (dashboard.diagnostics, dashboard.completed) == (3, 1)  # bob, eve, sql
    assert dashboard.chart("fallbacks").rows == ()
    assert dashboard.chart("low_confidence").rows == ()
    assert [label for label, _ in dashboard.chart("per_week").rows] == ["2026-S46", "2026-S47", "2026-S48"]


def test_an_empty_dashboard(review) -> None:
    dashboard = review.dashboard(now=NOW)
    assert dashboard.diagnostics == 0 and dashboard.completion_rate is None
    assert dashboard.average_completion is None
    for chart in dashboard.charts:
        ET.fromstring(chart.svg())


# --- charts -----------------------------------------------------------------------------------


def test_bar_chart_is_accessible_svg() -> None:
    svg = bar_chart_svg("Niveaux", [("Découverte", 3), ("Intégration", 1)], chart_id="levels")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-labelledby") == "levels-title levels-desc"
    assert root.find(f"{SVG}title").text == "Niveaux"
    assert root.find(f"{SVG}desc").text == "Découverte : 3; Intégration : 1"
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] == 2 * widths[1] * 1.5 or widths[0] > widths[1]


def test_bar_chart_escapes_every_text() -> None:
    svg = bar_chart_svg(SCRIPT, [(SCRIPT, 2), ('"><img src=x onerror=alert(1)>', 1)], description="<b>&</b>")
    assert "<script>" not in svg and "<img" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg
    root = ET.fromstring(svg)  # still well-formed XML
    assert root.find(f"{SVG}title").text == SCRIPT


def test_bar_chart_without_rows_and_with_long_labels() -> None:
    assert "Aucune donnée" in bar_chart_svg("Vide", [])
    svg = bar_chart_svg("Long", [("x" * 200, 1_234_567.5)])
    drawn = svg.split("<g>")[1].split("</title>")[1]
    assert "x" * (LINE_CHARS + 1) not in drawn and "…" in drawn  # cut into lines, then shortened…
    assert "x" * 200 in svg  # …complete in the tooltip
    assert "1\u202f234\u202f567,5" in svg


ENERGY = "Mettre en place un outil pour suivre et piloter l'énergie des bâtiments publics"


def test_bar_chart_labels_wrap_whole_inside_the_drawing() -> None:
    """The dashboard's labels were cut on the left ("…t piloter l'énergie des bâtim…")."""
    svg = bar_chart_svg("Actions recommandées", [(ENERGY, 12), ("Ouvrir les données", 3)], unit="diagnostics")
    root = ET.fromstring(svg)
    width = float(root.get("viewBox").split()[2])
    assert width <= 320, "narrow: on a 320 px screen the text keeps nearly its size"
    labels = [text for text in root.iter(f"{SVG}text") if text.get("class") == "bar-chart-label"]
    first = [span.text for span in labels[0].iter(f"{SVG}tspan")]
    assert " ".join(first) == ENERGY, "the whole label, on several lines"
    assert first == wrap_label(ENERGY) and len(first) == 3
    for text in labels:
        for span in text.iter(f"{SVG}tspan"):
            assert span.get("x") == "0" and len(span.text) <= LINE_CHARS
    for group in root.iter(f"{SVG}g"):
        bar = group.find(f"{SVG}rect")
        value = next(text for text in group.iter(f"{SVG}text") if text.get("class") == "bar-chart-value")
        end = float(value.get("x")) + VALUE_CHAR_WIDTH * len(value.text)
        assert float(bar.get("width")) >= 0 and end <= width, value.text


def test_wrap_label_cuts_words_and_lines() -> None:
    assert wrap_label("un deux trois", width=7) == ["un deux", "trois"]
    assert wrap_label("abcdefghij", width=4) == ["abcd", "efgh", "ij"]
    assert wrap_label("a b c d e f", width=3, max_lines=2) == ["a b", "c…"]
    assert wrap_label("abcdefghijkl", width=4, max_lines=2) == ["abcd", "efg…"]
    assert wrap_label("") == [""]


# --- exports -----------------------------------------------------------------------------------


def test_diagnostics_csv_one_row_per_diagnostic_one_column_per_question(seeded: Stores) -> None:
    text = "".join(seeded.review.diagnostics_csv())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5
    header = list(rows[0])
    assert header[:4] == ["id", "sender_id", "status", "created_at"]
    question_ids = [question.id for question in seeded.review.questionnaire.questions]
    assert header[-len(question_ids) :] == question_ids
    alice = next(row for row in rows if row["sender_id"] == "alice")
    assert (alice["status"], alice["level"], alice["level_name"]) == ("termine", "3", "Développement")
    assert (alice["recommended_action"], alice["population"]) == ("batiments", "12000")
    assert alice["strategie_projet_formalise"] == "en_partie" and alice["donnees_rgpd"] == ""


def test_diagnostics_json(seeded: Stores) -> None:
    rows = json.loads("".join(seeded.review.diagnostics_json()))
    assert [row["sender_id"] for row in rows] == ["alice", "bob", "carol", "eve", "sql"]
    assert rows[0]["population"] == 12000 and rows[0]["score"] == 50.0


def test_answer_markers_lists_and_formula_injection(stores: Stores) -> None:
    stores.diagnostic(
        "mallory",
        {
            "nom_collectivite": '=HYPERLINK("http://evil")',
            "citoyens_outil_lequel": "+33 1 23",
            "citoyens_attentes": ["eclairage_public", "mobilite"],
            "donnees_rgpd": (None, "unknown"),
            "donnees_ouverture": (None, "skipped"),
        },
    )
    row = next(csv.DictReader(io.StringIO("".join(stores.review.diagnostics_csv()))))
    assert row["nom_collectivite"] == '\'=HYPERLINK("http://evil")'
    assert row["citoyens_outil_lequel"] == "'+33 1 23"
    assert row["citoyens_attentes"] == "eclairage_public | mobilite"
    assert (row["donnees_rgpd"], row["donnees_ouverture"]) == ("(ne sait pas)", "(passée)")
    as_json = json.loads("".join(stores.review.diagnostics_json()))[0]
    assert as_json["citoyens_attentes"] == ["eclairage_public", "mobilite"]
    assert as_json["nom_collectivite"] == '=HYPERLINK("http://evil")'  # JSON is data, not a spreadsheet


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("ok", "ok"),
        (-2, -2),
        (None, ""),
    ],
)
def test_csv_cell(value, cell) -> None:
    assert csv_cell(value) == cell


def test_transcripts_json(seeded: Stores) -> None:
    transcripts = json.loads("".join(seeded.review.transcripts_json()))
    assert [item["sender_id"] for item in transcripts] == ["dave", "bob", "sql", "alice", "carol"]
    alice = next(item for item in transcripts if item["sender_id"] == "alice")
    texts = [turn["user"]["text"] for turn in alice["turns"] if turn["user"]]
    assert texts[3] == "blablabla zorglub" and alice["turns"][4]["user"]["flag"] == "fallback"
    carol = next(item for item in transcripts if item["sender_id"] == "carol")
    assert SCRIPT in json.dumps(carol, ensure_ascii=False)
    from bot.review import ConversationFilters

    only = json.loads("".join(seeded.review.transcripts_json(ConversationFilters(status="termine"))))
    assert [item["sender_id"] for item in only] == ["sql", "alice"]
