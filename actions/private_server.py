"""The action server answers only Rasa: on loopback by default, and with the secret on every call.

rasa-sdk 3.6 has no authentication and binds every interface unless ``SANIC_HOST`` says
otherwise. This plugin (rasa-sdk's pluggy hook ``attach_sanic_app_extensions``) makes it
bind 127.0.0.1 unless ``SANIC_HOST`` is set (a deployment's private network), and refuses
every request but ``GET /health`` that lacks the header ``X-Diagnostic-Secret`` equal to
``DIAGNOSTIC_ACTIONS_SECRET`` (endpoints.yml makes Rasa send it): 401, or 503 for
everything when the variable is unset (fail closed, said once in the log).

rasa-sdk discovers plugins only through a ``rasa_sdk_plugins`` module; instead,
``actions/__init__.py`` calls :func:`install`. ``rasa run actions --actions actions``
imports the package while it builds its Sanic app, before it calls the hook and reads
``SANIC_HOST``, so the plugin is always in place when the server starts.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, MutableMapping

import pluggy
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.service_secret import ACTIONS_SECRET, SECRET_HEADER, configured_secret, secret_refusal

HOST_VARIABLE = "SANIC_HOST"
DEFAULT_HOST = "127.0.0.1"
OPEN_PATHS = frozenset({"/health"})
PLUGIN_NAME = "diagnostic-private-action-server"

hookimpl = pluggy.HookimplMarker("rasa_sdk")
logger = logging.getLogger(__name__)

Guard = Callable[[Request], Awaitable[HTTPResponse | None]]


def secret_guard(secret: str | None) -> Guard:
    """Sanic request middleware: None lets the request through, a response refuses it."""

    async def refuse_without_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        refusal = secret_refusal(secret, request.headers.get(SECRET_HEADER))
        if refusal is None:
            return None
        if secret is not None:
            logger.warning("action server: %s %s refused (no valid secret)", request.method, request.path)
        return response.json({"error": refusal.code, "message": refusal.message}, status=refusal.status)

    return refuse_without_secret


def default_to_loopback(environ: MutableMapping[str, str]) -> None:
    """rasa-sdk binds ``SANIC_HOST``, or every interface when unset: unset now means loopback."""
    if not environ.get(HOST_VARIABLE, "").strip():
        environ[HOST_VARIABLE] = DEFAULT_HOST


class PrivateActionServer:
    """The rasa-sdk plugin: loopback by default, the secret on every call but the health check."""

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        default_to_loopback(os.environ)
        app.register_middleware(secret_guard(configured_secret(os.environ, ACTIONS_SECRET)), "request")


def install() -> None:
    """Registers the plugin with rasa-sdk's plugin manager (once, however often it is called)."""
    manager = plugin_manager()
    if manager.get_plugin(PLUGIN_NAME) is None:
        manager.register(PrivateActionServer(), name=PLUGIN_NAME)
