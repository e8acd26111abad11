"""The maturity radar, drawn on the server as an SVG string (readable without JavaScript).

One spoke per axis, rings every 20 points, the scores as a polygon. An axis without a
score sits at the centre and its label says "non évalué". The SVG carries a title and a
description that list every score, so that it has a text alternative of its own.

A group report adds one outline per service (:class:`RadarOutline`), each with its own colour
and dash pattern (told apart without colour), beside the filled consolidated polygon; the
description lists their scores too, and the page shows the same values in a table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from bot.charts.text import chart_text, score_text, wrap

WIDTH = 600
HEIGHT = 480
CENTER_X = WIDTH / 2
CENTER_Y = 235
RADIUS = 140
RINGS = (20, 40, 60, 80, 100)
LABEL_GAP = 22
LINE_LENGTH = 16
FONT_SIZE = 15


# Outline colours (contrast >= 3:1 on white) and dash patterns, in the services' order.
OUTLINE_STYLES = (
    ("#b34700", "8 4"),
    ("#2e7d32", "2 3"),
    ("#6a1b9a", "12 3 2 3"),
    ("#00695c", "4 4"),
    ("#8a5a00", "1 3"),
    ("#ad1457", "10 2"),
    ("#37474f", "3 6"),
)


@dataclass(frozen=True)
class RadarAxis:
    label: str
    score: float | None


@dataclass(frozen=True)
class RadarOutline:
    """One more series on the radar (a service), its scores in the axes' order."""

    label: str
    scores: tuple[float | None, ...]


def outline_style(index: int) -> tuple[str, str]:
    """The colour and dash pattern of the outline at ``index`` (the legend uses the same)."""
    return OUTLINE_STYLES[index % len(OUTLINE_STYLES)]


def _point(index: int, count: int, value: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    distance = RADIUS * max(0.0, min(value, 100.0)) / 100
    return CENTER_X + distance * math.cos(angle), CENTER_Y + distance * math.sin(angle)


def _points(values: Sequence[float]) -> str:
    count = len(values)
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in (_point(i, count, v) for i, v in enumerate(values)))


def describe(axes: Sequence[RadarAxis]) -> str:
    """The text alternative: every axis with its score."""
    parts = [chart_text("radar_axis", label=axis.label, score=score_text(axis.score)) for axis in axes]
    return chart_text("radar_description", axes=" ; ".join(parts))


def _label(index: int, count: int, axis: RadarAxis) -> str:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    x = CENTER_X + (RADIUS + LABEL_GAP) * math.cos(angle)
    y = CENTER_Y + (RADIUS + LABEL_GAP) * math.sin(angle)
    cos = math.cos(angle)
    anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
    lines = [*wrap(axis.label, LINE_LENGTH), score_text(axis.score)]
    line_height = FONT_SIZE + 3
    sin = math.sin(angle)
    # Labels above the centre grow upwards, those below grow downwards.
    top = y - (len(lines) - 1) * line_height if sin < -0.2 else y - (len(lines) - 1) * line_height / 2
    if sin > 0.2:
        top = y + FONT_SIZE / 2
    spans = []
    for number_, line in enumerate(lines):
        weight = ' font-weight="700"' if number_ == len(lines) - 1 else ""
        line_y = top + number_ * line_height
        spans.append(f'<tspan x="{x:.1f}" y="{line_y:.1f}"{weight}>{escape(line)}</tspan>')
    return f'<text text-anchor="{anchor}" font-size="{FONT_SIZE}" fill="#1b1b1b">{"".join(spans)}</text>'


def _describe_outlines(axes: Sequence[RadarAxis], outlines: Sequence[RadarOutline]) -> str:
    parts = []
    for outline in outlines:
        scores = ", ".join(
            chart_text("radar_outline_axis", label=axis.label, score=score_text(score))
            for axis, score in zip(axes, outline.scores, strict=True)
        )
        parts.append(" " + chart_text("radar_outline", label=outline.label, scores=scores))
    return "".join(parts)


def radar_svg(
    axes: Sequence[RadarAxis], id_prefix: str = "radar", outlines: Sequence[RadarOutline] = ()
) -> Markup:
    """The radar as inline SVG markup (every text escaped), with optional outlines."""
    if len(axes) < 3:
        raise ValueError("un radar a besoin d'au moins trois axes")
    if any(len(outline.scores) != len(axes) for outline in outlines):
        raise ValueError("chaque contour a besoin d'un score par axe")
    count = len(axes)
    title_id, desc_id = f"{id_prefix}-titre", f"{id_prefix}-description"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="radar" aria-labelledby={quoteattr(title_id + " " + desc_id)} '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">',
        f"<title id={quoteattr(title_id)}>{escape(chart_text('radar_title'))}</title>",
        f"<desc id={quoteattr(desc_id)}>{escape(describe(axes) + _describe_outlines(axes, outlines))}</desc>",
        '<g class="radar-grille" fill="none" stroke="#b4bac4" stroke-width="1">',
    ]
    for ring in RINGS:
        parts.append(f'<polygon points="{_points([ring] * count)}"/>')
    for index in range(count):
        x, y = _point(index, count, 100)
        parts.append(f'<line x1="{CENTER_X:.1f}" y1="{CENTER_Y:.1f}" x2="{x:.1f}" y2="{y:.1f}"/>')
    parts.append("</g>")
    parts.append('<g class="radar-graduations" font-size="11" fill="#4a4f57" aria-hidden="true">')
    for ring in RINGS:
        _, y = _point(0, count, ring)
        parts.append(f'<text x="{CENTER_X + 4:.1f}" y="{y + 12:.1f}">{ring}</text>')
    parts.append("</g>")
    scores = [axis.score if axis.score is not None else 0.0 for axis in axes]
    parts.append(
        f'<polygon class="radar-scores" points="{_points(scores)}" fill="#1f5fa8" fill-opacity="0.25" '
        'stroke="#1f5fa8" stroke-width="2.5" stroke-linejoin="round"/>'
    )
    for number_, outline in enumerate(outlines):
        colour, dashes = outline_style(number_)
        values = [score if score is not None else 0.0 for score in outline.scores]
        parts.append(
            f'<polygon class="radar-contour" points="{_points(values)}" fill="none" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="{dashes}" stroke-linejoin="round">'
            f"<title>{escape(outline.label)}</title></polygon>"
        )
    for index, (axis, score) in enumerate(zip(axes, scores, strict=True)):
        x, y = _point(index, count, score)
        tooltip = chart_text("radar_axis", label=axis.label, score=score_text(axis.score))
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#1f5fa8">')
        parts.append(f"<title>{escape(tooltip)}</title></circle>")
    parts.append('<g class="radar-libelles">')
    parts.extend(_label(index, count, axis) for index, axis in enumerate(axes))
    parts.append("</g></svg>")
    return Markup("".join(parts))
