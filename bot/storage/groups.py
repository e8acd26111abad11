"""Groups of diagnostics (issue 14): several colleagues of one authority, each for a service.

The group store works inside the diagnostic store's transactions: a call made during a turn
(:meth:`DiagnosticStore.turn`) is part of that turn. Dates come from the diagnostic store's
clock, never from the wall clock here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.answers import Answer
from bot.records import from_attributes
from bot.storage.models import Diagnostic, GroupRow, as_utc
from bot.storage.repository import (
    OFFICIAL_COLUMNS,
    PROFILE_COLUMNS,
    DiagnosticNotFoundError,
    DiagnosticRecord,
    DiagnosticStore,
    OfficialAuthority,
    official_of,
    record_of,
)

# The answers a member does not give: taken from the group's profile, with this source.
GROUP_SOURCE = "groupe"
SHARED_PROFILE = ("authority_type", "authority_name", "population", "agents")
MAX_ROLE_LENGTH = 40


class GroupNotFoundError(LookupError):
    """No group has this id."""


class GroupClosedError(Exception):
    """The coordinator closed the group: nobody joins it any more."""


@dataclass(frozen=True)
class GroupRecord:
    id: int
    invitation_token: str
    report_token: str
    coordinator_id: int | None
    authority_type: str | None
    authority_name: str | None
    population: int | None
    agents: int | None
    official: OfficialAuthority | None
    created_at: datetime
    closed_at: datetime | None

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @classmethod
    def of(cls, row: GroupRow) -> GroupRecord:
        return from_attributes(
            cls,
            row,
            official=official_of(row),  # type: ignore[arg-type]  # the same columns as a diagnostic
            created_at=as_utc(row.created_at),
            closed_at=as_utc(row.closed_at),
        )


@dataclass(frozen=True)
class GroupMember:
    """A member's diagnostic, its answers and its stored result (None until it is finished)."""

    diagnostic: DiagnosticRecord
    answers: dict[str, Answer]
    result: dict[str, Any] | None
    is_coordinator: bool


