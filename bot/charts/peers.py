"""Where the authority stands among its peers, per axis, drawn on the server as SVG.

One row per compared axis: the axis's name above a 0-100 track, the middle half of the peers
(first to third quartile) as a band, their median as a bar, the authority's score as a dot.
The drawing is narrow (320 units) and its names sit above the tracks, so that nothing is cut
at 320 px wide; its title and description list every value (text alternative), and the
report shows the same values in a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from bot.charts.text import chart_text, wrap
from bot.formatting import number
from bot.peers import AxisComparison

WIDTH = 320
LEFT = 12
RIGHT = WIDTH - 12
LEGEND_HEIGHT = 46
FONT_SIZE = 15
LINE_HEIGHT = FONT_SIZE + 4
TRACK_HEIGHT = 16
ROW_GAP = 30
LINE_LENGTH = 32  # characters of an axis name per line, at FONT_SIZE on WIDTH
OWN_COLOUR = "#1f5fa8"
BAND_COLOUR = "#c7d3e3"
MEDIAN_COLOUR = "#1b1b1b"
TRACK_COLOUR = "#6b7280"


def _x(score: float) -> float:
    return LEFT + (RIGHT - LEFT) * max(0.0, min(score, 100.0)) / 100


def describe(axes: Sequence[AxisComparison]) -> str:
    """The text alternative: per axis, the authority's score, the peers' median and quartiles."""
    parts = []
    for axis in axes:
        where = axis.standing
        assert where is not None and axis.score is not None
        parts.append(
            chart_text(
                "peers_axis",
                label=axis.label,
                score=number(axis.score),
                median=number(where.median),
                q1=number(where.q1),
                q3=number(where.q3),
            )
        )
    return chart_text("peers_description", axes=" ; ".join(parts))


def _legend() -> list[str]:
    y = 16
    return [
        '<g class="pairs-legende" font-size="13" fill="#1b1b1b" aria-hidden="true">',
        f'<circle cx="{LEFT + 6}" cy="{y - 4}" r="6" fill="{OWN_COLOUR}"/>',
        f'<text x="{LEFT + 18}" y="{y}">{escape(chart_text("peers_legend_own"))}</text>',
        f'<rect x="{LEFT + 96}" y="{y - 11}" width="24" height="14" fill="{BAND_COLOUR}"/>',
        f'<text x="{LEFT + 126}" y="{y}">{escape(chart_text("peers_legend_band"))}</text>',
        f'<rect x="{LEFT + 234}" y="{y - 12}" width="3" height="16" fill="{MEDIAN_COLOUR}"/>',
        f'<text x="{LEFT + 243}" y="{y}">{escape(chart_text("peers_legend_median"))}</text>',
        f'<text x="{LEFT}" y="{y + 22}" fill="#4a4f57">{escape(chart_text("peers_legend_scale"))}</text>',
        "</g>",
    ]


def peers_svg(axes: Sequence[AxisComparison], id_prefix: str = "pairs") -> Markup | None:
    """The chart of the compared axes (those with a standing), or None when there is none."""
    compared = [axis for axis in axes if axis.standing is not None and axis.score is not None]
    if not compared:
        return None
    rows: list[str] = []
    y = LEGEND_HEIGHT
    for axis in compared:
        where = axis.standing
        assert where is not None and axis.score is not None
        lines = wrap(axis.label, LINE_LENGTH)
        spans = "".join(
            f'<tspan x="{LEFT}" y="{y + FONT_SIZE + index * LINE_HEIGHT:.1f}">{escape(line)}</tspan>'
            for index, line in enumerate(lines)
        )
        label = chart_text(
            "peers_axis_tooltip", label=axis.label, score=number(axis.score), median=number(where.median)
        )
        top = y + len(lines) * LINE_HEIGHT + 6
        middle = top + TRACK_HEIGHT / 2
        own_x = _x(axis.score)
        rows.append(
            "<g>"
            f"<title>{escape(label)}</title>"
            f'<text font-size="{FONT_SIZE}" font-weight="700" fill="#1b1b1b">{spans}</text>'
            f'<line x1="{LEFT}" y1="{middle:.1f}" x2="{RIGHT}" y2="{middle:.1f}" '
            f'stroke="{TRACK_COLOUR}" stroke-width="1.5"/>'
            f'<rect x="{_x(where.q1):.1f}" y="{top:.1f}" width="{max(2.0, _x(where.q3) - _x(where.q1)):.1f}" '
            f'height="{TRACK_HEIGHT}" fill="{BAND_COLOUR}"/>'
            f'<rect x="{_x(where.median) - 1.5:.1f}" y="{top - 3:.1f}" width="3" '
            f'height="{TRACK_HEIGHT + 6}" fill="{MEDIAN_COLOUR}"/>'
            f'<circle cx="{own_x:.1f}" cy="{middle:.1f}" r="7" fill="{OWN_COLOUR}" stroke="#ffffff" '
            'stroke-width="2"/>'
            "</g>"
        )
        y = top + TRACK_HEIGHT + ROW_GAP
    height = y - ROW_GAP + 12
    title_id, desc_id = f"{id_prefix}-titre", f"{id_prefix}-description"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'class="pairs-graphique" aria-labelledby={quoteattr(title_id + " " + desc_id)} '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">',
        f"<title id={quoteattr(title_id)}>{escape(chart_text('peers_title'))}</title>",
        f"<desc id={quoteattr(desc_id)}>{escape(describe(compared))}</desc>",
        *_legend(),
        *rows,
        "</svg>",
    ]
    return Markup("".join(parts))
