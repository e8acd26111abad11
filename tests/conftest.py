"""Fixtures shared by the test folders that talk to the real servers (e2e, review)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.servers import MODEL, Servers, rasa_servers


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` first (make e2e does it).")
    # With the small official division of tests/authorities/fixture (issue 13).
    with rasa_servers(tmp_path_factory.mktemp("servers"), division=True) as started:
        yield started


@pytest.fixture
def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"
