"""Rasa NLU data as the review needs it: the domain's intents and entities, the existing
training examples, and the export of corrections as a Rasa NLU YAML file.

Pure functions over plain values; nothing here imports Rasa. The export is
``version: "3.1"``, one block per intent, entities annotated ``[text](entity)`` (or
``[text]{"entity": ..., "value": ...}`` when the value differs), without duplicates
among the corrections or with the examples already in ``data/nlu/``.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from bot.review.text import clean_line, example_key
from bot.settings import FALLBACK_INTENT
from bot.staff_text import staff_text

# [text](entity), [text](entity:value), [text]{"entity": ...}, [text][{...}, {...}]
_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+?)\](?:\((?P<paren>[^)]+)\)|\{(?P<dict>[^}]+)\}|\[(?P<list>.*?)\])"
)


class NluDataError(ValueError):
    """The domain or a training file cannot be read; the message says which."""


@dataclass(frozen=True)
class EntitySpan:
    """An entity in a correction's text: ``text[start:end]``; ``value`` when it is normalised."""

    entity: str
    start: int
    end: int
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"entity": self.entity, "start": self.start, "end": self.end}
        if self.value is not None:
            data["value"] = self.value
        return data


@dataclass(frozen=True)
class Correction:
    id: int
    text: str
    intent: str
    entities: tuple[EntitySpan, ...]
    created_by: str
    created_at: datetime
    source_sender_id: str | None = None
    source_event_id: int | None = None

    @property
    def key(self) -> str:
        return example_key(self.text)

    def annotated(self) -> str:
        return annotate(self.text, self.entities)


@dataclass(frozen=True)
class Domain:
    intents: tuple[str, ...]
    entities: tuple[str, ...]


def _names(items: Any) -> tuple[str, ...]:
    names = []
    for item in items or []:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and len(item) == 1:
            names.append(next(iter(item)))
    return tuple(names)


