"""Rendering the NLU benchmark's report (benchmarks/nlu.md) from its figures (benchmarks/nlu.json).

``scripts/bench_nlu.py`` measures and saves the figures; this module only turns them into
French Markdown, so that a report can be re-rendered from a saved run without training
anything (``scripts/bench_nlu.py --from-json``) and its choices tested on worked figures.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from evaluation.answers import OUTCOMES, TYPES

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "rasa_docs"
SEED = 42
AMBIGUITIES = (0.0, 0.05, 0.1)
TARGET_MACRO_F1 = 0.95
TARGET_NORMALISATION = 0.97
TARGET_PER_TYPE = 0.95
DOOR_TITLES = {
    "blind": "Jeu aveugle (`tests/nlu_blind/`)",
    "holdout": "Jeu tenu à part (`tests/nlu_holdout/answers.yml`, lu pendant la mise au point)",
}
OUTCOME_TITLES = {"right": "juste", "wrong": "faux", "confirm": "confirme", "not_understood": "incompris"}


def pipeline_steps(path: Path) -> list[Any]:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8")).get("pipeline") or []


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
    threshold, ambiguity = fallback_settings(pipeline_steps(ROOT / "config.yml"))
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

    lines = [
        "",
        "## Réponses en contexte, par la porte (diagnostics complets)",
        "",
        f"Mesuré le {door['date']} en {door['seconds'] / 60:.0f} min (charge au départ {door['load']}), "
        "`make bench-nlu-door` (`evaluation/door.py`). Chaque réponse étiquetée est jouée "
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
