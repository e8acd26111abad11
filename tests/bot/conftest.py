"""Fixtures of the diagnostic store: a fresh database per test, SQLite and (optionally) PostgreSQL.

PostgreSQL runs when ``TEST_POSTGRES_URL`` is set (see ``scripts/start-test-postgres.sh``):
each test gets its own schema, and the session time zone is Europe/Paris so that the
UTC normalisation is exercised.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from bot.dialogue import DiagnosticConversation
from bot.messages import default_messages
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue
from bot.settings import report_url
from bot.storage import DiagnosticStore

POSTGRES_URL_ENV = "TEST_POSTGRES_URL"


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base_url, future=True)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = make_url(base_url).update_query_dict(
            {"options": f"-csearch_path={schema} -ctimezone=Europe/Paris"}
        )
        yield url.render_as_string(hide_password=False)
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        admin.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def storage_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """URL of an empty database: a SQLite file in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'diagnostic.db'}"
        return
    yield from _postgres_schema_url(_postgres_base_url())


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of an empty PostgreSQL schema, for what only PostgreSQL has (a pool of connections)."""
    yield from _postgres_schema_url(_postgres_base_url())


def _postgres_base_url() -> str:
    base_url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if not base_url:
        pytest.skip(
            f"{POSTGRES_URL_ENV} is not set "
            f"(to run: export {POSTGRES_URL_ENV}=$(scripts/start-test-postgres.sh))"
        )
    return base_url


@pytest.fixture
def store(storage_url: str) -> Iterator[DiagnosticStore]:
    """A migrated DiagnosticStore on a fresh database (engine disposed afterwards)."""
    diagnostic_store = DiagnosticStore.from_url(storage_url)
    try:
        yield diagnostic_store
    finally:
        diagnostic_store.engine.dispose()


# The engine of the conversation on a fresh SQLite store (a test module may define its own).
@pytest.fixture
def engine(tmp_path: Path) -> DiagnosticConversation:
    return DiagnosticConversation(
        store=DiagnosticStore.from_url(f"sqlite:///{tmp_path / 'd.db'}"),
        questionnaire=default_questionnaire(),
        catalogue=default_catalogue(),
        messages=default_messages(),
        report_url=report_url("http://diag.test"),
    )
