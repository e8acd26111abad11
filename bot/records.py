"""What the engine reads of a diagnostic, and what it asks of the store that keeps it.

The core (``bot.dialogue``) depends on :class:`DiagnosticStorage`, not on ``bot.storage``: the
SQLAlchemy store (``bot.storage.DiagnosticStore``) is one implementation, handed to the engine.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from bot.answers import Answer, AnswerStatus

if TYPE_CHECKING:
    from bot.authorities.index import Authority

COMMUNE_TYPE = "commune"
# Statuses of a diagnostic; the first two are open (it can still be answered).
OPEN_STATUSES = ("en_cours", "en_pause")
DIAGNOSTIC_STATUSES = (*OPEN_STATUSES, "termine", "abandonne")
# The source of an answer carried over from the diagnostic a repeat repeats: a profile answer,
# or a "toujours vrai" (the earlier value, confirmed).
REPEAT_SOURCE = "diagnostic-precedent"

_Record = TypeVar("_Record")


def from_attributes(cls: type[_Record], source: Any, **given: Any) -> _Record:
    """A dataclass ``cls`` whose fields are read from the attributes of the same names on
    ``source`` (a database row, another record), but for those ``given``."""
    names = [field.name for field in fields(cls)]  # type: ignore[arg-type]
    return cls(**{name: getattr(source, name) for name in names if name not in given}, **given)


@dataclass(frozen=True)
class OfficialAuthority:
    """The authority of a diagnostic as the official administrative division knows it.

    ``code`` is the INSEE code of a commune or the SIREN of an EPCI; ``kind`` is
    "commune" or the EPCI's type (CC, CA, CU, METRO, MET69); ``epci_*`` describe a
    commune's intercommunality; ``division_version`` is the version of the division.
    """

    code: str
    kind: str
    name: str | None
    population: int | None
    departement_code: str | None
    departement_name: str | None
    region_code: str | None
    region_name: str | None
    epci_siren: str | None
    epci_name: str | None
    epci_kind: str | None
    division_version: str | None

    @property
    def is_commune(self) -> bool:
        return self.kind == COMMUNE_TYPE

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "kind": self.kind,
            "name": self.name,
            "population": self.population,
            "departement": {"code": self.departement_code, "name": self.departement_name}
            if self.departement_code
            else None,
            "region": {"code": self.region_code, "name": self.region_name} if self.region_code else None,
            "epci": {"siren": self.epci_siren, "name": self.epci_name, "kind": self.epci_kind}
            if self.epci_siren
            else None,
            "division_version": self.division_version,
        }


@dataclass(frozen=True)
class DiagnosticRecord:
    id: int
    public_id: str
    sender_id: str
    status: str
    current_question_id: str | None
    revising_question_id: str | None
    failed_attempts: int
    authority_type: str | None
    authority_name: str | None
    population: int | None
    agents: int | None
    respondent_role: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    official: OfficialAuthority | None = None
    group_id: int | None = None  # a diagnostic with several voices (bot/storage/groups.py)
    group_role: str | None = None
    previous_diagnostic_id: int | None = None  # the diagnostic this one repeats


class DiagnosticStorage(Protocol):
    """The store the engine reads and writes (``bot.storage.DiagnosticStore`` implements it)."""

    def turn(self) -> AbstractContextManager[None]:
        """Everything written inside is one transaction."""

    def latest_for_sender(self, sender_id: str) -> DiagnosticRecord | None: ...

    def create(self, sender_id: str) -> DiagnosticRecord: ...

    def update_state(self, diagnostic_id: int, **fields: Any) -> DiagnosticRecord: ...

    def save_answer(
        self,
        diagnostic_id: int,
        question_id: str,
        value: Any,
        status: AnswerStatus,
        raw_text: str | None,
        *,
        source: str | None = None,
    ) -> Answer: ...

    def record_authority(
        self, diagnostic_id: int, authority: Authority | None, version: str | None
    ) -> DiagnosticRecord: ...

    def answers(self, diagnostic_id: int) -> dict[str, Answer]: ...

    def save_result(self, diagnostic_id: int, maturity: dict, recommendation: dict) -> None: ...

    def result(self, diagnostic_id: int) -> dict | None: ...
