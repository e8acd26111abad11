"""What the conversation engine asks of the official division: who an answer or a message names.

The engine (``bot/dialogue.py``) depends only on the :class:`AuthorityLookup` protocol, never
on the database: the action server builds an :class:`IndexLookup` once per process from the
division in the diagnostic store (``actions/conversation.py``), and tests may build one from
a small division.
"""

from __future__ import annotations

from typing import Protocol

from bot.authorities.division import SOURCE
from bot.authorities.index import Authority, AuthorityIndex
from bot.authorities.match import find, homonyms, spot


class AuthorityLookup(Protocol):
    """The communes and EPCI a text may name, from one version of the official division."""

    @property
    def version(self) -> str:
        """The division's version ("6.0.0"), recorded with the authority."""
        ...

    @property
    def source(self) -> str:
        """Where the answers taken from the division come from ("decoupage-administratif 6.0.0")."""
        ...

    def find(self, text: str) -> list[Authority]:
        """The authorities an answer to "which authority?" names: one, several homonyms, or none."""
        ...

    def spot(self, text: str) -> list[Authority]:
        """The authorities named after a cue in a longer message ("je suis DST à Uzès")."""
        ...

    def get(self, code: str) -> Authority | None:
        """The commune (INSEE code) or EPCI (SIREN) of a code."""
        ...


class IndexLookup:
    """:class:`AuthorityLookup` on an in-memory :class:`AuthorityIndex`."""

    def __init__(self, index: AuthorityIndex) -> None:
        self.index = index

    @property
    def version(self) -> str:
        return self.index.version

    @property
    def source(self) -> str:
        return f"{SOURCE.rsplit('/', 1)[-1]} {self.index.version}"

    def find(self, text: str) -> list[Authority]:
        return [candidate.authority for candidate in homonyms(find(self.index, text))]

    def spot(self, text: str) -> list[Authority]:
        spotted = spot(self.index, text)
        if not spotted:
            return []
        return [candidate.authority for candidate in homonyms(list(spotted[0].candidates))]

    def get(self, code: str) -> Authority | None:
        return self.index.get(code)
