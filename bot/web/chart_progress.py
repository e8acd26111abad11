"""The progress chart of a repeat: per axis, the score then and now, drawn on the server as SVG.

One row per axis: its label (wrapped, never cut), a grey bar for the earlier score and a blue
bar for the current one, each with its value written after it. The SVG carries a title and a
description that list every score, and the report shows the same values in a table beside it.
Sized by its viewBox, it scales down to a 320 px wide screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from bot.web.radar import _score_text, _wrap

WIDTH = 600
LABEL_WIDTH = 200  # the labels' column, wrapped at LINE_LENGTH characters
LINE_LENGTH = 24
BAR_START = LABEL_WIDTH + 10
BAR_SPACE = 300  # 100 points
BAR_HEIGHT = 14
BAR_GAP = 4
ROW_GAP = 18
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
    parts = [f"{row.label} : {_score_text(row.then)} puis {_score_text(row.now)}" for row in rows]
    return (
        "Score de maturité par axe, sur 100, au diagnostic précédent puis maintenant. "
        + " ; ".join(parts)
        + "."
    )


def _bar(y: float, score: float | None, colour: str, what: str, label: str) -> str:
    width = BAR_SPACE * max(0.0, min(score or 0.0, 100.0)) / 100
    text = _score_text(score)
    return (
        f'<rect x="{BAR_START}" y="{y:.1f}" width="{width:.1f}" height="{BAR_HEIGHT}" fill="{colour}">'
        f"<title>{escape(label)}, {what} : {escape(text)}</title></rect>"
        f'<text x="{BAR_START + width + 6:.1f}" y="{y + BAR_HEIGHT - 2:.1f}" font-size="12" fill="#1b1b1b">'
        f"{escape(text)}</text>"
    )


def progress_svg(rows: Sequence[ProgressBar], id_prefix: str = "progression") -> Markup:
    """The chart as inline SVG markup (every text escaped)."""
    if not rows:
        raise ValueError("un graphique de progression a besoin d'au moins un axe")
    title_id, desc_id = f"{id_prefix}-titre", f"{id_prefix}-description"
    body: list[str] = []
    y = float(TOP)
    for row in rows:
        lines = _wrap(row.label, LINE_LENGTH)
        height = max(2 * BAR_HEIGHT + BAR_GAP, len(lines) * LINE_HEIGHT)
        spans = "".join(
            f'<tspan x="{LABEL_WIDTH}" y="{y + FONT_SIZE + index * LINE_HEIGHT:.1f}">{escape(line)}</tspan>'
            for index, line in enumerate(lines)
        )
        body.append(f'<text text-anchor="end" font-size="{FONT_SIZE}" fill="#1b1b1b">{spans}</text>')
        body.append(_bar(y, row.then, THEN_COLOUR, "avant", row.label))
        body.append(_bar(y + BAR_HEIGHT + BAR_GAP, row.now, NOW_COLOUR, "maintenant", row.label))
        y += height + ROW_GAP
    height = y
    legend = (
        '<g class="progression-legende" font-size="12" fill="#1b1b1b" aria-hidden="true">'
        f'<rect x="{BAR_START}" y="8" width="14" height="14" fill="{THEN_COLOUR}"/>'
        f'<text x="{BAR_START + 20}" y="20">Diagnostic précédent</text>'
        f'<rect x="{BAR_START + 170}" y="8" width="14" height="14" fill="{NOW_COLOUR}"/>'
        f'<text x="{BAR_START + 190}" y="20">Maintenant</text></g>'
    )
    bottom = height - ROW_GAP + 4
    axis = f'<line x1="{BAR_START}" y1="{TOP - 4}" x2="{BAR_START}" y2="{bottom:.1f}" stroke="#b4bac4"/>'
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'class="progression" aria-labelledby={quoteattr(title_id + " " + desc_id)} '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">'
        f"<title id={quoteattr(title_id)}>Progression par axe</title>"
        f"<desc id={quoteattr(desc_id)}>{escape(describe(rows))}</desc>"
        f"{legend}{axis}{''.join(body)}</svg>"
    )
