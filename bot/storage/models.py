"""Tables of the diagnostic store (SQLAlchemy 1.4 declarative models, 2.0 style).

The schema is created and evolved by the Alembic migrations in ``migrations/``;
``tests/bot/test_storage.py`` checks that the migrated schema equals this metadata.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

from bot.records import DIAGNOSTIC_STATUSES

ANSWER_STATUSES = ("answered", "unknown", "skipped")
# A conversation's id (Rasa's sender id), as the diagnostics and the review store it.
MAX_SENDER_ID_LENGTH = 255
# Where an official authority stands (columns of a diagnostic and of a group): its département,
# its région, and a commune's EPCI.
DIVISION_PLACE_COLUMNS = (
    "departement_code",
    "departement_name",
    "region_code",
    "region_name",
    "epci_siren",
    "epci_name",
)

# Explicit constraint names, so that migrations and reflection agree on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
Base = declarative_base(metadata=metadata)


def is_sender_id(value: object) -> bool:
    """A conversation id the stores accept: a string of 1 to MAX_SENDER_ID_LENGTH characters."""
    return isinstance(value, str) and 0 < len(value) <= MAX_SENDER_ID_LENGTH


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """A timezone-aware UTC datetime; naive values are taken to be UTC already."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def iso_utc(value: datetime | None) -> str | None:
    """ISO 8601 in UTC (naive values are taken to be UTC already), for exports; None stays None."""
    return None if value is None else as_utc(value).isoformat()


