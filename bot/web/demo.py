"""A demo commune website, served on its own port (another origin), that embeds the widget.

It plays a third-party site: its own styles are deliberately heavy-handed (uppercase
buttons, serif text) to show that the widget neither breaks nor restyles the host page.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from bot.settings import Settings, load_settings

DEMO_TEMPLATES = Path(__file__).parent / "templates" / "demo"
PAGES = {"/": "home.html", "/demarches": "demarches.html"}
WIDGET_COLOR = "#00695c"


def create_demo_app(settings: Settings | None = None) -> Starlette:
    settings = settings if settings is not None else load_settings()
    templates = Jinja2Templates(directory=DEMO_TEMPLATES)

    async def page(request: Request) -> Response:
        context = {"widget_url": f"{settings.public_url}/widget.js", "widget_color": WIDGET_COLOR}
        return templates.TemplateResponse(request, PAGES[request.url.path], context)

    return Starlette(routes=[Route(path, page) for path in PAGES])
