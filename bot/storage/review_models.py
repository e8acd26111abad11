"""Tables of the staff review (issue 4), in the diagnostic store, on the shared metadata.

- ``staff_users``: staff accounts (argon2 hashes, role, session version);
- ``staff_sessions``: the staff's server-side sessions (only a hash of each cookie's token);
- ``review_conversations`` and ``review_tags``: what staff decided about a conversation
  (reviewed or not, note, tags), keyed by Rasa's sender id;
- ``nlu_corrections``: user messages with the intent (and entities) they should have had;
- ``review_summaries``, ``review_flagged_turns``, ``review_state``: a read model of Rasa's
  tracker store, refreshed incrementally (``bot/review/summaries.py``) so that listing
  10,000 conversations never reads every event;
- ``audit_log``: who deleted or purged what, and when.

Conversations are keyed by sender id without foreign keys: a conversation may exist in
the tracker store without a diagnostic, and the two stores may be different databases.
Imported by ``bot/storage/__init__.py`` so that ``models.metadata`` always has these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)

from bot.storage.models import MAX_SENDER_ID_LENGTH, Base, UTCDateTime, utcnow

MAX_EMAIL_LENGTH = 254
FLAG_KINDS = ("fallback", "low_confidence")
# Staff roles, least privileged first (French labels in bot/review/accounts.py).
STAFF_ROLES = ("reviewer", "administrator")


class StaffUserRow(Base):
    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint(f"role IN ({', '.join(repr(r) for r in STAFF_ROLES)})", name="role"),)

    id = Column(Integer, primary_key=True)
    email = Column(String(MAX_EMAIL_LENGTH), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at = Column(UTCDateTime, nullable=True)
    # What the account may do (migration 0004: accounts made before roles are administrators).
    role = Column(String(20), nullable=False, server_default=STAFF_ROLES[0])
    # Raised at each password change: a session opened under another version is worthless.
    session_version = Column(Integer, nullable=False, default=0, server_default="0")


class StaffSessionRow(Base):
    """A signed-in browser: its cookie holds a random token, this row only the token's SHA-256."""

    __tablename__ = "staff_sessions"

    token_hash = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True)
    # The account's session_version at login.
    session_version = Column(Integer, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    seen_at = Column(UTCDateTime, nullable=False)
    # The earlier of the absolute and the idle limit; past it the row is purged.
    expires_at = Column(UTCDateTime, nullable=False, index=True)
    csrf = Column(String(64), nullable=False)
    # A message for the next page: ["ok" | "erreur", text].
    flash = Column(JSON, nullable=True)


class ReviewRow(Base):
    """Staff's review of one conversation (no row: not reviewed, no note)."""

    __tablename__ = "review_conversations"

    sender_id = Column(String(MAX_SENDER_ID_LENGTH), primary_key=True)
    reviewed = Column(Boolean, nullable=False, default=False, server_default=false())
    reviewed_at = Column(UTCDateTime, nullable=True)
    reviewed_by = Column(String(MAX_EMAIL_LENGTH), nullable=True)
    note = Column(Text, nullable=True)
    note_updated_at = Column(UTCDateTime, nullable=True)
    note_updated_by = Column(String(MAX_EMAIL_LENGTH), nullable=True)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)


class ReviewTagRow(Base):
    __tablename__ = "review_tags"
    __table_args__ = (UniqueConstraint("sender_id", "tag"),)

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(MAX_SENDER_ID_LENGTH), nullable=False)
    tag = Column(String(50), nullable=False, index=True)


class CorrectionRow(Base):
    """A user message and the intent (with entities) it should have been recognised as."""

    __tablename__ = "nlu_corrections"
    __table_args__ = (UniqueConstraint("normalized_text", "intent"),)

    id = Column(Integer, primary_key=True)
    text = Column(Text, nullable=False)
    # bot.review.text.example_key(text): what makes two examples the same.
    normalized_text = Column(Text, nullable=False)
    intent = Column(String(100), nullable=False)
    # [{"entity": "term", "start": 9, "end": 25, "value": "interopérabilité"}, ...]
    entities = Column(JSON, nullable=False)
    created_by = Column(String(MAX_EMAIL_LENGTH), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    # Where the message comes from (erased with the conversation).
    source_sender_id = Column(String(MAX_SENDER_ID_LENGTH), nullable=True, index=True)
    source_event_id = Column(Integer, nullable=True)


class SummaryRow(Base):
    """Per-conversation aggregates of the tracker's events (one row per sender id)."""

    __tablename__ = "review_summaries"

    sender_id = Column(String(MAX_SENDER_ID_LENGTH), primary_key=True)
    # First activity in either store (first event, or first diagnostic when no event).
    started_at = Column(UTCDateTime, nullable=False, index=True)
    last_event_at = Column(UTCDateTime, nullable=True, index=True)
    # The sender's current diagnostic (as DiagnosticStore.export chooses it), if any, and
    # the later of its last change and the last event (migration 0003).
    diagnostic_id = Column(Integer, nullable=True, index=True)
    last_activity_at = Column(UTCDateTime, nullable=True, index=True)
    events = Column(Integer, nullable=False, default=0)
    turns = Column(Integer, nullable=False, default=0)
    fallbacks = Column(Integer, nullable=False, default=0)
    low_confidence = Column(Integer, nullable=False, default=0)
    # bot.review.text.search_key() of every typed user message, one per line.
    search_text = Column(Text, nullable=False, default="")
    refreshed_at = Column(UTCDateTime, nullable=False, default=utcnow)


class FlaggedTurnRow(Base):
    """A user message the assistant did not understand well (fallback or low confidence)."""

    __tablename__ = "review_flagged_turns"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in FLAG_KINDS)})", name="kind"),
        Index("ix_review_flagged_turns_sender_id_event_id", "sender_id", "event_id", unique=True),
    )

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(MAX_SENDER_ID_LENGTH), nullable=False)
    event_id = Column(Integer, nullable=False)
    at = Column(UTCDateTime, nullable=True)
    text = Column(Text, nullable=False)
    normalized_text = Column(Text, nullable=False, index=True)
    kind = Column(String(20), nullable=False)
    intent = Column(String(255), nullable=True)
    confidence = Column(Float, nullable=True)
    # For a fallback, the best intent below the fallback threshold.
    best_guess = Column(String(255), nullable=True)


class ReviewStateRow(Base):
    """Key/value bookkeeping of the read model (high-water marks, threshold used)."""

    __tablename__ = "review_state"

    key = Column(String(100), primary_key=True)
    value = Column(Text, nullable=False)


class AuditRow(Base):
    """One staff or command-line operation on personal data: who, when, what."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    actor = Column(String(MAX_EMAIL_LENGTH), nullable=False)
    action = Column(String(50), nullable=False)
    target = Column(String(255), nullable=True)
    details = Column(JSON, nullable=True)
