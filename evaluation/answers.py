"""Answers in context, as the person lives them: what the assistant does with each one.

Each labelled answer (question id, typed text, value that should be stored, or None when
nothing should be) is played in a fresh diagnostic waiting at that question: the trained
NLU model parses the text (Rasa's Agent, no server), the rules of ``data/rules.yml`` pick the
actions, the real custom actions run against a temporary diagnostic store, and the outcome
is read from the store and the replies:

- ``right``: the expected value was stored (for a None label: nothing was stored and no
  confirmation asked);
- ``wrong``: another value was stored, silently (for a None label: anything stored);
- ``confirm``: the assistant asked which reading was meant (not right at the first try);
- ``not_understood``: nothing stored, nothing asked (for an expected value).

A skipped question, or "I don't know" at a question that has no such value, stores no
value: it counts as ``not_understood`` for an expected value and as ``right`` for a None
label (the person asked to skip).

Shared by ``scripts/eval_answers.py`` (quick in-process figures), ``scripts/bench_nlu.py``
and ``tests/nlu/test_blind_targets.py``; ``evaluation/door.py`` plays the same
items, with the same outcomes, in complete diagnostics through the real servers. For the
blind set (``tests/nlu_blind/``) only aggregate figures are ever printed: see its README.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
BLIND_ANSWERS = ROOT / "tests" / "nlu_blind" / "answers.yml"
HOLDOUT_ANSWERS = ROOT / "tests" / "nlu_holdout" / "answers.yml"
RULES = ROOT / "data" / "rules.yml"
OUTCOMES = ("right", "wrong", "confirm", "not_understood")
CONFIRM_PREFIX = "Pour être sûr de bien noter"
TYPES = ("oui_partiel_non", "choix", "choix_multiple", "nombre", "echelle", "texte")


@dataclass(frozen=True)
class Item:
    question_id: str
    text: str
    value: Any


@dataclass(frozen=True)
class Played:
    item: Item
    answer_type: str
    intent: str
    confidence: float
    stored: Any  # the value stored, "<ne sait pas>" / "<passée>" markers, or None
    confirmed: tuple[Any, ...]  # the candidates offered for confirmation
    outcome: str
    source: str = ""  # which reader decided ("rules", "reader", "rules+reader", "intent"…)


@dataclass
class Figures:
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, answer_type: str, outcome: str) -> None:
        self.counts[answer_type][outcome] += 1
        self.counts["total"][outcome] += 1

    def rate(self, answer_type: str, outcome: str) -> float:
        total = sum(self.counts[answer_type].values())
        return self.counts[answer_type][outcome] / total if total else 0.0

    def n(self, answer_type: str) -> int:
        return sum(self.counts[answer_type].values())

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {
            key: {"n": self.n(key), **{o: self.counts[key][o] for o in OUTCOMES}}
            for key in [*TYPES, "total"]
            if self.n(key)
        }

    def table(self) -> str:
        lines = [f"{'type':<16}{'n':>6}{'juste':>9}{'faux':>8}{'confirme':>10}{'incompris':>11}"]
        for key in [*TYPES, "total"]:
            if not self.n(key):
                continue
            lines.append(
                f"{key:<16}{self.n(key):>6}"
                + "".join(
                    f"{100 * self.rate(key, o):>{w}.1f}%"
                    for o, w in zip(OUTCOMES, (8, 7, 9, 10), strict=True)
                )
            )
        return "\n".join(lines)


def quiet() -> None:
    """No debug log of Rasa: its parse logs would print the texts of the blind set."""
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.ERROR)
    for name in ("rasa", "tensorflow", "absl", "matplotlib", "sanic", "rasa_sdk"):
        logging.getLogger(name).setLevel(logging.ERROR)


def load_items(path: Path | str) -> list[Item]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [Item(entry["question"], str(entry["text"]), entry["value"]) for entry in raw]


def type_key(question: Any) -> str:
    return type_of(question.answer_type, question.multiple)


def type_of(answer_type: str, multiple: bool) -> str:
    """The answer type the figures are split by (a multiple choice apart from a single one)."""
    return "choix_multiple" if answer_type == "choix" and multiple else answer_type


def rule_actions(path: Path = RULES) -> dict[str, list[str]]:
    """The actions each intent leads to, from the single-intent rules of data/rules.yml."""
    rules = yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]
    mapping: dict[str, list[str]] = {}
    for rule in rules:
        steps = rule["steps"]
        if steps and "intent" in steps[0]:
            mapping[steps[0]["intent"]] = [s["action"] for s in steps[1:] if "action" in s]
    return mapping


def stored_value(answers: dict[str, Any], question_id: str) -> Any:
    """The value an answer of the store holds for the question, or None.

    "Ne sait pas" of a yes / partly / no question is a value; elsewhere an unknown stores
    no value (like a skip).
    """
    answer = answers.get(question_id)
    if answer is None:
        return None
    if answer.status == "answered" or (answer.status == "unknown" and answer.value is not None):
        return answer.value
    return None


def confirmation_of(messages: Iterable[dict[str, Any]]) -> tuple[Any, ...]:
    """The candidates of a confirmation among the assistant's messages (empty: none asked).

    Messages as the REST channel and Rasa's dispatcher give them (text, buttons, custom).
    """
    confirmed: tuple[Any, ...] = ()
    for message in messages:
        custom = message.get("custom") or {}
        if isinstance(custom, dict) and custom.get("type") == "confirmation":
            confirmed = tuple(c.get("value") for c in custom.get("candidates") or [])
        elif (message.get("text") or "").startswith(CONFIRM_PREFIX):  # before the payload existed
            confirmed = tuple(b.get("payload") for b in message.get("buttons") or [])
    return confirmed


def outcome_of(expected: Any, stored: Any, confirmed: Sequence[Any]) -> str:
    if stored is not None:
        return "right" if stored == expected else "wrong"
    if confirmed:
        return "confirm"
    return "right" if expected is None else "not_understood"


class Player:
    """Plays answers in context against a trained model and the real actions."""

    def __init__(self, model: Path | str) -> None:
        from evaluation.intents import load_processor

        quiet()

        self.processor = load_processor(model)
        self._tmp = tempfile.TemporaryDirectory(prefix="answers-eval-")
        os.environ.setdefault("DIAGNOSTIC_PUBLIC_URL", "http://diag.test")
        from bot.dialogue import DiagnosticConversation
        from bot.messages import default_messages
        from bot.questionnaire import default_questionnaire
        from bot.recommendations import default_catalogue
        from bot.settings import report_url
        from bot.storage import DiagnosticStore

        self.questionnaire = default_questionnaire()
        self.engine = DiagnosticConversation(
            store=DiagnosticStore.from_url(f"sqlite:///{self._tmp.name}/d.db"),
            questionnaire=self.questionnaire,
            catalogue=default_catalogue(),
            messages=default_messages(),
            report_url=report_url("http://diag.test"),
        )
        self.rules = rule_actions()

    def close(self) -> None:
        self.engine.store.engine.dispose()
        self._tmp.cleanup()

    def __enter__(self) -> Player:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def parse(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        from rasa.core.channels.channel import UserMessage

        async def run() -> list[dict[str, Any]]:
            return [await self.processor.parse_message(UserMessage(text)) for text in texts]

        return asyncio.run(run())

    def play(self, items: Iterable[Item]) -> list[Played]:
        items = list(items)
        parsed = self.parse([item.text for item in items])
        return [self._play_one(item, parse) for item, parse in zip(items, parsed, strict=True)]

    def _play_one(self, item: Item, parse: dict[str, Any]) -> Played:
        from rasa_sdk import Tracker
        from rasa_sdk.executor import CollectingDispatcher

        import actions.actions as module

        store = self.engine.store
        sender = f"eval-{uuid.uuid4().hex[:16]}"
        record = store.create(sender)
        store.update_state(record.id, current_question_id=item.question_id)
        question = self.questionnaire.question(item.question_id)
        intent = (parse.get("intent") or {}).get("name") or "nlu_fallback"
        confidence = float((parse.get("intent") or {}).get("confidence") or 0.0)
        tracker = Tracker(
            sender_id=sender,
            slots={},
            latest_message=dict(parse),
            events=[],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )
        actions = {cls().name(): cls for cls in _action_classes(module)}
        dispatcher = CollectingDispatcher()
        import bot.dialogue as dialogue

        decisions: list[Any] = []
        original, original_read = module.conversation, dialogue.read_in_context

        def spy(*args: Any, **kwargs: Any) -> Any:
            decisions.append(original_read(*args, **kwargs))
            return decisions[-1]

        module.conversation = lambda: self.engine  # type: ignore[assignment]
        dialogue.read_in_context = spy  # type: ignore[assignment]
        try:
            for name in self.rules.get(intent, []):
                if name in actions:
                    asyncio.run(actions[name]().run(dispatcher, tracker, {}))
        finally:
            module.conversation = original  # type: ignore[assignment]
            dialogue.read_in_context = original_read  # type: ignore[assignment]
        source = f"{decisions[-1].kind}:{decisions[-1].source}" if decisions else f"intent:{intent}"
        stored = stored_value(store.answers(record.id), item.question_id)
        confirmed = confirmation_of(dispatcher.messages)
        return Played(
            item,
            type_key(question),
            intent,
            confidence,
            stored,
            confirmed,
            outcome_of(item.value, stored, confirmed),
            source,
        )


def _action_classes(module: Any) -> list[type]:
    from actions.actions import DiagnosticAction

    return [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, DiagnosticAction)
        and obj is not DiagnosticAction
        and not getattr(obj, "__abstractmethods__", None)
    ]


def breakdown(played: Iterable[Played]) -> Counter:
    """Aggregate counts of (answer type, outcome, expected None?, deciding reader): no item."""
    return Counter(
        (p.answer_type, p.outcome, p.item.value is None, p.source) for p in played if p.outcome != "right"
    )


def figures(played: Iterable[Played]) -> Figures:
    result = Figures()
    for p in played:
        result.add(p.answer_type, p.outcome)
    return result
