"""Builds the diagnostic engine once per action-server process.

The engine is built when the action server starts (:class:`WarmUp`, a rasa-sdk plugin that
``actions/__init__.py`` installs): reading and indexing the official division takes seconds,
which the first person's first message should not wait for. If the store cannot be read then,
the engine is built on the first message instead.
"""

from __future__ import annotations

import logging
from asyncio import AbstractEventLoop
from functools import lru_cache

import pluggy
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic

from bot.authorities.index import AuthorityIndex
from bot.authorities.lookup import AuthorityLookup, IndexLookup
from bot.dialogue import DiagnosticConversation
from bot.group_dialogue import GroupConversation
from bot.messages import default_messages
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue
from bot.settings import load_settings
from bot.storage import STORAGE_ERRORS, DiagnosticStore
from bot.storage.division import read_division

logger = logging.getLogger(__name__)
PLUGIN_NAME = "diagnostic-warm-up"
hookimpl = pluggy.HookimplMarker("rasa_sdk")


def authority_lookup(store: DiagnosticStore) -> AuthorityLookup | None:
    """The official division loaded in the store (``python -m bot authorities load``),
    indexed in memory; None when it was never loaded (the profile questions are then asked
    as typed answers)."""
    division = read_division(store.engine)
    if division is None:
        logger.warning(
            "The official administrative division is not loaded in the diagnostic store: "
            "authorities are not recognised (python -m bot authorities load)."
        )
        return None
    return IndexLookup(AuthorityIndex(division))


@lru_cache(maxsize=1)
def conversation() -> DiagnosticConversation:
    """The engine on the store named by DIAGNOSTIC_DATABASE_URL (migrated on first use), with
    the official division read from that store once."""
    store = DiagnosticStore.from_url()
    return GroupConversation(
        store=store,
        questionnaire=default_questionnaire(),
        catalogue=default_catalogue(),
        messages=default_messages(),
        public_url=load_settings().public_url,
        lookup=authority_lookup(store),
    )


async def warm_up(app: Sanic, loop: AbstractEventLoop) -> None:
    """Sanic listener (before the server starts): build the engine now."""
    try:
        conversation()
    except (*STORAGE_ERRORS, ValueError) as error:
        logger.warning("The diagnostic engine will be built on the first message: %s", error)


class WarmUp:
    """The rasa-sdk plugin that builds the engine when the action server starts."""

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        app.register_listener(warm_up, "before_server_start")


def install() -> None:
    """Registers :class:`WarmUp` with rasa-sdk's plugin manager (once)."""
    manager = plugin_manager()
    if manager.get_plugin(PLUGIN_NAME) is None:
        manager.register(WarmUp(), name=PLUGIN_NAME)
