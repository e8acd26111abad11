"""The Jinja2 templates of the site, with the French formatting filters."""

from __future__ import annotations

from pathlib import Path

from starlette.templating import Jinja2Templates

from bot import formatting
from bot.charts.text import chart_text

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def axis_score(score: float | None) -> str:
    """An axis's score in a table: "42,5", or "non évalué" (bot/content/charts.yml) without one."""
    return chart_text("not_assessed") if score is None else formatting.number(score)


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    templates.env.filters["nombre"] = formatting.number
    templates.env.filters["pourcent"] = formatting.percent
    templates.env.filters["date_fr"] = formatting.date
    templates.env.filters["score_axe"] = axis_score
    return templates
