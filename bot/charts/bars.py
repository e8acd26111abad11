"""Server-rendered SVG bar charts for the staff dashboard (no JavaScript).

``bar_chart_svg(title, rows)`` is a pure function: horizontal bars (labels can be long —
questions, user messages), the value at the end of each bar, every text escaped. The SVG
is accessible: ``role="img"`` with ``<title>`` and ``<desc>`` referenced by
``aria-labelledby``; the page shows the same numbers in a table next to it.

Each label sits on its own lines above its bar, wrapped on words (a word longer than a line
is cut), so that nothing runs off the drawing: the chart is narrow (320 units, the page scales
it down to the screen's width, 320 px included) and at most ``MAX_LABEL_LINES`` lines of
``LINE_CHARS`` characters are drawn; a longer label ends with "…" and stays whole in the
bar's tooltip and in the table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from html import escape

from bot.charts.text import chart_text, wrap
from bot.formatting import number

DEFAULT_WIDTH = 320
FONT_SIZE = 14
LINE_HEIGHT = 18
LINE_CHARS = 36  # about 7.5 units per character at FONT_SIZE: 270 units, within the width
MAX_LABEL_LINES = 3
BAR_HEIGHT = 18
GAP = 14
TOP = 12
VALUE_CHAR_WIDTH = 8.5
VALUE_PADDING = 10


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def wrap_label(label: str, width: int = LINE_CHARS, max_lines: int = MAX_LABEL_LINES) -> list[str]:
    """A bar's label on at most ``max_lines`` lines of ``width`` characters."""
    return wrap(label, width, max_lines)


def _lines(lines: list[str], top: float, css_class: str, bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    spans = "".join(
        f'<tspan x="0" y="{top + FONT_SIZE + index * LINE_HEIGHT:.0f}">{_text(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    return f'<text class="{css_class}" font-size="{FONT_SIZE}"{weight}>{spans}</text>'


def bar_chart_svg(
    title: str,
    rows: Sequence[tuple[str, float | int]],
    *,
    description: str | None = None,
    unit: str = "",
    width: int = DEFAULT_WIDTH,
    chart_id: str | None = None,
) -> str:
    """An SVG document fragment (``<svg>…</svg>``) of one horizontal bar per row.

    ``rows`` are (label, value) pairs, drawn in the given order; negative values count as 0.
    ``chart_id`` prefixes the ids of ``<title>`` and ``<desc>`` (default: derived from the
    content, so that several charts on a page do not clash).
    """
    values = [max(0.0, float(value)) for _, value in rows]
    peak = max(values, default=0.0)
    if chart_id is None:
        digest = hashlib.sha1(repr((title, list(rows))).encode("utf-8", "replace")).hexdigest()[:10]
        chart_id = f"chart-{digest}"
    chart_id = "".join(char for char in chart_id if char.isalnum() or char in "-_") or "chart"
    suffix = f" {unit}" if unit else ""
    shown = [f"{number(value)}{suffix}" for _, value in rows]
    if description is None:
        described = [
            chart_text("bars_row", label=label, value=text)
            for (label, _), text in zip(rows, shown, strict=True)
        ]
        description = "; ".join(described) or chart_text("bars_empty_description")
    value_width = VALUE_PADDING + VALUE_CHAR_WIDTH * max((len(text) for text in shown), default=0)
    bar_space = max(width / 3, width - value_width)
    title_lines = wrap_label(title, max_lines=2)
    y = TOP + len(title_lines) * LINE_HEIGHT + GAP / 2
    body: list[str] = []
    if not rows:
        empty = _text(chart_text("bars_empty"))
        body.append(f'<text x="0" y="{y + FONT_SIZE:.0f}" font-size="{FONT_SIZE}">{empty}</text>')
        y += LINE_HEIGHT + GAP
    for (label, _), amount, value_text in zip(rows, values, shown, strict=True):
        lines = wrap_label(label)
        bar_top = y + len(lines) * LINE_HEIGHT + 2
        length = 0 if peak == 0 else round(bar_space * amount / peak, 1)
        body.append("<g>")
        body.append(f"<title>{_text(chart_text('bars_row', label=label, value=value_text))}</title>")
        body.append(_lines(lines, y, "bar-chart-label"))
        body.append(
            f'<rect x="0" y="{bar_top:.0f}" width="{length}" height="{BAR_HEIGHT}" '
            f'class="bar-chart-bar" fill="currentColor"/>'
        )
        body.append(
            f'<text x="{length + 6}" y="{bar_top + BAR_HEIGHT - 4:.0f}" font-size="{FONT_SIZE}" '
            f'class="bar-chart-value">{_text(value_text)}</text>'
        )
        body.append("</g>")
        y = bar_top + BAR_HEIGHT + GAP
    height = round(y)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{_text(title)}</title>',
        f'<desc id="{chart_id}-desc">{_text(description)}</desc>',
        _lines(title_lines, TOP - FONT_SIZE + 6, "bar-chart-title", bold=True),
        *body,
        "</svg>",
    ]
    return "\n".join(parts)
