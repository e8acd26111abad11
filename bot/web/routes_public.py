"""Public pages: home, full-page chat, the widget's files and a health check."""

from __future__ import annotations

import logging
import time

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from bot.web.errors import NO_STORE
from bot.web.templating import STATIC_DIR

HEALTH_CACHE_SECONDS = 2.0
logger = logging.getLogger(__name__)

# Host pages fetch the widget from another origin: let them cache it a little, never sniff it.
WIDGET_HEADERS = {"Cache-Control": "public, max-age=300", "Cross-Origin-Resource-Policy": "cross-origin"}
RANGE_HEADERS = (b"range", b"if-range")


def _whole(scope: Scope) -> Scope:
    """``scope`` without its Range headers: the site's files are small and always sent whole (a
    server may ignore Range, RFC 9110 section 14.2); Starlette would refuse a malformed one with
    an English plain-text 400 instead of serving the file."""
    return {**scope, "headers": [(k, v) for k, v in scope["headers"] if k not in RANGE_HEADERS]}


class WholeFileResponse(FileResponse):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(_whole(scope), receive, send)


class WholeStaticFiles(StaticFiles):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(_whole(scope), receive, send)


def _page_context(request: Request) -> dict:
    questionnaire = request.app.state.questionnaire
    return {
        "total": len(questionnaire.questions),
        "axes": questionnaire.axes,
        "levels": questionnaire.levels,
        "public_url": request.app.state.settings.public_url,
    }


async def home(request: Request) -> Response:
    return request.app.state.templates.TemplateResponse(request, "home.html", _page_context(request))


async def chat(request: Request) -> Response:
    return request.app.state.templates.TemplateResponse(request, "chat.html", _page_context(request))


async def widget_js(request: Request) -> Response:
    return WholeFileResponse(STATIC_DIR / "widget.js", media_type="text/javascript", headers=WIDGET_HEADERS)


async def widget_css(request: Request) -> Response:
    return WholeFileResponse(STATIC_DIR / "widget.css", media_type="text/css", headers=WIDGET_HEADERS)


async def health(request: Request) -> Response:
    """The door answers (always 200 while it runs); ``status`` is ``degrade`` when Rasa does not
    answer or its tracker store does not store (channels/health.py). Cached for 2 s."""
    state = request.app.state
    cached = getattr(state, "health_cache", None)
    now = time.monotonic()
    if cached is None or now - cached[0] > HEALTH_CACHE_SECONDS:
        rasa_health = getattr(state.rasa, "health", None)
        services = await rasa_health() if rasa_health else {"rasa": "inconnu", "tracker_store": "inconnu"}
        healthy = services.get("rasa") == "ok" and services.get("tracker_store") == "ok"
        if not healthy:
            logger.warning("Santé dégradée : Rasa %s, stockage des conversations %s.",
                           services.get("rasa"), services.get("tracker_store"))
        cached = (now, {"status": "ok" if healthy else "degrade", **services})
        state.health_cache = cached
    return JSONResponse(cached[1], headers=NO_STORE)


ROUTES = [
    Route("/", home, name="home"),
    Route("/diagnostic", chat, name="chat"),
    Route("/widget.js", widget_js, name="widget_js"),
    Route("/widget.css", widget_css, name="widget_css"),
    Route("/api/health", health, name="health"),
    Mount("/static", app=WholeStaticFiles(directory=STATIC_DIR), name="static"),
]