def load_domain(path: Path) -> Domain:
    """Intents and entities declared in ``domain.yml``."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise NluDataError(f"impossible de lire le domaine {path} : {exc}") from exc
    return Domain(intents=_names(raw.get("intents")), entities=_names(raw.get("entities")))


def plain_text(example: str) -> str:
    """An example without its annotations: ``l'[interop](term) ?`` → ``l'interop ?``."""
    return _ANNOTATION.sub(lambda match: match.group("text"), example)


def _examples(block: Any) -> list[str]:
    if isinstance(block, str):
        return [line.strip()[2:].strip() for line in block.splitlines() if line.strip().startswith("- ")]
    if isinstance(block, list):
        return [
            item["text"] for item in block if isinstance(item, dict) and isinstance(item.get("text"), str)
        ]
    return []


def existing_examples(nlu_dir: Path) -> dict[str, set[str]]:
    """``{example_key(plain text): {intents}}`` of every example in ``nlu_dir/*.yml``."""
    found: dict[str, set[str]] = {}
    for path in sorted(Path(nlu_dir).glob("*.yml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise NluDataError(f"impossible de lire {path} : {exc}") from exc
        for item in raw.get("nlu") or []:
            if isinstance(item, dict) and isinstance(item.get("intent"), str):
                for example in _examples(item.get("examples")):
                    found.setdefault(example_key(plain_text(example)), set()).add(item["intent"])
    return found


def check_entities(
    text: str, raw: Iterable[Mapping[str, Any]], allowed: Sequence[str]
) -> tuple[EntitySpan, ...]:
    """Entity spans from staff input; each item has ``entity`` and either ``start``/``end`` or
    ``text`` (its first occurrence in the message), and optionally ``value``.

    Raises ``ValueError`` (French message) for an unknown entity, a span outside the text,
    an empty or overlapping span.
    """
    spans: list[EntitySpan] = []
    for item in raw:
        entity = str(item.get("entity") or "").strip()
        if entity not in allowed:
            raise ValueError(staff_text("entity_unknown", entity=repr(entity), allowed=", ".join(allowed)))
        start, end = item.get("start"), item.get("end")
        fragment = item.get("text")
        if (start is None or end is None) and isinstance(fragment, str) and fragment.strip():
            fragment = fragment.strip()
            start = text.find(fragment)
            if start < 0:
                raise ValueError(staff_text("entity_not_in_message", fragment=fragment))
            end = start + len(fragment)
        try:
            start, end = int(start), int(end)
        except (TypeError, ValueError):
            raise ValueError(staff_text("entity_position_invalid")) from None
        if not 0 <= start < end <= len(text) or not text[start:end].strip():
            raise ValueError(staff_text("entity_outside_message"))
        if text[start:end] != text[start:end].strip() or any(c in text[start:end] for c in "[]()"):
            raise ValueError(staff_text("entity_spaces"))
        value = item.get("value")
        value = clean_line(str(value)) if value not in (None, "") else None
        spans.append(EntitySpan(entity=entity, start=start, end=end, value=value or None))
    spans.sort(key=lambda span: span.start)
    for before, after in itertools.pairwise(spans):
        if after.start < before.end:
            raise ValueError(staff_text("entities_overlap"))
    return tuple(spans)


def _neutral(fragment: str) -> str:
    # Brackets outside annotations would be read as entity annotations by Rasa.
    return fragment.replace("[", "(").replace("]", ")")


def annotate(text: str, entities: Sequence[EntitySpan]) -> str:
    """The example as one line of Rasa's YAML, entities annotated."""
    parts: list[str] = []
    position = 0
    for span in sorted(entities, key=lambda span: span.start):
        parts.append(_neutral(text[position : span.start]))
        fragment = text[span.start : span.end]
        if span.value is None or span.value == fragment:
            parts.append(f"[{fragment}]({span.entity})")
        else:
            parts.append(
                f"[{fragment}]" + json.dumps({"entity": span.entity, "value": span.value}, ensure_ascii=False)
            )
        position = span.end
    parts.append(_neutral(text[position:]))
    return "".join(parts)


@dataclass(frozen=True)
class Skipped:
    correction: Correction
    reason: str


@dataclass(frozen=True)
class NluExport:
    """The YAML text, with what went in and what was left out (and why)."""

    yaml: str
    included: tuple[Correction, ...]
    skipped: tuple[Skipped, ...] = field(default=())


def plan_export(
    corrections: Iterable[Correction],
    existing: Mapping[str, set[str]] | None = None,
    intents: Sequence[str] | None = None,
) -> NluExport:
    """Choose the corrections to export and write them as Rasa NLU YAML.

    - one example per text (``example_key``): when staff gave several intents for the same
      text, the most recent correction wins;
    - a text already in the training data is left out (same intent: nothing to add; another
      intent: it would contradict the data, which must be fixed by hand);
    - an intent no longer in the domain is left out.
    """
    existing = existing or {}
    ordered = sorted(corrections, key=lambda c: (c.created_at, c.id), reverse=True)
    chosen: dict[str, Correction] = {}
    skipped: list[Skipped] = []
    for correction in ordered:
        key = correction.key
        if not key:
            skipped.append(Skipped(correction, staff_text("nlu_skip_empty")))
        elif key in chosen:
            skipped.append(Skipped(correction, staff_text("nlu_skip_replaced", intent=chosen[key].intent)))
        elif intents is not None and (
            correction.intent not in intents or correction.intent == FALLBACK_INTENT
        ):
            skipped.append(
                Skipped(correction, staff_text("nlu_skip_unknown_intent", intent=correction.intent))
            )
        elif key in existing:
            known = ", ".join(sorted(existing[key]))
            if correction.intent in existing[key]:
                skipped.append(Skipped(correction, staff_text("nlu_skip_known", known=known)))
            else:
                skipped.append(Skipped(correction, staff_text("nlu_skip_contradicts", known=known)))
        else:
            chosen[key] = correction
    included = tuple(sorted(chosen.values(), key=lambda c: (c.intent, c.key)))
    return NluExport(yaml=render_yaml(included), included=included, skipped=tuple(skipped))


def render_yaml(corrections: Sequence[Correction]) -> str:
    lines = [
        'version: "3.1"',
        "",
        f"# {staff_text('nlu_export_origin')}",
        f"# {staff_text('nlu_export_advice')}",
        "",
    ]
    if not corrections:
        lines.append("nlu: []")
        return "\n".join(lines) + "\n"
    lines.append("nlu:")
    by_intent: dict[str, list[str]] = {}
    for correction in corrections:
        by_intent.setdefault(correction.intent, []).append(clean_line(correction.annotated()))
    for intent in sorted(by_intent):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {example}" for example in by_intent[intent])
        lines.append("")
    return "\n".join(lines)


def export_nlu(
    corrections: Iterable[Correction],
    existing: Mapping[str, set[str]] | None = None,
    intents: Sequence[str] | None = None,
) -> str:
    """The corrections as a Rasa NLU YAML file (see :func:`plan_export`)."""
    return plan_export(corrections, existing, intents).yaml
