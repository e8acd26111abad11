"""The progress chart of a repeat: per axis, the score then and now, drawn on the server as SVG.

Per axis: its label (wrapped, never cut) above a grey bar for the earlier score and a blue bar
for the current one, each with its value written after it. The SVG carries a title and a
description that list every score, and the report shows the same values in a table beside it.
Sized by its viewBox, it scales down to a 320 px wide screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from bot.charts.text import chart_text, score_text, wrap

WIDTH = 360  # narrow, so that its text stays readable on a 320 px wide screen
LINE_LENGTH = 40  # the axis label, wrapped above its bars
BAR_SPACE = 290  # 100 points; the value is written after the bar
BAR_HEIGHT = 14
BAR_GAP = 4
ROW_GAP = 16
FONT_SIZE = 14
LINE_HEIGHT = FONT_SIZE + 3
TOP = 34  # room for the legend
THEN_COLOUR = "#6b7280"  # 4.8:1 on white
NOW_COLOUR = "#1f5fa8"


@dataclass(frozen=True)
class ProgressBar:
    label: str
    then: float | None
    now: float | None


def describe(rows: Sequence[ProgressBar]) -> str:
    """The text alternative: every axis, then and now."""
    parts = [
        chart_text("progress_axis", label=row.label, then=score_text(row.then), now=score_text(row.now))
        for row in rows
    ]
    return chart_text("progress_description", axes=" ; ".join(parts))


def _bar(y: float, score: float | None, colour: str, what: str, label: str) -> str:
    width = BAR_SPACE * max(0.0, min(score or 0.0, 100.0)) / 100
    text = score_text(score)
    return (
        f'<rect x="0" y="{y:.1f}" width="{width:.1f}" height="{BAR_HEIGHT}" fill="{colour}">'
        f"<title>{escape(chart_text('progress_bar', label=label, when=what, score=text))}</title></rect>"
        f'<text x="{width + 5:.1f}" y="{y + BAR_HEIGHT - 2:.1f}" font-size="12" fill="#1b1b1b">'
        f"{escape(text)}</text>"
    )


def progress_svg(rows: Sequence[ProgressBar], id_prefix: str = "progression") -> Markup:
    """The chart as inline SVG markup (every text escaped): per axis, its label, then two bars."""
    if not rows:
        raise ValueError("un graphique de progression a besoin d'au moins un axe")
    title_id, desc_id = f"{id_prefix}-titre", f"{id_prefix}-description"
    body: list[str] = []
    y = float(TOP)
    then, now = chart_text("progress_then"), chart_text("progress_now")
    for row in rows:
        lines = wrap(row.label, LINE_LENGTH)
        spans = "".join(
            f'<tspan x="0" y="{y + FONT_SIZE + index * LINE_HEIGHT:.1f}">{escape(line)}</tspan>'
            for index, line in enumerate(lines)
        )
        body.append(f'<text font-size="{FONT_SIZE}" font-weight="700" fill="#1b1b1b">{spans}</text>')
        y += len(lines) * LINE_HEIGHT + BAR_GAP
        body.append(_bar(y, row.then, THEN_COLOUR, then, row.label))
        body.append(_bar(y + BAR_HEIGHT + BAR_GAP, row.now, NOW_COLOUR, now, row.label))
        y += 2 * BAR_HEIGHT + BAR_GAP + ROW_GAP
    legend = (
        '<g class="progression-legende" font-size="12" fill="#1b1b1b" aria-hidden="true">'
        f'<rect x="0" y="8" width="14" height="14" fill="{THEN_COLOUR}"/>'
        f'<text x="20" y="20">{escape(chart_text("progress_legend_then"))}</text>'
        f'<rect x="170" y="8" width="14" height="14" fill="{NOW_COLOUR}"/>'
        f'<text x="190" y="20">{escape(chart_text("progress_legend_now"))}</text></g>'
    )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {y:.0f}" role="img" '
        f'class="progression" aria-labelledby={quoteattr(title_id + " " + desc_id)} '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">'
        f"<title id={quoteattr(title_id)}>{escape(chart_text('progress_title'))}</title>"
        f"<desc id={quoteattr(desc_id)}>{escape(describe(rows))}</desc>"
        f"{legend}{''.join(body)}</svg>"
    )
