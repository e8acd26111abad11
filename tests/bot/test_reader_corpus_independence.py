"""The learned reader's training corpora share no answer with the evaluation sets.

Short set phrases ("en partie", "aucune idée") are written the same way by anyone; an answer of
four words or more of a corpus must be neither a copy nor a near copy (85 % of its characters
in common) of an answer of the held-out set or of the blind set. The blind set's answers are
only counted here, never shown.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rapidfuzz import fuzz, process

from bot.understanding.reader import CORPORA, corpus_examples
from bot.understanding.text import match_form

ROOT = Path(__file__).resolve().parents[2]
HOLDOUT = ROOT / "tests" / "nlu_holdout" / "answers.yml"
BLIND = ROOT / "tests" / "nlu_blind" / "answers.yml"
MIN_WORDS = 4
NEAR = 85.0


def _long_forms(texts: list[str]) -> list[str]:
    return [form for form in map(match_form, texts) if len(form.split()) >= MIN_WORDS]


def near_copies(corpus: list[str], evaluation: list[str]) -> list[tuple[str, str]]:
    """(corpus answer, evaluation answer) pairs that are copies or near copies."""
    ours, theirs = _long_forms(corpus), _long_forms(evaluation)
    scores = process.cdist(ours, theirs, scorer=fuzz.ratio, score_cutoff=NEAR, workers=1)
    return [(ours[i], theirs[j]) for i, j in zip(*scores.nonzero(), strict=True)]


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda path: path.name)
def test_no_corpus_answer_copies_an_evaluation_answer(corpus: Path) -> None:
    texts = [text for text, _ in corpus_examples(corpus)]
    holdout = [str(item["text"]) for item in yaml.safe_load(HOLDOUT.read_text(encoding="utf-8"))]
    blind = [str(item["text"]) for item in yaml.safe_load(BLIND.read_text(encoding="utf-8"))]
    assert near_copies(texts, holdout) == []
    copies_of_blind = len(near_copies(texts, blind))  # counted only: the blind answers are never shown
    assert copies_of_blind == 0, f"{copies_of_blind} near copies of blind answers"


def test_a_near_copy_is_caught() -> None:
    draft = "on a un brouillon mais rien de validé"
    assert near_copies([draft], ["On a un brouillon, mais rien de validé !"])
    assert not near_copies(["oui"], ["oui"])  # a set phrase of fewer than four words
    assert not near_copies([draft], ["le parc est entièrement en LED"])
