"""The comparison with peers, over REST through the door (issue 14, part 3).

A commune of 250 000 inhabitants that the official division does not know (so its peers are
the whole band) completes a diagnostic through the door; comparable diagnostics are then added
to the servers' store with the repository. With 9 peers its report (page and JSON) says there
are not yet enough comparable authorities; with 10 it shows where the commune stands. The
synthetic diagnostics of ``python -m bot demo-data`` never count: the door runs with the
default settings.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.demo_data import store_completed
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue
from bot.storage.peers import peer_groups
from evaluation.door import ROOT, Door, door_on
from tests.e2e.test_authority_door import Visitor, payload
from tests.e2e.test_diagnostic_rest import TYPED_ANSWERS
from tests.servers import Servers

pytestmark = pytest.mark.e2e

TYPED = {
    **{question_id: typed for question_id, (typed, _) in TYPED_ANSWERS.items()},
    "nom_collectivite": "Villefictive-sur-Mer",
    "population": "250 000",
}


@pytest.fixture(scope="module")
def door(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Door]:
    with door_on(servers, tmp_path_factory.mktemp("door-peers")) as started:
        yield started


def _complete(visitor: Visitor) -> str:
    """Answers every question through the door; the public id of the finished diagnostic."""
    messages = visitor.say("Bonjour")
    messages = visitor.say("on commence")
    for _ in range(len(TYPED) + 10):
        result = payload(messages, "result")
        if result is not None:
            return result["diagnostic_id"]
        question = payload(messages, "question")
        if question is None:  # a confirmation ("did you mean…?"): the first button says yes
            buttons = [button for message in messages for button in message.get("buttons") or []]
            assert buttons, messages
            messages = visitor.say(buttons[0]["payload"])
            continue
        messages = visitor.say(TYPED[question["question_id"]], question["question_id"])
    raise AssertionError("the diagnostic did not end")


def _peer(door: Door, number: int, synthetic: bool = False) -> None:
    """A completed comparable diagnostic (a commune of 200 000 inhabitants or more)."""
    questionnaire = default_questionnaire()
    answers: dict[str, tuple[Any, Any]] = {
        "nom_collectivite": (f"Commune paire {number}", "answered"),
        "type_collectivite": ("commune", "answered"),
        "population": (210_000 + number, "answered"),
        "strategie_projet_formalise": (("oui", "non", "en_partie")[number % 3], "answered"),
        "donnees_inventaire": (("non", "oui")[number % 2], "answered"),
    }
    store = door.store()
    try:
        store_completed(
            store, questionnaire, default_catalogue(), f"pair-e2e-{number}", answers, synthetic=synthetic
        )
    finally:
        store.engine.dispose()


def _peers_in_band(door: Door, public_id: str) -> int:
    store = door.store()
    try:
        record = store.by_public_id(public_id)
        _, groups = peer_groups(store, record, [])
        return next(group.diagnostics for group in groups if group.scope.kind == "bande")
    finally:
        store.engine.dispose()


def test_the_comparison_appears_only_past_the_threshold(door: Door) -> None:
    public_id = _complete(Visitor(door))
    report_json = f"{door.url}/rapport/{public_id}.json"
    already = _peers_in_band(door, public_id)
    assert already <= 9, "the band of this test must start with fewer than 10 diagnostics"
    for number in range(9 - already):
        _peer(door, number)
    # Synthetic diagnostics do not count (DIAGNOSTIC_INCLUDE_SYNTHETIC is not set).
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "--database-url",
            door.database_url,
            "demo-data",
            "20",
            "--graine",
            "3",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )

    nine = httpx.get(report_json, timeout=30).json()["peers"]
    assert nine["available"] is False and nine["axes"] == []
    assert "Pas encore assez de collectivités comparables" in nine["sentence"]
    page = httpx.get(f"{door.url}/rapport/{public_id}", timeout=30).text
    assert "Pas encore assez de collectivités comparables" in page
    assert 'class="pairs-graphique"' not in page

    _peer(door, 99)
    ten = httpx.get(report_json, timeout=30).json()["peers"]
    assert ten["available"] is True and ten["peers"] == 10
    assert ten["scope"]["kind"] == "bande"
    compared = [axis for axis in ten["axes"] if axis["compared"]]
    assert compared, ten
    for axis in compared:
        assert 0 <= axis["percentile"] <= 100
        assert axis["position"] in ("top", "above", "median", "below", "bottom")
    page = httpx.get(f"{door.url}/rapport/{public_id}", timeout=30).text
    assert "Comparaison avec 10 communes de 200\u202f000 habitants et plus" in page
    assert 'class="pairs-graphique"' in page and "Rang centile" in page
    assert "Commune paire" not in page, "never another authority's name"