class GroupStore:
    """Create, join, read and close groups, on a :class:`DiagnosticStore`."""

    def __init__(self, store: DiagnosticStore) -> None:
        self.store = store

    def _row(self, session: Any, group_id: int) -> GroupRow:
        row = session.get(GroupRow, group_id)
        if row is None:
            raise GroupNotFoundError(group_id)
        return row

    def create(self, founder_id: int, founder_role: str | None = None) -> GroupRecord:
        """The founder's group, created with the founder's profile if it has none yet.

        ``founder_role``: the founder's service, if known (else read from their usual role).
        """
        if founder_role is not None:
            _check_role(founder_role)
        with self.store._transaction() as session:
            founder = session.get(Diagnostic, founder_id)
            if founder is None:
                raise DiagnosticNotFoundError(founder_id)
            if founder.group_id is not None:
                return GroupRecord.of(self._row(session, founder.group_id))
            shared = {name: getattr(founder, name) for name in (*SHARED_PROFILE, *OFFICIAL_COLUMNS)}
            row = GroupRow(coordinator_id=founder.id, created_at=self.store._clock(), **shared)
            session.add(row)
            session.flush()
            founder.group_id = row.id
            founder.group_role = founder_role
            return GroupRecord.of(row)

    def get(self, group_id: int) -> GroupRecord:
        with self.store._transaction() as session:
            return GroupRecord.of(self._row(session, group_id))

    def by_invitation(self, token: str) -> GroupRecord | None:
        return self._by(GroupRow.invitation_token, token)

    def by_report_token(self, token: str) -> GroupRecord | None:
        return self._by(GroupRow.report_token, token)

    def _by(self, column: Any, token: str) -> GroupRecord | None:
        with self.store._transaction() as session:
            row = session.scalars(select(GroupRow).where(column == token)).first()
            return None if row is None else GroupRecord.of(row)

    def of_diagnostic(self, diagnostic_id: int) -> GroupRecord | None:
        """The group of a diagnostic, if it belongs to one."""
        with self.store._transaction() as session:
            diagnostic = session.get(Diagnostic, diagnostic_id)
            if diagnostic is None or diagnostic.group_id is None:
                return None
            return GroupRecord.of(self._row(session, diagnostic.group_id))

    def join(self, group_id: int, sender_id: str) -> DiagnosticRecord:
        """A new diagnostic of the group for this conversation, with the group's profile answered.

        Raises :class:`GroupClosedError` when the group is closed (nothing is created).
        """
        # One turn: the diagnostic store's own calls below share this transaction.
        with self.store.turn(), self.store._transaction() as session:
            group = self._row(session, group_id)
            if group.closed_at is not None:
                raise GroupClosedError(group_id)
            self._complete_profile(session, group)
            record = self.store.create(sender_id)
            row = session.get(Diagnostic, record.id)
            row.group_id = group.id
            for name in OFFICIAL_COLUMNS:
                setattr(row, name, getattr(group, name))
            for question_id, column in PROFILE_COLUMNS.items():
                value = getattr(group, column, None) if column in SHARED_PROFILE else None
                if value is not None:
                    self.store.save_answer(
                        record.id, question_id, value, "answered", None, source=GROUP_SOURCE
                    )
            session.flush()
            return record_of(row)

    @staticmethod
    def _complete_profile(session: Any, group: GroupRow) -> None:
        """What the founder has said since the group was created (the group was created before
        the profile was answered) completes the group's profile; nothing known is overwritten."""
        founder = session.get(Diagnostic, group.coordinator_id) if group.coordinator_id else None
        if founder is None:
            return
        for name in (*SHARED_PROFILE, *OFFICIAL_COLUMNS):
            if getattr(group, name) is None and getattr(founder, name) is not None:
                setattr(group, name, getattr(founder, name))

    def set_role(self, diagnostic_id: int, role: str) -> DiagnosticRecord:
        _check_role(role)
        with self.store._transaction() as session:
            row = session.get(Diagnostic, diagnostic_id)
            if row is None:
                raise DiagnosticNotFoundError(diagnostic_id)
            row.group_role = role
            row.updated_at = self.store._clock()
            session.flush()
            return record_of(row)

    def close(self, group_id: int) -> GroupRecord:
        """Close the group (its first closing date is kept)."""
        with self.store._transaction() as session:
            row = self._row(session, group_id)
            if row.closed_at is None:
                row.closed_at = self.store._clock()
                session.flush()
            return GroupRecord.of(row)

    def members(self, group_id: int) -> list[GroupMember]:
        """The group's diagnostics that were not abandoned, in the order they joined."""
        with self.store.turn(), self.store._transaction() as session:
            group = self._row(session, group_id)
            ids = session.scalars(
                select(Diagnostic.id)
                .where(Diagnostic.group_id == group_id, Diagnostic.status != "abandonne")
                .order_by(Diagnostic.created_at, Diagnostic.id)
            ).all()
            return [
                GroupMember(
                    diagnostic=self.store.get(diagnostic_id),
                    answers=self.store.answers(diagnostic_id),
                    result=self.store.result(diagnostic_id),
                    is_coordinator=diagnostic_id == group.coordinator_id,
                )
                for diagnostic_id in ids
            ]

    def all(self) -> list[tuple[GroupRecord, int]]:
        """Every group, newest first, with its number of members (not abandoned)."""
        with self.store._transaction() as session:
            counts = dict(
                session.execute(
                    select(Diagnostic.group_id, func.count())
                    .where(Diagnostic.group_id.is_not(None), Diagnostic.status != "abandonne")
                    .group_by(Diagnostic.group_id)
                ).all()
            )
            rows: Sequence[GroupRow] = session.scalars(
                select(GroupRow).order_by(GroupRow.created_at.desc(), GroupRow.id.desc())
            ).all()
            return [(GroupRecord.of(row), int(counts.get(row.id, 0))) for row in rows]


def _check_role(role: Any) -> None:
    if not isinstance(role, str) or not role or len(role) > MAX_ROLE_LENGTH:
        raise ValueError(f"rôle invalide (1 à {MAX_ROLE_LENGTH} caractères) : {role!r}")
