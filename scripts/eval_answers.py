"""Quick in-process figures: answers in context, through the trained model and the real actions.

    .venv/bin/python scripts/eval_answers.py                      # the blind set: aggregates only
    .venv/bin/python scripts/eval_answers.py --set tests/nlu_holdout/answers.yml --details
    .venv/bin/python scripts/eval_answers.py --model /tmp/f-models/x.tar.gz --set my.yml --details

No server: see components/answer_evaluation.py. The blind set (tests/nlu_blind/) is never
printed item by item, whatever the options: only its aggregate figures.
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
    args = parser.parse_args()
    from scripts.bench_nlu import _quiet_rasa

    _quiet_rasa()
    from components.answer_evaluation import BLIND_ANSWERS, Player, breakdown, figures, load_items

    player = Player(args.model)
    output: dict[str, object] = {}
    for path in args.sets or [BLIND_ANSWERS]:
        played = player.play(load_items(path))
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
    player.close()
    if args.json:
        args.json.write_text(json.dumps(output, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
