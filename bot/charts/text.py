"""The text inside charts: their sentences (bot/content/charts.yml), labels wrapped to fit the
drawing, scores written the French way."""

from __future__ import annotations

from bot.content_files import CONTENT_DIR
from bot.formatting import number
from bot.messages import PhraseFile

# Every sentence of the charts (bot/content/charts.yml), with its placeholders.
CHART_PHRASES = PhraseFile(
    CONTENT_DIR / "charts.yml",
    {
        "not_assessed": (),
        "score_of_100": ("score",),
        "radar_title": (),
        "radar_description": ("axes",),
        "radar_axis": ("label", "score"),
        "radar_outline": ("label", "scores"),
        "radar_outline_axis": ("label", "score"),
        "progress_title": (),
        "progress_description": ("axes",),
        "progress_axis": ("label", "then", "now"),
        "progress_bar": ("label", "when", "score"),
        "progress_then": (),
        "progress_now": (),
        "progress_legend_then": (),
        "progress_legend_now": (),
        "peers_title": (),
        "peers_description": ("axes",),
        "peers_axis": ("label", "score", "median", "q1", "q3"),
        "peers_axis_tooltip": ("label", "score", "median"),
        "peers_legend_own": (),
        "peers_legend_band": (),
        "peers_legend_median": (),
        "peers_legend_scale": (),
        "bars_row": ("label", "value"),
        "bars_empty": (),
        "bars_empty_description": (),
    },
)


# The sentences, checked once at first use, and one of them with its placeholders filled in.
chart_texts = CHART_PHRASES.messages
chart_text = CHART_PHRASES.text


def wrap(text: str, width: int, max_lines: int | None = None) -> list[str]:
    """``text`` on lines of at most ``width`` characters, cut between words (a word longer than
    a line is cut too); past ``max_lines``, the last line ends with "…"."""
    words: list[str] = []
    for word in str(text).split():
        words.extend(word[start : start + width] for start in range(0, len(word), width))
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if max_lines is not None and len(lines) > max_lines:
        last = lines[max_lines - 1]
        lines = [*lines[: max_lines - 1], (last if len(last) < width else last[: width - 1].rstrip()) + "…"]
    return lines or [""]


def score_text(score: float | None) -> str:
    """ "42,5/100", or "non évalué" for an axis without a score."""
    return chart_text("not_assessed") if score is None else chart_text("score_of_100", score=number(score))
