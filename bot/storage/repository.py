"""The diagnostic store: one short session (and transaction) per call, plain values out.

A turn of the conversation groups its calls with :meth:`DiagnosticStore.turn`: everything the
turn writes (answer, next question, result) is then one transaction, stored whole or not at all.

Nothing here knows about Rasa: the actions keep the diagnostic id in a slot and
call this store; the report page reads a diagnostic through its ``public_id``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import fields as record_fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload, sessionmaker
from sqlalchemy.sql import Update

from bot.answers import Answer, AnswerStatus
from bot.progress import compute_progress
from bot.records import (
    COMMUNE_TYPE,
    OPEN_STATUSES,
    REPEAT_SOURCE,
    DiagnosticRecord,
    OfficialAuthority,
    from_attributes,
)
from bot.storage.engine import make_engine
from bot.storage.migrate import migrate
from bot.storage.models import (
    ANSWER_STATUSES,
    DIAGNOSTIC_STATUSES,
    DIVISION_PLACE_COLUMNS,
    MAX_SENDER_ID_LENGTH,
    AnswerRevisionRow,
    AnswerRow,
    Diagnostic,
    ResultRow,
    as_utc,
    is_sender_id,
    iso_utc,
    utcnow,
)

if TYPE_CHECKING:  # the store never needs the index itself, only its values
    from bot.authorities.index import Authority

# Profile question id -> diagnostics column.
PROFILE_COLUMNS = {
    "type_collectivite": "authority_type",
    "nom_collectivite": "authority_name",
    "population": "population",
    "nombre_agents": "agents",
    "role_repondant": "respondent_role",
}
_INTEGER_PROFILE_COLUMNS = {"population", "agents"}
# Profile columns that come from the official division while the diagnostic has an
# official authority: an answer to their question does not overwrite them.
OFFICIAL_PROFILE_COLUMNS = ("authority_type", "authority_name", "population")
# Official authority columns, cleared together (see DiagnosticStore.record_authority).
OFFICIAL_COLUMNS = (
    "authority_code",
    "authority_kind",
    *DIVISION_PLACE_COLUMNS,
    "epci_kind",
    "division_version",
)
EPCI_TYPE = "intercommunalite"
# The stored columns of an answer, as bot.answers.Answer holds them.
ANSWER_COLUMNS = tuple(getattr(AnswerRow, field.name) for field in record_fields(Answer))
MAX_SOURCE_LENGTH = 40
MAX_DIVISION_VERSION_LENGTH = 20
_BIGINT_MAX = 2**63 - 1
STATE_FIELDS = frozenset(
    {"status", "current_question_id", "revising_question_id", "failed_attempts", "completed_at"}
)
MAX_QUESTION_ID_LENGTH = 100


def unlink_repeats(sender_ids: list[str]) -> Update:
    """Before erasing these senders' diagnostics: their repeats forget them (NULL link)."""
    erased = select(Diagnostic.id).where(Diagnostic.sender_id.in_(sender_ids))
    return (
        update(Diagnostic)
        .where(Diagnostic.previous_diagnostic_id.in_(erased))
        .values(previous_diagnostic_id=None)
        .execution_options(synchronize_session=False)
    )


class DiagnosticNotFoundError(LookupError):
    """No diagnostic has this id."""


def official_of(row: Diagnostic) -> OfficialAuthority | None:
    if row.authority_code is None or row.authority_kind is None:
        return None
    return from_attributes(
        OfficialAuthority, row, code=row.authority_code, kind=row.authority_kind, name=row.authority_name
    )


def _answer_values(answer: AnswerRow, **changed: Any) -> dict[str, Any]:
    """What an answer and its revisions both store: the value and how it was given."""
    return {
        "value": answer.value,
        "status": answer.status,
        "raw_text": answer.raw_text,
        "source": answer.source,
        "answered_at": answer.answered_at,
        **changed,
    }


def record_of(row: Diagnostic) -> DiagnosticRecord:
    return from_attributes(
        DiagnosticRecord,
        row,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        completed_at=as_utc(row.completed_at),
        official=official_of(row),
    )


