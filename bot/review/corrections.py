"""The set of NLU corrections staff build from misunderstood messages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.review.filters import Page, ReviewInputError, read_page
from bot.review.nlu import Correction, EntitySpan, check_entities
from bot.review.text import clean_line, example_key
from bot.settings import FALLBACK_INTENT
from bot.staff_text import staff_text
from bot.storage.models import utcnow
from bot.storage.review_models import CorrectionRow

corrections = CorrectionRow.__table__

MAX_TEXT_LENGTH = 2000


def _correction(row: Any) -> Correction:
    return Correction(
        id=row.id,
        text=row.text,
        intent=row.intent,
        entities=tuple(
            EntitySpan(
                entity=item["entity"],
                start=int(item["start"]),
                end=int(item["end"]),
                value=item.get("value"),
            )
            for item in row.entities or []
        ),
        created_by=row.created_by,
        created_at=row.created_at,
        source_sender_id=row.source_sender_id,
        source_event_id=row.source_event_id,
    )


def _as_fragments(original: str, raw: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Entity items located by offsets in the original message, turned into text fragments.

    The stored text is the cleaned message (one line, spaces collapsed), where the offsets
    of Rasa's entities no longer hold; fragments are found again in order.
    """
    items = []
    for item in raw:
        item = dict(item)
        start, end = item.get("start"), item.get("end")
        if not item.get("text") and start is not None and end is not None:
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(original)):
                raise ReviewInputError(staff_text("entity_outside_message"))
            item["text"] = original[start:end]
        items.append(item)
    return sorted(items, key=lambda item: item.get("start") if isinstance(item.get("start"), int) else 0)


def _locate(text: str, items: list[dict[str, Any]], allowed: Sequence[str]) -> tuple[EntitySpan, ...]:
    located = []
    position = 0
    for item in items:
        fragment = clean_line(str(item.get("text") or ""))
        if fragment:
            start = text.find(fragment, position)
            if start < 0:
                start = text.find(fragment)
            if start < 0:
                raise ReviewInputError(staff_text("entity_not_in_message", fragment=fragment))
            item = {**item, "start": start, "end": start + len(fragment)}
            position = start + len(fragment)
        item.pop("text", None)
        located.append(item)
    try:
        return check_entities(text, located, allowed)
    except ValueError as exc:
        raise ReviewInputError(str(exc)) from None


def add_correction(
    engine: Engine,
    text: str,
    intent: str,
    entities: Iterable[Mapping[str, Any]],
    created_by: str,
    intents: Sequence[str],
    entity_names: Sequence[str],
    source_sender_id: str | None = None,
    source_event_id: int | None = None,
) -> Correction:
    """Record that ``text`` means ``intent`` (with ``entities``); idempotent per text and intent.

    ``entities``: items ``{"entity", "start", "end"}`` (offsets in ``text``) or
    ``{"entity", "text"}`` (a fragment of the message), each with an optional ``value``.
    Raises :class:`ReviewInputError` (French message) for an unknown intent or entity,
    an empty or too long text. Correcting the same text with the same intent again
    replaces the entities of the existing correction.
    """
    if not isinstance(text, str):
        raise ReviewInputError(staff_text("correction_not_text"))
    cleaned = clean_line(text)
    if not cleaned:
        raise ReviewInputError(staff_text("correction_empty"))
    if len(cleaned) > MAX_TEXT_LENGTH:
        raise ReviewInputError(staff_text("correction_too_long", maximum=MAX_TEXT_LENGTH))
    if cleaned.startswith("/"):
        raise ReviewInputError(staff_text("correction_button"))
    if intent not in intents or intent == FALLBACK_INTENT:
        raise ReviewInputError(staff_text("correction_unknown_intent", intent=repr(intent)))
    spans = _locate(cleaned, _as_fragments(text, entities), entity_names)
    key = example_key(cleaned)
    values = {
        "text": cleaned,
        "normalized_text": key,
        "intent": intent,
        "entities": [span.to_dict() for span in spans],
        "created_by": created_by,
        "created_at": utcnow(),
        "source_sender_id": source_sender_id,
        "source_event_id": source_event_id,
    }
    for _ in range(2):
        try:
            with engine.begin() as connection:
                existing = _find(connection, key, intent)
                if existing is not None:
                    connection.execute(
                        corrections.update()
                        .where(corrections.c.id == existing)
                        .values(entities=values["entities"], text=cleaned)
                    )
                    correction_id = existing
                else:
                    correction_id = connection.execute(
                        insert(corrections).values(**values)
                    ).inserted_primary_key[0]
                row = connection.execute(select(corrections).where(corrections.c.id == correction_id)).one()
                return _correction(row)
        except IntegrityError:
            continue  # the same correction was added concurrently: read it back
    raise ReviewInputError(staff_text("correction_retry"))


def _find(connection: Connection, key: str, intent: str) -> int | None:
    return connection.scalar(
        select(corrections.c.id).where(corrections.c.normalized_text == key, corrections.c.intent == intent)
    )


def list_corrections(engine: Engine, page: int | None = None, per_page: int = 50) -> Page[Correction]:
    """Corrections, newest first; every one when ``page`` is None."""
    statement = select(corrections).order_by(corrections.c.created_at.desc(), corrections.c.id.desc())
    with engine.connect() as connection:
        if page is None:
            rows = connection.execute(statement).all()
            found = Page(items=tuple(rows), page=1, per_page=max(len(rows), 1), total=len(rows))
        else:
            found = read_page(
                connection, statement, select(func.count()).select_from(corrections), page, per_page
            )
    return replace(found, items=tuple(_correction(row) for row in found.items))


def corrections_of(engine: Engine, sender_id: str) -> tuple[Correction, ...]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(corrections).where(corrections.c.source_sender_id == sender_id).order_by(corrections.c.id)
        ).all()
    return tuple(_correction(row) for row in rows)


def delete_correction(engine: Engine, correction_id: int) -> bool:
    with engine.begin() as connection:
        return bool(connection.execute(delete(corrections).where(corrections.c.id == correction_id)).rowcount)
