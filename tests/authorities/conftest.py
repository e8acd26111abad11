"""The fixture division and its index, built once per test session (no database)."""

from __future__ import annotations

import pytest

from bot.authorities.division import Division
from bot.authorities.index import AuthorityIndex
from tests.authorities.packs import fixture_division


@pytest.fixture(scope="session")
def division(tmp_path_factory: pytest.TempPathFactory) -> Division:
    return fixture_division(tmp_path_factory.mktemp("pack"))


@pytest.fixture(scope="session")
def index(division: Division) -> AuthorityIndex:
    return AuthorityIndex(division)