@dataclass(frozen=True)
class Revision:
    """A previous value of an answer (``replaced_at``: when it was overwritten)."""

    value: Any
    status: AnswerStatus
    raw_text: str | None
    answered_at: datetime
    replaced_at: datetime
    source: str | None = None


def _check_question_id(value: Any, what: str = "question_id") -> None:
    if not isinstance(value, str) or not value or len(value) > MAX_QUESTION_ID_LENGTH:
        raise ValueError(f"{what} invalide (1 à {MAX_QUESTION_ID_LENGTH} caractères) : {value!r}")


def _clean_text(value: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL characters; drop them on every backend alike.
    return None if value is None else value.replace("\x00", "")


def _check_optional_text(value: Any, what: str, max_length: int) -> None:
    if value is not None and (not isinstance(value, str) or not value or len(value) > max_length):
        raise ValueError(f"{what} invalide (1 à {max_length} caractères ou None) : {value!r}")


def _check_json(value: Any, what: str) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} n'est pas sérialisable en JSON : {exc}") from exc


def _profile_value(column: str, value: Any, status: str) -> Any:
    """The profile column value of an answer: None unless answered with a usable value."""
    if status != "answered" or value is None:
        return None
    if column in _INTEGER_PROFILE_COLUMNS:
        if isinstance(value, bool):
            return None
        if isinstance(value, str):
            try:
                value = float(value.strip().replace(" ", "").replace("\u202f", "").replace(",", "."))
            except ValueError:
                return None
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                return None
            value = round(value)
        if isinstance(value, int) and abs(value) <= _BIGINT_MAX:
            return value
        return None
    if isinstance(value, str):
        return _clean_text(value)
    return None


def _kept(session: Session, row: Diagnostic) -> Diagnostic:
    """``row``, held by ``session`` until it closes. The session's identity map holds unchanged
    rows weakly: without this, the diagnostic a turn reads first (``latest_for_sender``) is
    forgotten as soon as its record is made, and every later call of the same turn that needs the
    row (saving the answer, moving to the next question) reads it from the database again."""
    session.info.setdefault("kept_diagnostics", {})[row.id] = row
    return row


