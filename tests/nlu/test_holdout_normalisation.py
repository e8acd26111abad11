"""Answer normalisation keeps its figures on the held-out answers (no model needed).

tests/nlu_holdout/answers.yml labels 510 free answers with the value to store.
Targets (issue 5): at least 0.97 overall and 0.95 for every answer type.
"""

from __future__ import annotations

import pytest

from evaluation.holdout_answers import load_answers, score_answers

MIN_OVERALL = 0.97
MIN_PER_TYPE = 0.95


@pytest.fixture(scope="module")
def scores():
    return score_answers()


def test_every_answer_type_is_covered(scores) -> None:
    assert set(scores) >= {
        "oui_partiel_non",
        "choix",
        "choix_multiple",
        "nombre",
        "echelle",
        "texte",
        "total",
    }
    assert scores["total"].total == len(load_answers()) >= 500


def test_overall_accuracy(scores) -> None:
    total = scores["total"]
    failures = [f for key, s in scores.items() if key != "total" for f in s.failures]
    assert total.accuracy >= MIN_OVERALL, f"{total.accuracy:.3f}; failures: {failures}"


@pytest.mark.parametrize(
    "answer_type", ["oui_partiel_non", "choix", "choix_multiple", "nombre", "echelle", "texte"]
)
def test_accuracy_per_answer_type(scores, answer_type: str) -> None:
    score = scores[answer_type]
    assert score.accuracy >= MIN_PER_TYPE, f"{answer_type}: {score.accuracy:.3f}; failures: {score.failures}"
