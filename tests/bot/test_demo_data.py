"""``python -m bot demo-data N``: synthetic completed diagnostics, reproducible, flagged, varied."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.__main__ import main
from bot.authorities.index import AuthorityIndex
from bot.demo_data import COHORTS, create_demo_data
from bot.population_bands import band_of
from bot.storage import DiagnosticStore
from bot.storage.models import Diagnostic
from tests.authorities.packs import fixture_division


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> AuthorityIndex:
    return AuthorityIndex(fixture_division(tmp_path_factory.mktemp("pack")))


@pytest.fixture
def make_store(tmp_path: Path) -> Iterator:
    stores: list[DiagnosticStore] = []
    numbers = count()

    def make() -> DiagnosticStore:
        store = DiagnosticStore.from_url(f"sqlite:///{tmp_path / f'demo-{next(numbers)}.db'}")
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.engine.dispose()


def _content(store: DiagnosticStore, records) -> list:
    """What a diagnostic is, without its random sender id: authority, answers, result."""
    return [
        (
            record.authority_name,
            record.authority_type,
            record.population,
            {key: (a.value, a.status) for key, a in store.answers(record.id).items()},
            store.result(record.id)["maturity"],
        )
        for record in records
    ]


def test_the_same_seed_gives_the_same_diagnostics(make_store, index: AuthorityIndex) -> None:
    first, second, other = make_store(), make_store(), make_store()
    a = create_demo_data(first, 12, seed=7, index=index)
    b = create_demo_data(second, 12, seed=7, index=index)
    c = create_demo_data(other, 12, seed=8, index=index)
    assert _content(first, a) == _content(second, b)
    assert _content(first, a) != _content(other, c)


def test_they_are_completed_synthetic_and_spread_over_the_cohorts(make_store) -> None:
    store = make_store()
    records = create_demo_data(store, 2 * len(COHORTS), seed=3)
    cohorts = Counter((record.authority_type, band_of(record.population).code) for record in records)
    assert cohorts == Counter({cohort: 2 for cohort in COHORTS})
    with Session(store.engine) as session:
        rows = session.scalars(select(Diagnostic)).all()
        assert all(row.synthetic and not row.excluded_from_peers for row in rows)
    for record in records:
        assert record.status == "termine" and record.completed_at is not None
        result = store.result(record.id)
        assert result["maturity"]["overall"]["score"] is not None
        assert result["recommendation"]["codes"]
    overall = {store.result(record.id)["maturity"]["overall"]["score"] for record in records}
    assert len(overall) > len(records) // 2, "varied maturities"


def test_official_authorities_of_the_loaded_division_are_used(make_store, index: AuthorityIndex) -> None:
    store = make_store()
    records = create_demo_data(store, len(COHORTS), seed=1, index=index)
    for record in records:
        official = record.official
        assert official is not None and official.division_version == "6.0.0"
        authority = index.get(official.code)
        assert record.authority_name == authority.name and record.population == authority.population
        answers = store.answers(record.id)
        assert answers["population"].value == authority.population
        assert answers["population"].source == "decoupage-administratif 6.0.0"


def test_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--database-url", url, "demo-data", "3", "--graine", "5"]) == 0
    assert "3 diagnostics de démonstration enregistrés" in capsys.readouterr().out
    assert main(["--database-url", url, "demo-data", "0"]) == 2
    assert "au moins 1" in capsys.readouterr().err
    store = DiagnosticStore.from_url(url)
    try:
        with Session(store.engine) as session:
            assert session.query(Diagnostic).filter(Diagnostic.synthetic.is_(True)).count() == 3
    finally:
        store.engine.dispose()
