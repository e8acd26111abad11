"""Server-rendered SVG bar charts for the staff dashboard (no JavaScript).

``bar_chart_svg(title, rows)`` is a pure function: horizontal bars (labels can be long —
questions, user messages), the value at the end of each bar, every text escaped. The SVG
is accessible: ``role="img"`` with ``<title>`` and ``<desc>`` referenced by
``aria-labelledby``; the page shows the same numbers in a table next to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from html import escape

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 260
VALUE_WIDTH = 70
TOP = 36
MAX_LABEL_CHARS = 38


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def format_number(value: float | int) -> str:
    """French formatting: thin spaces between thousands, decimal comma, at most one decimal."""
    fractional = isinstance(value, float) and not value.is_integer()
    whole = f"{value:,.1f}" if fractional else f"{round(value):,}"
    return whole.replace(",", "\u202f").replace(".", ",")


def _short(label: str) -> str:
    label = " ".join(str(label).split())
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1].rstrip() + "…"


def bar_chart_svg(
    title: str,
    rows: Sequence[tuple[str, float | int]],
    *,
    description: str | None = None,
    unit: str = "",
    width: int = 640,
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
    if description is None:
        description = (
            "; ".join(f"{label} : {format_number(value)}{suffix}" for label, value in rows)
            or "Aucune donnée."
        )
    bar_space = width - LABEL_WIDTH - VALUE_WIDTH
    height = TOP + max(1, len(rows)) * (BAR_HEIGHT + GAP) + GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{_text(title)}</title>',
        f'<desc id="{chart_id}-desc">{_text(description)}</desc>',
        f'<text x="0" y="20" class="bar-chart-title" font-weight="bold">{_text(title)}</text>',
    ]
    if not rows:
        parts.append(f'<text x="0" y="{TOP + BAR_HEIGHT - 6}">Aucune donnée</text>')
    for index, ((label, value), amount) in enumerate(zip(rows, values, strict=True)):
        y = TOP + index * (BAR_HEIGHT + GAP)
        length = 0 if peak == 0 else round(bar_space * amount / peak, 1)
        text_y = y + BAR_HEIGHT - 6
        parts.append("<g>")
        parts.append(f"<title>{_text(label)} : {_text(format_number(value))}{_text(suffix)}</title>")
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{text_y}" text-anchor="end" class="bar-chart-label">'
            f"{_text(_short(label))}</text>"
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'class="bar-chart-bar" fill="currentColor"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + length + 6}" y="{text_y}" class="bar-chart-value">'
            f"{_text(format_number(value))}{_text(suffix)}</text>"
        )
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)
