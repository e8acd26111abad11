"""The NLU benchmark's report (scripts/bench_nlu.py): choices it makes and what it prints.

The benchmark itself takes about 65 minutes (`make bench-nlu`); these tests check its
pure parts on the committed results (benchmarks/nlu.json) so that a change in the script
cannot silently break the report or its choice of pipeline and fallback threshold.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from evaluation import nlu_report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_nlu", ROOT / "scripts" / "bench_nlu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def saved() -> dict:
    return json.loads((ROOT / "benchmarks" / "nlu.json").read_text(encoding="utf-8"))


def test_config_yml_is_one_of_the_candidates(bench) -> None:
    assert bench.chosen_config(sorted(bench.CONFIGS.glob("*.yml"))) == "spacy_tensor"


def test_config_yml_keeps_the_best_measured_pipeline(bench, saved) -> None:
    best = max(saved["results"], key=lambda r: r["holdout"]["macro_f1"])
    assert best["name"] == bench.chosen_config(sorted(bench.CONFIGS.glob("*.yml")))


def test_config_yml_uses_the_tuned_fallback_threshold(bench, saved) -> None:
    chosen = next(r for r in saved["results"] if r["name"] == saved["chosen"])
    best = {amb: nlu_report.best_fallback(points) for amb, points in chosen["fallback"].items()}
    ambiguity, point = max(best.items(), key=lambda kv: (kv[1]["handled_right"], -kv[1]["wrong_accepted"]))
    threshold, gap = nlu_report.fallback_settings(nlu_report.pipeline_steps(ROOT / "config.yml"))
    assert (threshold, gap) == (point["threshold"], float(ambiguity))


def test_best_fallback_prefers_fewer_wrong_actions_then_the_lower_threshold(bench) -> None:
    points = [
        {"threshold": 0.2, "handled_right": 0.9, "wrong_accepted": 5},
        {"threshold": 0.3, "handled_right": 0.9, "wrong_accepted": 4},
        {"threshold": 0.4, "handled_right": 0.9, "wrong_accepted": 4},
        {"threshold": 0.5, "handled_right": 0.8, "wrong_accepted": 1},
    ]
    assert nlu_report.best_fallback(points)["threshold"] == 0.3


def test_the_report_shows_every_pipeline_the_deployed_model_and_the_targets(bench, saved) -> None:
    text = nlu_report.report(
        saved["results"],
        saved["normalisation"],
        saved["machine"],
        saved["folds"],
        saved["chosen"],
        saved["seconds"],
        saved["date"],
        saved["deployed"],
        saved.get("door"),
    )
    for result in saved["results"]:
        assert f"| {result['name']} |" in text or f"**{result['name']}** (config.yml)" in text
    assert "## Le modèle déployé (`make train`)" in text
    assert nlu_report._f(saved["deployed"]["holdout"]["macro_f1"]) in text
    assert saved["machine"]["cpu"] in text and saved["date"] in text
    assert "≥ 0,97" in text and "≥ 0,95" in text
    if saved.get("door"):  # make bench-nlu-door: both sets, before and after
        assert "## Réponses en contexte, par la porte (diagnostics complets)" in text
        assert "### Jeu aveugle (`tests/nlu_blind/`)" in text and saved["door"]["baseline"][:7] in text
    assert text == (ROOT / "benchmarks" / "nlu.md").read_text(encoding="utf-8")
