"""Quick in-process figures: answers in context, through the trained model and the real actions.

    .venv/bin/python scripts/eval_answers.py                      # the blind set: aggregates only
    .venv/bin/python scripts/eval_answers.py --set tests/nlu_holdout/answers.yml --details
    .venv/bin/python scripts/eval_answers.py --model /tmp/f-models/x.tar.gz --set my.yml --details

    .venv/bin/python scripts/eval_answers.py --door --set tests/nlu_holdout/answers.yml --details
    .venv/bin/python scripts/eval_answers.py --door baseline   # the same at the baseline commit

No server: see evaluation/answers.py; with --door, complete diagnostics at the
real servers' chat API instead (evaluation/door.py; `make bench-nlu-door` runs
both pipelines on both sets). The blind set (tests/nlu_blind/) is never printed item by
item, whatever the options: only its aggregate figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "diagnostic.tar.gz")
    parser.add_argument("--set", type=Path, action="append", dest="sets")
    parser.add_argument(
        "--details", action="store_true", help="print every failure (never for the blind set)"
    )
    parser.add_argument("--breakdown", action="store_true", help="aggregate failures by reader")
    parser.add_argument("--json", type=Path, help="write the aggregate figures as JSON")
    parser.add_argument(
        "--door",
        nargs="?",
        const="current",
        choices=("current", "baseline"),
        help="complete diagnostics through the door of today's tree (or of the baseline commit)",
    )
    args = parser.parse_args()
    from scripts.bench_nlu import _quiet_rasa

    _quiet_rasa()
    from evaluation.answers import BLIND_ANSWERS, Player, breakdown, figures, load_items

    paths = args.sets or [BLIND_ANSWERS]
    if args.door:
        from evaluation.door import measure

        runs = measure({str(path): load_items(path) for path in paths}, [args.door])[args.door]
        played_sets = {path: runs[str(path)].played for path in paths}
    else:
        player = Player(args.model)
        played_sets = {path: player.play(load_items(path)) for path in paths}
        player.close()
    output: dict[str, object] = {}
    for path, played in played_sets.items():
        result = figures(played)
        output[str(path)] = result.as_dict()
        print(f"== {path}")
        print(result.table())
        blind = path.resolve() == BLIND_ANSWERS.resolve()
        if args.breakdown:
            for key, count in sorted(breakdown(played).items(), key=lambda kv: -kv[1]):
                print(f"  {count:4d}  {key}")
        if args.details and not blind:
            for p in played:
                if p.outcome != "right":
                    print(
                        f"  [{p.outcome}] {p.item.question_id}: {p.item.text!r} → stored {p.stored!r}"
                        f" confirm {list(p.confirmed)} (expected {p.item.value!r};"
                        f" {p.intent} {p.confidence:.2f})"
                    )
    if args.json:
        args.json.write_text(json.dumps(output, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
