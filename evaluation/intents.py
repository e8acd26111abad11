"""Evaluating a trained Rasa model on labelled NLU messages (the held-out set, a CV fold).

Shared by ``scripts/bench_nlu.py`` and ``tests/nlu/test_holdout_targets.py`` so that
the benchmark and the test measure the same thing:

- intents: accuracy and macro-F1 over the gold intents (scikit-learn), the prediction
  being the classifier's top intent *before* the fallback (``nlu_fallback`` is a
  decision about confidence, measured separately by :func:`fallback_sweep`);
- entities: micro precision / recall / F1 on exact spans, an extracted entity counting
  as correct when its type and its (start, end) characters equal a gold one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOLDOUT_INTENTS = ROOT / "tests" / "nlu_holdout" / "intents"
TRAINING_DATA = ROOT / "data" / "nlu"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: tuple[tuple[str, int, int], ...] = ()  # (type, start, end)


@dataclass(frozen=True)
class Prediction:
    text: str
    intent: str  # top intent of the classifier, fallback ignored
    confidence: float
    second_confidence: float
    entities: tuple[tuple[str, int, int], ...] = ()


@dataclass
class Scores:
    n: int
    accuracy: float
    macro_f1: float
    entity_precision: float
    entity_recall: float
    entity_f1: float
    per_intent_f1: dict[str, float] = field(default_factory=dict)
    errors: list[tuple[str, str, str, float]] = field(default_factory=list)  # text, gold, predicted, conf


def example_of(message: Any) -> Example:
    """The labelled example of a Rasa training message."""
    entities = tuple(
        sorted((e["entity"], int(e["start"]), int(e["end"])) for e in message.get("entities") or [])
    )
    return Example(message.get("text"), message.get("intent"), entities)


def load_examples(paths: Iterable[Path | str]) -> list[Example]:
    """Labelled messages from Rasa NLU YAML files (files or folders)."""
    from rasa.shared.nlu.training_data.loading import load_data

    return [example_of(message) for path in paths for message in load_data(str(path)).intent_examples]


def training_forms(path: Path | str = TRAINING_DATA) -> set[str]:
    """The training messages, in matching form ("Merci !" and "merci" are the same message)."""
    from bot.understanding.text import match_form

    return {match_form(example.text) for example in load_examples([path])}


def holdout_examples() -> list[Example]:
    return load_examples(sorted(HOLDOUT_INTENTS.glob("*.yml")))


def _quiet() -> None:
    for name in ("rasa", "tensorflow", "absl", "matplotlib"):
        logging.getLogger(name).setLevel(logging.ERROR)


def load_processor(model_path: Path | str) -> Any:
    """The message processor of a trained model (Rasa's Agent, without any server)."""
    _quiet()
    from rasa.core.agent import Agent

    return Agent.load(str(model_path)).processor


def predict(processor: Any, texts: Sequence[str]) -> list[Prediction]:
    """Parse each text with the model's graph, as the server does."""
    from rasa.core.channels.channel import UserMessage

    async def run() -> list[Prediction]:
        predictions = []
        for text in texts:
            parsed = await processor.parse_message(UserMessage(text))
            ranking = [r for r in parsed.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
            top = ranking[0] if ranking else {"name": None, "confidence": 0.0}
            second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
            entities = tuple(
                sorted(
                    (e["entity"], int(e["start"]), int(e["end"]))
                    for e in parsed.get("entities") or []
                    if e.get("extractor") != "RegexEntityExtractor"
                )
            )
            predictions.append(
                Prediction(text, str(top["name"]), float(top["confidence"]), float(second), entities)
            )
        return predictions

    return asyncio.run(run())


def score(examples: Sequence[Example], predictions: Sequence[Prediction]) -> Scores:
    from sklearn.metrics import accuracy_score, f1_score

    gold = [e.intent for e in examples]
    predicted = [p.intent for p in predictions]
    labels = sorted(set(gold))
    per_intent = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
    true_positives = sum(
        len(set(e.entities) & set(p.entities)) for e, p in zip(examples, predictions, strict=True)
    )
    n_gold = sum(len(e.entities) for e in examples)
    n_predicted = sum(len(p.entities) for p in predictions)
    precision = true_positives / n_predicted if n_predicted else 0.0
    recall = true_positives / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(
        n=len(examples),
        accuracy=float(accuracy_score(gold, predicted)),
        macro_f1=float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)),
        entity_precision=precision,
        entity_recall=recall,
        entity_f1=f1,
        per_intent_f1={label: float(v) for label, v in zip(labels, per_intent, strict=True)},
        errors=[
            (e.text, e.intent, p.intent, p.confidence)
            for e, p in zip(examples, predictions, strict=True)
            if e.intent != p.intent
        ],
    )


def evaluate(processor: Any, examples: Sequence[Example]) -> tuple[Scores, list[Prediction]]:
    predictions = predict(processor, [e.text for e in examples])
    return score(examples, predictions), predictions


@dataclass(frozen=True)
class FallbackPoint:
    threshold: float
    ambiguity: float
    fallback_rate: float  # share of messages sent to nlu_fallback
    accepted_accuracy: float  # accuracy on the messages not sent to the fallback
    wrong_accepted: int  # messages acted upon with the wrong intent
    right_rejected: int  # correctly classified messages sent to the fallback
    answers_rejected: int  # gold "answer" messages sent to the fallback
    handled_right: float  # share of right intents accepted + answers sent to the fallback


def fallback_sweep(
    examples: Sequence[Example],
    predictions: Sequence[Prediction],
    thresholds: Iterable[float],
    ambiguity: float = 0.0,
) -> list[FallbackPoint]:
    """What FallbackClassifier(threshold=t, ambiguity_threshold=a) would do, for each t.

    A message falls back when its top confidence is below t, or when the two best
    intents are closer than a. Here a fallback leads to the answer action
    (data/rules.yml), so it is the right handling for an answer.
    """
    points = []
    pairs = list(zip(examples, predictions, strict=True))
    for threshold in thresholds:
        rejected_flags = [
            p.confidence < threshold or (ambiguity > 0 and p.confidence - p.second_confidence < ambiguity)
            for _, p in pairs
        ]
        accepted = [(e, p) for (e, p), r in zip(pairs, rejected_flags, strict=True) if not r]
        rejected = [(e, p) for (e, p), r in zip(pairs, rejected_flags, strict=True) if r]
        right = sum(e.intent == p.intent for e, p in accepted)
        answers_rejected = sum(e.intent == "answer" for e, _ in rejected)
        points.append(
            FallbackPoint(
                threshold=threshold,
                ambiguity=ambiguity,
                fallback_rate=len(rejected) / len(pairs) if pairs else 0.0,
                accepted_accuracy=right / len(accepted) if accepted else 1.0,
                wrong_accepted=len(accepted) - right,
                right_rejected=sum(e.intent == p.intent for e, p in rejected),
                answers_rejected=answers_rejected,
                handled_right=(right + answers_rejected) / len(pairs) if pairs else 0.0,
            )
        )
    return points
