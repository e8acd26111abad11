"""The web application: pages, chat API (proxy to Rasa), widget, reports and the staff area.

``create_app(settings, store=None, rasa_client=None, *, review=None, accounts=None)``: tests
pass a store on a temporary database, a client on a fake Rasa, and for the staff area a
``Review`` and ``StaffAccounts`` on temporary stores; by default the lifespan opens the
store named by DIAGNOSTIC_DATABASE_URL, a client on DIAGNOSTIC_RASA_URL, and a review on
that store and Rasa's tracker store (TRACKER_* variables, as endpoints.yml).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from bot.questionnaire import default_questionnaire
from bot.review import (
    Review,
    StaffAccounts,
    TrackerEvents,
    load_review_settings,
    make_tracker_engine,
)
from bot.settings import Settings, load_settings, session_secret
from bot.storage import DiagnosticStore
from bot.storage.models import utcnow
from bot.web import routes_api, routes_group, routes_public, routes_repeat, routes_report, socketio, staff
from bot.web.errors import EXCEPTION_HANDLERS
from bot.web.ledger import MessageLedger
from bot.web.rasa_client import RasaClient, request_limit
from bot.web.ratelimit import RateLimits
from bot.web.security import FrenchCORSMiddleware, PublicAddressMiddleware, SecurityHeadersMiddleware
from bot.web.templating import make_templates


def routes() -> list[BaseRoute]:
    """Every route of the site. The staff area (bot/web/staff/) adds its list here."""
    return [
        *routes_public.ROUTES,
        *routes_api.ROUTES,
        *socketio.ROUTES,
        *routes_report.ROUTES,
        *routes_group.ROUTES,
        *routes_repeat.ROUTES,
        *staff.ROUTES,
    ]


def middleware(settings: Settings) -> list[Middleware]:
    """Outermost first. CORS lets the sites that embed the widget call the chat API."""
    return [
        Middleware(SecurityHeadersMiddleware, hsts=settings.public_url.startswith("https://")),
        # Other Host headers get a 400; absolute URLs are then built on the public address.
        Middleware(
            PublicAddressMiddleware, public_url=settings.public_url, extra_hosts=settings.allowed_hosts
        ),
        Middleware(
            FrenchCORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["POST"],
            allow_headers=["Content-Type"],
            max_age=600,
        ),
        # Staff sessions, kept on the server (database, or Redis when configured); the cookie
        # holds a random token only. Raises SettingsError in production without a key.
        Middleware(staff.StaffSessionMiddleware, settings=settings, secret_key=session_secret(settings)),
    ]


def create_app(
    settings: Settings | None = None,
    store: DiagnosticStore | None = None,
    rasa_client: RasaClient | None = None,
    *,
    review: Review | None = None,
    accounts: StaffAccounts | None = None,
) -> Starlette:
    settings = settings if settings is not None else load_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        own_store = getattr(app.state, "store", None) is None
        own_client = getattr(app.state, "rasa", None) is None
        if own_store:
            app.state.store = await run_in_threadpool(DiagnosticStore.from_url)
        if own_client:
            # The door waits rasa_timeout for an answer (app.state.ledger); the request goes on longer.
            app.state.rasa = RasaClient(
                settings.rasa_url, request_limit(settings.rasa_timeout), secret=settings.rasa_secret
            )
        own_review = getattr(app.state, "review", None) is None
        if own_review:
            app.state.review = Review(
                app.state.store, TrackerEvents(make_tracker_engine()), load_review_settings()
            )
        own_accounts = getattr(app.state, "accounts", None) is None
        if own_accounts:
            app.state.accounts = StaffAccounts(app.state.review.engine)
        try:
            yield
        finally:
            await app.state.socketio.shutdown()
            await app.state.ledger.aclose()
            if own_accounts:
                app.state.accounts = None
            if own_review:
                app.state.review.tracker.engine.dispose()
                app.state.review = None
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
    app.state.review = review
    app.state.accounts = accounts
    app.state.questionnaire = default_questionnaire()
    app.state.clock = utcnow  # dates the .ics reminder (tests freeze it)
    app.state.templates = make_templates()
    app.state.limits = RateLimits.from_settings(settings)
    app.state.ledger = MessageLedger(wait=settings.rasa_timeout)
    app.state.socketio = socketio.DoorSocketIO(settings, app.state)
    return app
