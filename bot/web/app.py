"""The web application: pages, chat API (proxy to Rasa), widget and reports.

``create_app(settings, store=None, rasa_client=None)``: tests pass a store on a
temporary database and a client on a fake Rasa; by default the lifespan opens the
store named by DIAGNOSTIC_DATABASE_URL and a client on DIAGNOSTIC_RASA_URL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute

from bot.questionnaire import default_questionnaire
from bot.settings import Settings, load_settings
from bot.storage import DiagnosticStore
from bot.web import routes_api, routes_public, routes_report
from bot.web.errors import EXCEPTION_HANDLERS
from bot.web.rasa_client import RasaClient
from bot.web.routes_api import ChatLimits
from bot.web.security import SecurityHeadersMiddleware
from bot.web.templating import make_templates


def routes() -> list[BaseRoute]:
    """Every route of the site. The staff area (bot/web/staff/) adds its list here."""
    return [*routes_public.ROUTES, *routes_api.ROUTES, *routes_report.ROUTES]


def middleware(settings: Settings) -> list[Middleware]:
    """Outermost first. CORS lets the sites that embed the widget call the chat API."""
    return [
        Middleware(SecurityHeadersMiddleware),
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["POST"],
            allow_headers=["Content-Type"],
            max_age=600,
        ),
    ]


def create_app(
    settings: Settings | None = None,
    store: DiagnosticStore | None = None,
    rasa_client: RasaClient | None = None,
) -> Starlette:
    settings = settings if settings is not None else load_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        own_store = getattr(app.state, "store", None) is None
        own_client = getattr(app.state, "rasa", None) is None
        if own_store:
            app.state.store = await run_in_threadpool(DiagnosticStore.from_url)
        if own_client:
            app.state.rasa = RasaClient(settings.rasa_url, settings.rasa_timeout)
        try:
            yield
        finally:
            if own_client:
                await app.state.rasa.aclose()
                app.state.rasa = None
            if own_store:
                app.state.store.engine.dispose()
                app.state.store = None

    app = Starlette(
        routes=routes(),
        middleware=middleware(settings),
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.rasa = rasa_client
    app.state.questionnaire = default_questionnaire()
    app.state.templates = make_templates()
    app.state.chat_limits = ChatLimits.of(settings)
    return app