class UTCDateTime(TypeDecorator):
    """``TIMESTAMP WITH TIME ZONE`` that always reads and writes UTC-aware datetimes.

    SQLite has no time zones: it stores the UTC wall-clock time and returns naive
    datetimes, which are made aware again on read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | None:
        if value is not None and not isinstance(value, datetime):
            raise TypeError(f"datetime attendu, reçu {type(value).__name__}")
        return as_utc(value)

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        return as_utc(value)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


PEERS_INDEX = "ix_diagnostics_status_authority_type_population"


def new_public_id() -> str:
    return secrets.token_urlsafe(24)


class Diagnostic(Base):
    __tablename__ = "diagnostics"
    __table_args__ = (
        CheckConstraint(_in("status", DIAGNOSTIC_STATUSES), name="status"),
        # The comparison with peers looks for completed diagnostics of a type and a population band.
        Index(PEERS_INDEX, "status", "authority_type", "population"),
    )

    id = Column(Integer, primary_key=True)
    public_id = Column(String(64), nullable=False, unique=True, default=new_public_id)
    sender_id = Column(String(MAX_SENDER_ID_LENGTH), nullable=False, index=True)
    status = Column(String(20), nullable=False, default="en_cours")
    current_question_id = Column(String(100), nullable=True)
    revising_question_id = Column(String(100), nullable=True)
    failed_attempts = Column(Integer, nullable=False, default=0, server_default="0")
    # Profile, copied from the profile answers so that reports can be listed and filtered.
    authority_type = Column(String(100), nullable=True)
    authority_name = Column(Text, nullable=True)
    population = Column(BigInteger, nullable=True)
    agents = Column(BigInteger, nullable=True)
    respondent_role = Column(String(100), nullable=True)
    # The authority recognised in the official administrative division (issue 13), if any.
    authority_code = Column(String(9), nullable=True)  # INSEE code of a commune, SIREN of an EPCI
    authority_kind = Column(String(8), nullable=True)  # "commune", "CC", "CA", "CU", "METRO", "MET69"
    departement_code = Column(String(3), nullable=True, index=True)
    departement_name = Column(Text, nullable=True)
    region_code = Column(String(3), nullable=True, index=True)
    region_name = Column(Text, nullable=True)
    epci_siren = Column(String(9), nullable=True)  # a commune's EPCI
    epci_name = Column(Text, nullable=True)
    epci_kind = Column(String(8), nullable=True)
    division_version = Column(String(20), nullable=True)
    # A diagnostic with several voices (issue 14): the group it belongs to and the service the
    # person answers for. No database foreign key: SQLite cannot add one to an existing table
    # without a batch copy (see migration 0006); the repository keeps them consistent.
    group_id = Column(Integer, nullable=True, index=True)
    group_role = Column(String(40), nullable=True)
    # Comparison with peers (issue 14): made up by ``python -m bot demo-data``, and left out of
    # the comparison by staff (test diagnostics). See bot/peers.py and bot/storage/peers.py.
    synthetic = Column(Boolean, nullable=False, default=False, server_default=false())
    excluded_from_peers = Column(Boolean, nullable=False, default=False, server_default=false())
    # The diagnostic this one repeats ("refaire le diagnostic", issue 14). No ON DELETE action:
    # SQLite adds the column's foreign key inline, where it is reflected without its actions; the
    # erasures set it to NULL first (repository.unlink_repeats).
    previous_diagnostic_id = Column(Integer, ForeignKey("diagnostics.id"), nullable=True, index=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)
    completed_at = Column(UTCDateTime, nullable=True)

    answers = relationship(
        "AnswerRow",
        back_populates="diagnostic",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="AnswerRow.id",
    )
    result = relationship(
        "ResultRow",
        back_populates="diagnostic",
        cascade="all, delete-orphan",
        passive_deletes=True,
        uselist=False,
    )


class AnswerRow(Base):
    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("diagnostic_id", "question_id"),
        CheckConstraint(_in("status", ANSWER_STATUSES), name="status"),
    )

    id = Column(Integer, primary_key=True)
    diagnostic_id = Column(Integer, ForeignKey("diagnostics.id", ondelete="CASCADE"), nullable=False)
    question_id = Column(String(100), nullable=False)
    value = Column(JSON, nullable=True)
    status = Column(String(20), nullable=False)
    raw_text = Column(Text, nullable=True)
    # None: said by the respondent; "decoupage-administratif 6.0.0": from the official division.
    source = Column(String(40), nullable=True)
    answered_at = Column(UTCDateTime, nullable=False, default=utcnow)

    diagnostic = relationship("Diagnostic", back_populates="answers")
    revisions = relationship(
        "AnswerRevisionRow",
        back_populates="answer",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="AnswerRevisionRow.id",
    )


class AnswerRevisionRow(Base):
    """A previous value of an answer, kept when the person corrects it."""

    __tablename__ = "answer_revisions"
    __table_args__ = (CheckConstraint(_in("status", ANSWER_STATUSES), name="status"),)

    id = Column(Integer, primary_key=True)
    answer_id = Column(Integer, ForeignKey("answers.id", ondelete="CASCADE"), nullable=False, index=True)
    value = Column(JSON, nullable=True)
    status = Column(String(20), nullable=False)
    raw_text = Column(Text, nullable=True)
    source = Column(String(40), nullable=True)
    answered_at = Column(UTCDateTime, nullable=False)
    replaced_at = Column(UTCDateTime, nullable=False, default=utcnow)

    answer = relationship("AnswerRow", back_populates="revisions")


class ResultRow(Base):
    """The latest computed maturity and recommendation of a diagnostic."""

    __tablename__ = "results"

    id = Column(Integer, primary_key=True)
    diagnostic_id = Column(
        Integer, ForeignKey("diagnostics.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    overall_score = Column(Float, nullable=True)
    level = Column(Integer, nullable=True)
    recommended_action = Column(String(255), nullable=True)
    maturity = Column(JSON, nullable=False)
    recommendation = Column(JSON, nullable=False)
    computed_at = Column(UTCDateTime, nullable=False, default=utcnow)

    diagnostic = relationship("Diagnostic", back_populates="result")


class GroupRow(Base):
    """A diagnostic with several voices: colleagues of one authority, each for their service.

    The authority's profile is copied from the founding diagnostic (the coordinator's), official
    columns included, so that members are not asked it again. Both tokens are unguessable: the
    invitation address lets a colleague join, the report address shows the group's result.
    """

    __tablename__ = "diagnostic_groups"

    id = Column(Integer, primary_key=True)
    invitation_token = Column(String(64), nullable=False, unique=True, default=new_public_id)
    report_token = Column(String(64), nullable=False, unique=True, default=new_public_id)
    coordinator_id = Column(Integer, ForeignKey("diagnostics.id", ondelete="SET NULL"), nullable=True)
    authority_type = Column(String(100), nullable=True)
    authority_name = Column(Text, nullable=True)
    population = Column(BigInteger, nullable=True)
    agents = Column(BigInteger, nullable=True)
    authority_code = Column(String(9), nullable=True)
    authority_kind = Column(String(8), nullable=True)
    departement_code = Column(String(3), nullable=True)
    departement_name = Column(Text, nullable=True)
    region_code = Column(String(3), nullable=True)
    region_name = Column(Text, nullable=True)
    epci_siren = Column(String(9), nullable=True)
    epci_name = Column(Text, nullable=True)
    epci_kind = Column(String(8), nullable=True)
    division_version = Column(String(20), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    closed_at = Column(UTCDateTime, nullable=True)