class DiagnosticStore:
    """Diagnostics of every conversation, their answers (with history) and results."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        """``clock`` dates what the store writes (creation, updates, answers, results)."""
        self.engine = engine
        self._clock = clock
        self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)
        # The session of the turn in progress (see turn()), per thread and per task.
        self._turn: ContextVar[Session | None] = ContextVar(f"diagnostic_turn_{id(self)}", default=None)

    @classmethod
    def from_url(cls, url: str | None = None, clock: Callable[[], datetime] = utcnow) -> DiagnosticStore:
        """A store on ``url`` (default: :func:`bot.storage.engine.database_url`), migrated to head."""
        engine = make_engine(url)
        migrate(engine)
        return cls(engine, clock)

    @contextmanager
    def turn(self) -> Iterator[None]:
        """One transaction for every call made inside the block: all of it is stored, or nothing.

        A turn of the conversation reads the state, stores the answer and moves to the next
        question: if the database fails anywhere in between (locked, read-only, full,
        unreachable), the error propagates and nothing of the turn is kept, so the person
        can simply say it again. Turns nest: an inner one is part of the outer one.
        """
        if self._turn.get() is not None:
            yield
            return
        with self._sessions() as session, session.begin():
            token = self._turn.set(session)
            try:
                yield
            finally:
                self._turn.reset(token)

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        session = self._turn.get()
        if session is not None:  # part of the turn in progress, committed at its end
            yield session
            return
        with self._sessions() as session, session.begin():
            yield session

    @staticmethod
    def _diagnostic(session: Session, diagnostic_id: int) -> Diagnostic:
        row = session.get(Diagnostic, diagnostic_id)
        if row is None:
            raise DiagnosticNotFoundError(diagnostic_id)
        return _kept(session, row)

    # --- diagnostics ------------------------------------------------------------

    def latest_for_sender(self, sender_id: str) -> DiagnosticRecord | None:
        """The sender's most recent diagnostic that was not abandoned."""
        with self._transaction() as session:
            row = session.scalars(
                select(Diagnostic)
                .where(Diagnostic.sender_id == sender_id, Diagnostic.status != "abandonne")
                .order_by(Diagnostic.created_at.desc(), Diagnostic.id.desc())
                .limit(1)
            ).first()
            return None if row is None else record_of(_kept(session, row))

    def create(self, sender_id: str) -> DiagnosticRecord:
        """Start a diagnostic; the sender's unfinished ones are marked abandoned (data kept)."""
        if not is_sender_id(sender_id):
            raise ValueError(f"sender_id invalide (1 à {MAX_SENDER_ID_LENGTH} caractères)")
        now = self._clock()
        with self._transaction() as session:
            session.execute(
                update(Diagnostic)
                .where(Diagnostic.sender_id == sender_id, Diagnostic.status.in_(OPEN_STATUSES))
                .values(status="abandonne", updated_at=now)
                .execution_options(synchronize_session=False)
            )
            session.expire_all()  # in a turn, diagnostics read earlier must show the new status
            row = Diagnostic(
                sender_id=sender_id, status="en_cours", failed_attempts=0, created_at=now, updated_at=now
            )
            session.add(row)
            session.flush()
            return record_of(row)

    def create_repeat(
        self, sender_id: str, previous_id: int, carried: tuple[str, ...], current_question_id: str
    ) -> DiagnosticRecord:
        """Start a diagnostic that repeats ``previous_id`` ("refaire le diagnostic").

        The profile and the official authority are carried over: the answers to the ``carried``
        questions are copied (their source kept, or ``REPEAT_SOURCE`` when the person had said
        them), so they are not asked again. The conversation starts at ``current_question_id``.
        """
        _check_question_id(current_question_id, "current_question_id")
        record = self.create(sender_id)
        now = self._clock()
        with self._transaction() as session:
            previous = self._diagnostic(session, previous_id)
            row = self._diagnostic(session, record.id)
            row.previous_diagnostic_id = previous.id
            row.current_question_id = current_question_id
            for column in (*OFFICIAL_COLUMNS, *PROFILE_COLUMNS.values()):
                setattr(row, column, getattr(previous, column))
            for answer in previous.answers:
                if answer.question_id in carried:
                    copied = _answer_values(answer, source=answer.source or REPEAT_SOURCE, answered_at=now)
                    session.add(AnswerRow(diagnostic_id=row.id, question_id=answer.question_id, **copied))
            session.flush()
            return record_of(row)

    def get(self, diagnostic_id: int) -> DiagnosticRecord:
        """The diagnostic; raises :class:`DiagnosticNotFoundError` when there is none."""
        with self._transaction() as session:
            return record_of(self._diagnostic(session, diagnostic_id))

    def by_public_id(self, public_id: str) -> DiagnosticRecord | None:
        with self._transaction() as session:
            row = session.scalars(select(Diagnostic).where(Diagnostic.public_id == public_id)).first()
            return None if row is None else record_of(row)

    def update_state(self, diagnostic_id: int, **fields: Any) -> DiagnosticRecord:
        """Change the conversation state (status, current/revising question, attempts, completion)."""
        unknown = sorted(set(fields) - STATE_FIELDS)
        if unknown:
            raise ValueError(f"champs non modifiables : {', '.join(unknown)}")
        if "status" in fields and fields["status"] not in DIAGNOSTIC_STATUSES:
            raise ValueError(f"statut de diagnostic inconnu : {fields['status']!r}")
        if "failed_attempts" in fields:
            attempts = fields["failed_attempts"]
            if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 0:
                raise ValueError(f"failed_attempts doit être un entier positif : {attempts!r}")
        if "completed_at" in fields:
            completed_at = fields["completed_at"]
            if completed_at is not None and not isinstance(completed_at, datetime):
                raise ValueError(f"completed_at doit être une date : {completed_at!r}")
            fields["completed_at"] = as_utc(completed_at)
        for name in ("current_question_id", "revising_question_id"):
            if fields.get(name) is not None:
                _check_question_id(fields[name], name)
        with self._transaction() as session:
            row = self._diagnostic(session, diagnostic_id)
            for name, value in fields.items():
                setattr(row, name, value)
            row.updated_at = self._clock()
            session.flush()
            return record_of(row)

    def set_peer_flags(
        self, diagnostic_id: int, *, synthetic: bool | None = None, excluded_from_peers: bool | None = None
    ) -> None:
        """Flag a diagnostic for the comparison with peers (bot/storage/peers.py; None: unchanged).

        ``synthetic``: made up by ``python -m bot demo-data``; ``excluded_from_peers``: left out
        of the comparison by staff. Raises :class:`DiagnosticNotFoundError` when there is none.
        """
        with self._transaction() as session:
            row = self._diagnostic(session, diagnostic_id)
            if synthetic is not None:
                row.synthetic = bool(synthetic)
            if excluded_from_peers is not None:
                row.excluded_from_peers = bool(excluded_from_peers)

    # --- answers ----------------------------------------------------------------

    def save_answer(
        self,
        diagnostic_id: int,
        question_id: str,
        value: Any,
        status: AnswerStatus,
        raw_text: str | None,
        *,
        source: str | None = None,
    ) -> Answer:
        """Store the answer; a previous answer to the question is kept as a revision.

        ``source`` is None when the respondent said it, or names where the assistant took
        it from ("decoupage-administratif 6.0.0"). While the diagnostic has an official
        authority (:meth:`record_authority`), the type, name and population columns keep the
        official values: the answer is stored, the official facts are not overwritten.
        """
        _check_question_id(question_id)
        _check_optional_text(source, "source", MAX_SOURCE_LENGTH)
        if status not in ANSWER_STATUSES:
            raise ValueError(f"statut de réponse inconnu : {status!r}")
        if raw_text is not None and not isinstance(raw_text, str):
            raise ValueError("raw_text doit être une chaîne ou None")
        _check_json(value, "la valeur de la réponse")
        raw_text = _clean_text(raw_text)
        now = self._clock()
        with self._transaction() as session:
            diagnostic = self._diagnostic(session, diagnostic_id)
            row = session.scalars(
                select(AnswerRow)
                .where(AnswerRow.diagnostic_id == diagnostic_id, AnswerRow.question_id == question_id)
                .with_for_update()
            ).first()
            if row is None:
                row = AnswerRow(diagnostic_id=diagnostic_id, question_id=question_id)
                session.add(row)
            else:
                session.add(AnswerRevisionRow(answer_id=row.id, replaced_at=now, **_answer_values(row)))
            row.value = value
            row.status = status
            row.raw_text = raw_text
            row.source = source
            row.answered_at = now
            column = PROFILE_COLUMNS.get(question_id)
            if column is not None and not (
                diagnostic.authority_code is not None and column in OFFICIAL_PROFILE_COLUMNS
            ):
                setattr(diagnostic, column, _profile_value(column, value, status))
            diagnostic.updated_at = now
        return Answer(question_id=question_id, value=value, status=status, raw_text=raw_text, source=source)

    def record_authority(
        self, diagnostic_id: int, authority: Authority | None, version: str | None
    ) -> DiagnosticRecord:
        """Record the authority the person confirmed in the official division (``version``).

        Fills the official columns, the official name, the type ("commune" or
        "intercommunalite") and the population municipale. ``None`` (the person said it was
        not them after all) clears the official columns and copies the type, name and
        population back from the person's own answers.
        """
        _check_optional_text(version, "version", MAX_DIVISION_VERSION_LENGTH)
        with self._transaction() as session:
            row = self._diagnostic(session, diagnostic_id)
            if authority is None:
                for name in OFFICIAL_COLUMNS:
                    setattr(row, name, None)
                answers = {
                    answer.question_id: answer
                    for answer in session.scalars(
                        select(AnswerRow).where(AnswerRow.diagnostic_id == diagnostic_id)
                    )
                }
                for question_id, column in PROFILE_COLUMNS.items():
                    if column in OFFICIAL_PROFILE_COLUMNS:
                        answer = answers.get(question_id)
                        setattr(
                            row,
                            column,
                            None if answer is None else _profile_value(column, answer.value, answer.status),
                        )
            else:
                is_commune = authority.is_commune
                values = {
                    "authority_code": authority.code,
                    "authority_kind": authority.kind,
                    "departement_code": authority.departement_code,
                    "departement_name": authority.departement_name,
                    "region_code": authority.region_code,
                    "region_name": authority.region_name,
                    "epci_siren": authority.epci_siren if is_commune else None,
                    "epci_name": authority.epci_name if is_commune else None,
                    "epci_kind": authority.epci_kind if is_commune else None,
                    "division_version": version,
                    "authority_name": _clean_text(authority.name),
                    "authority_type": COMMUNE_TYPE if is_commune else EPCI_TYPE,
                    "population": authority.population,
                }
                for name, value in values.items():
                    setattr(row, name, value)
            row.updated_at = self._clock()
            session.flush()
            return record_of(row)

    def answers(self, diagnostic_id: int) -> dict[str, Answer]:
        """Current answers by question id, in the order they were first given."""
        with self._transaction() as session:
            # The columns, not ORM objects: read at every turn, and building 30 mapped objects
            # (identity map, instance state) cost more than the query.
            rows = session.execute(
                select(*ANSWER_COLUMNS).where(AnswerRow.diagnostic_id == diagnostic_id).order_by(AnswerRow.id)
            ).all()
            return {row.question_id: from_attributes(Answer, row) for row in rows}

    def revisions(self, diagnostic_id: int, question_id: str) -> list[Revision]:
        """Previous values of an answer, oldest first (empty if it was never corrected)."""
        with self._transaction() as session:
            rows = session.scalars(
                select(AnswerRevisionRow)
                .join(AnswerRow, AnswerRevisionRow.answer_id == AnswerRow.id)
                .where(AnswerRow.diagnostic_id == diagnostic_id, AnswerRow.question_id == question_id)
                .order_by(AnswerRevisionRow.id)
            ).all()
            return [self._revision(row) for row in rows]

    @staticmethod
    def _revision(row: AnswerRevisionRow) -> Revision:
        return from_attributes(
            Revision, row, answered_at=as_utc(row.answered_at), replaced_at=as_utc(row.replaced_at)
        )

    # --- results ----------------------------------------------------------------

    def save_result(self, diagnostic_id: int, maturity: dict, recommendation: dict) -> None:
        """Store (or replace) the computed maturity and recommendation of a diagnostic."""
        if not isinstance(maturity, dict) or not isinstance(recommendation, dict):
            raise ValueError("maturity et recommendation doivent être des dictionnaires")
        _check_json(maturity, "maturity")
        _check_json(recommendation, "recommendation")
        overall = maturity.get("overall") or {}
        score = overall.get("score")
        level = overall.get("level")
        codes = recommendation.get("codes") or []
        values = {
            "overall_score": None if score is None else float(score),
            "level": None if level is None else int(level),
            "recommended_action": str(codes[0]) if codes else None,
            "maturity": maturity,
            "recommendation": recommendation,
            "computed_at": self._clock(),
        }
        with self._transaction() as session:
            self._diagnostic(session, diagnostic_id)
            row = session.scalars(
                select(ResultRow).where(ResultRow.diagnostic_id == diagnostic_id).with_for_update()
            ).first()
            if row is None:
                row = ResultRow(diagnostic_id=diagnostic_id)
                session.add(row)
            for name, value in values.items():
                setattr(row, name, value)

    def result(self, diagnostic_id: int) -> dict | None:
        """``{"maturity", "recommendation", "computed_at"}`` or None if nothing was computed."""
        with self._transaction() as session:
            row = session.scalars(select(ResultRow).where(ResultRow.diagnostic_id == diagnostic_id)).first()
            if row is None:
                return None
            return {
                "maturity": row.maturity,
                "recommendation": row.recommendation,
                "computed_at": iso_utc(row.computed_at),
            }

    # --- export and erasure -----------------------------------------------------

    def export(self, sender_id: str) -> dict | None:
        """Everything stored about the sender's latest diagnostic, as JSON-ready data.

        The latest diagnostic that is not abandoned, or else the latest abandoned one.
        """
        with self._transaction() as session:
            row = session.scalars(
                select(Diagnostic)
                .where(Diagnostic.sender_id == sender_id)
                .order_by(
                    case((Diagnostic.status == "abandonne", 1), else_=0),
                    Diagnostic.created_at.desc(),
                    Diagnostic.id.desc(),
                )
                .limit(1)
                .options(
                    selectinload(Diagnostic.answers).selectinload(AnswerRow.revisions),
                    selectinload(Diagnostic.result),
                )
            ).first()
            if row is None:
                return None
            record = record_of(row)
            result = row.result
            previous = (
                None
                if row.previous_diagnostic_id is None
                else session.get(Diagnostic, row.previous_diagnostic_id)
            )
            return {
                "sender_id": record.sender_id,
                "diagnostic_id": record.public_id,
                "status": record.status,
                "created_at": iso_utc(record.created_at),
                "updated_at": iso_utc(record.updated_at),
                "completed_at": iso_utc(record.completed_at),
                "current_question_id": record.current_question_id,
                "profile": {
                    question_id: getattr(record, column) for question_id, column in PROFILE_COLUMNS.items()
                },
                "official": None if record.official is None else record.official.as_dict(),
                "answers": {
                    answer.question_id: {
                        "value": answer.value,
                        "status": answer.status,
                        "raw_text": answer.raw_text,
                        "source": answer.source,
                        "answered_at": iso_utc(answer.answered_at),
                        "revisions": [
                            {
                                "value": revision.value,
                                "status": revision.status,
                                "raw_text": revision.raw_text,
                                "source": revision.source,
                                "answered_at": iso_utc(revision.answered_at),
                                "replaced_at": iso_utc(revision.replaced_at),
                            }
                            for revision in answer.revisions
                        ],
                    }
                    for answer in row.answers
                },
                "maturity": None if result is None else result.maturity,
                "recommendations": [] if result is None else list(result.recommendation.get("codes") or []),
                "recommendation": None if result is None else result.recommendation,
                "previous_diagnostic_id": None if previous is None else previous.public_id,
                "progress": self._progress(previous, row),
            }

    @staticmethod
    def _progress(previous: Diagnostic | None, row: Diagnostic) -> dict | None:
        """Progress since the repeated diagnostic (bot/progress.py), once both have a result."""
        if previous is None or previous.result is None or row.result is None:
            return None

        def stored(diagnostic: Diagnostic) -> tuple[dict, dict[str, Answer]]:
            stored_result = diagnostic.result
            result = {"maturity": stored_result.maturity, "recommendation": stored_result.recommendation}
            answers = {
                answer.question_id: Answer(answer.question_id, answer.value, answer.status, answer.raw_text)
                for answer in diagnostic.answers
            }
            return result, answers

        then_result, then_answers = stored(previous)
        now_result, now_answers = stored(row)
        return compute_progress(then_result, now_result, then_answers, now_answers).to_dict()

    def previous_answers(self, diagnostic_id: int) -> dict[str, Answer]:
        """The answers of the diagnostic this one repeats (empty for a first diagnostic)."""
        record = self.get(diagnostic_id)
        return {} if record.previous_diagnostic_id is None else self.answers(record.previous_diagnostic_id)

    def delete_sender(self, sender_id: str) -> int:
        """Erase the sender's diagnostics with their answers, revisions and results."""
        with self._transaction() as session:
            count = session.scalar(
                select(func.count()).select_from(Diagnostic).where(Diagnostic.sender_id == sender_id)
            )
            if count:
                session.execute(unlink_repeats([sender_id]))
                session.execute(
                    delete(Diagnostic)
                    .where(Diagnostic.sender_id == sender_id)
                    .execution_options(synchronize_session=False)
                )
            return int(count or 0)
