"""The exported corrections merged into data/nlu/ pass ``rasa data validate --fail-on-warnings``.

Runs Rasa's command line on a copy of the training data (slow: marked e2e). A second run
with an example that contradicts the data shows that the check can fail.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.review import Review, TrackerEvents, make_tracker_engine
from bot.storage import DiagnosticStore
from tests.review.conftest import STAFF

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
RASA = Path(sys.executable).with_name("rasa")


def validate(data: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(RASA), "data", "validate", "--data", str(data), "--domain", str(ROOT / "domain.yml"),
            "--config", str(ROOT / "config.yml"), "--fail-on-warnings",
        ],
        cwd=data.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip


@pytest.fixture
def review(tmp_path: Path) -> Iterator[Review]:
    """SQLite only: the check is about the YAML, not the database."""
    opened = Review(
        DiagnosticStore.from_url(f"sqlite:///{tmp_path / 'diagnostic.db'}"),
        TrackerEvents(make_tracker_engine(f"sqlite:///{tmp_path / 'tracker.db'}")),
    )
    try:
        yield opened
    finally:
        opened.close()


def test_merged_corrections_pass_rasa_data_validate(review: Review, tmp_path: Path) -> None:
    review.add_correction(
        "vous pouvez m'expliquer la télégestion svp",
        "ask_definition",
        by=STAFF,
        entities=[{"entity": "term", "text": "télégestion"}],
    )
    review.add_correction(
        "je veux changer le nombre d'habitants",
        "correct_previous",
        by=STAFF,
        entities=[{"entity": "subject", "text": "nombre d'habitants", "value": "population"}],
    )
    review.add_correction("on a un peu de LED [pas partout] <b>", "answer", by=STAFF)
    review.add_correction("Oui bien sûr", "answer", by=STAFF)  # already in the data: left out
    review.add_correction("oui bien sûr", "greet", by=STAFF)  # contradicts the data: left out
    export = review.export_nlu()
    assert len(export.included) == 3 and len(export.skipped) == 2

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    (data / "nlu" / "relecture.yml").write_text(export.yaml, encoding="utf-8")
    result = validate(data)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    # The same check fails on an example labelled with another intent than in the data.
    (data / "nlu" / "contradiction.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - oui bien sûr\n', encoding="utf-8"
    )
    assert validate(data).returncode != 0
