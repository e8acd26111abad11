"""Exports for staff: diagnostics as CSV or JSON (one row per diagnostic, one column per
question), transcripts as JSON. Everything is streamed (iterators of text chunks), so a
download of 10,000 diagnostics never sits whole in memory.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) are prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Text, cast, select
from sqlalchemy.engine import Engine

from bot.population_bands import band_of
from bot.review.labels import Labels
from bot.review.tracker import CHUNK, TrackerEvents
from bot.review.transcript import build_turns
from bot.staff_text import staff_text
from bot.storage.models import DIVISION_PLACE_COLUMNS, AnswerRow, Diagnostic, ResultRow, iso_utc

diagnostics = Diagnostic.__table__
answers = AnswerRow.__table__
results = ResultRow.__table__

UNKNOWN = staff_text("export_unknown")
SKIPPED = staff_text("export_skipped")
LIST_SEPARATOR = " | "
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
META_COLUMNS = (
    "id",
    "sender_id",
    "status",
    "created_at",
    "updated_at",
    "completed_at",
    "current_question_id",
    # The authority recognised in the official division (issue 13), empty otherwise.
    "authority_code",
    "authority_kind",
    "authority_name",
    *DIVISION_PLACE_COLUMNS,
    "division_version",
    "population_band",
    # The questions whose answer was taken from the official division, not said.
    "official_answers",
    "score",
    "level",
    "level_name",
    "recommended_action",
    # Comparison with peers (issue 14): made up by demo-data; left out of the comparison by staff.
    "synthetic",
    "excluded_from_peers",
)

# The columns of META_COLUMNS exported as the database stores them.
STORED_COLUMNS = (
    "id",
    "sender_id",
    "status",
    "current_question_id",
    "authority_code",
    "authority_kind",
    "authority_name",
    *DIVISION_PLACE_COLUMNS,
    "division_version",
    "level",
    "recommended_action",
)


def diagnostic_columns(labels: Labels) -> tuple[str, ...]:
    """Header of the export: the diagnostic's fields, then every question id in order."""
    return (*META_COLUMNS, *labels.question_order)


def _answer_value(value: Any, status: str) -> Any:
    if status == "unknown":
        return UNKNOWN
    if status == "skipped":
        return SKIPPED
    return value


def diagnostic_records(engine: Engine, labels: Labels, batch: int = CHUNK) -> Iterator[dict[str, Any]]:
    """One dict per diagnostic (oldest first), keys = :func:`diagnostic_columns`.

    Answer values are the stored ones (codes, numbers, lists); an unknown answer is
    ``(ne sait pas)``, a skipped one ``(passée)``, a question not reached ``None``.
    """
    columns = diagnostic_columns(labels)
    questions = frozenset(labels.question_order) - frozenset(META_COLUMNS)
    last_id = 0
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    diagnostics,
                    results.c.overall_score,
                    results.c.level,
                    results.c.recommended_action,
                )
                .select_from(diagnostics.outerjoin(results, results.c.diagnostic_id == diagnostics.c.id))
                .where(diagnostics.c.id > last_id)
                .order_by(diagnostics.c.id)
                .limit(batch)
            ).all()
            if not rows:
                return
            ids = [row.id for row in rows]
            # The JSON text is decoded here: 200,000 answers go faster without the JSON
            # type's per-row processing.
            answer_rows = connection.execute(
                select(
                    answers.c.diagnostic_id,
                    answers.c.question_id,
                    cast(answers.c.value, Text),
                    answers.c.status,
                    answers.c.source,
                )
                .where(answers.c.diagnostic_id.in_(ids))
                .order_by(answers.c.id)
            ).all()
        by_diagnostic: dict[int, dict[str, Any]] = {}
        sourced: dict[int, list[str]] = {}
        for diagnostic_id, question_id, raw_value, status, source in answer_rows:
            if question_id in questions:
                value = None if raw_value is None else json.loads(raw_value)
                by_diagnostic.setdefault(diagnostic_id, {})[question_id] = _answer_value(value, status)
                if source is not None:
                    sourced.setdefault(diagnostic_id, []).append(question_id)
        for row in rows:
            record = dict.fromkeys(columns)
            record.update({column: getattr(row, column) for column in STORED_COLUMNS})
            record.update(
                created_at=iso_utc(row.created_at),
                updated_at=iso_utc(row.updated_at),
                completed_at=iso_utc(row.completed_at),
                population_band=None if (band := band_of(row.population)) is None else band.code,
                official_answers=sourced.get(row.id, []),
                score=row.overall_score,
                level_name=labels.level(row.level),
                synthetic=bool(row.synthetic),
                excluded_from_peers=bool(row.excluded_from_peers),
            )
            record.update(by_diagnostic.get(row.id, {}))
            yield record
        last_id = ids[-1]


def csv_cell(value: Any) -> str | int | float:
    """A cell value, safe to open in a spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return staff_text("export_yes" if value else "export_no")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple)):
        value = LIST_SEPARATOR.join(str(item) for item in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def to_csv(records: Iterable[dict[str, Any]], columns: Sequence[str]) -> Iterator[str]:
    """CSV (comma-separated, UTF-8, header first), one chunk per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        chunk = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return chunk

    writer.writerow([csv_cell(column) for column in columns])
    yield flush()
    for record in records:
        writer.writerow([csv_cell(record.get(column)) for column in columns])
        yield flush()


def to_json_array(items: Iterable[Any]) -> Iterator[str]:
    """A JSON array, one chunk per item."""
    yield "["
    first = True
    for item in items:
        yield ("\n" if first else ",\n") + json.dumps(item, ensure_ascii=False, default=str)
        first = False
    yield "\n]\n"


def transcripts(
    tracker: TrackerEvents, sender_ids: Iterable[str], threshold: float
) -> Iterator[dict[str, Any]]:
    """``{"sender_id", "turns": [...]}`` per conversation with events, in the given order."""
    ordered = list(dict.fromkeys(sender_ids))
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        by_sender: dict[str, list] = {}
        for event in tracker.events_of_many(chunk):
            by_sender.setdefault(event.sender_id, []).append(event)
        for sender_id in chunk:
            if sender_id in by_sender:
                turns = build_turns(by_sender[sender_id], threshold)
                yield {"sender_id": sender_id, "turns": [turn.to_dict() for turn in turns]}
