"""The Jinja2 templates of the site, with the French formatting filters."""

from __future__ import annotations

from pathlib import Path

from starlette.templating import Jinja2Templates

from bot import formatting

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    templates.env.filters["nombre"] = formatting.number
    templates.env.filters["pourcent"] = formatting.percent
    templates.env.filters["date_fr"] = formatting.date
    return templates
