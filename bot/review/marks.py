"""What staff record about a conversation: reviewed or not, tags, a note."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from bot.records import from_attributes
from bot.review.filters import ReviewInputError, parse_tags
from bot.review.labels import REVIEW_STATUSES
from bot.staff_text import staff_text
from bot.storage.models import is_sender_id, utcnow
from bot.storage.review_models import ReviewRow, ReviewTagRow

reviews = ReviewRow.__table__
tags = ReviewTagRow.__table__

MAX_NOTE_LENGTH = 10_000


@dataclass(frozen=True)
class ReviewState:
    sender_id: str
    reviewed: bool = False
    reviewed_at: datetime | None = None
    reviewed_by: str | None = None
    note: str | None = None
    note_updated_at: datetime | None = None
    note_updated_by: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        return "relu" if self.reviewed else "a_revoir"

    @property
    def status_label(self) -> str:
        return REVIEW_STATUSES[self.status]


def check_sender_id(sender_id: str) -> str:
    if not is_sender_id(sender_id):
        raise ReviewInputError(staff_text("sender_id_invalid"))
    return sender_id


def review_state(connection: Connection, sender_id: str) -> ReviewState:
    row = connection.execute(select(reviews).where(reviews.c.sender_id == sender_id)).first()
    tag_values = tuple(
        connection.scalars(select(tags.c.tag).where(tags.c.sender_id == sender_id).order_by(tags.c.tag))
    )
    if row is None:
        return ReviewState(sender_id=sender_id, tags=tag_values)
    return from_attributes(
        ReviewState, row, sender_id=sender_id, reviewed=bool(row.reviewed), tags=tag_values
    )


def _upsert(connection: Connection, sender_id: str, values: dict) -> None:
    values = {**values, "updated_at": utcnow()}
    exists = connection.scalar(select(reviews.c.sender_id).where(reviews.c.sender_id == sender_id))
    if exists is None:
        connection.execute(insert(reviews).values(sender_id=sender_id, **values))
    else:
        connection.execute(update(reviews).where(reviews.c.sender_id == sender_id).values(**values))


def mark_reviewed(engine: Engine, sender_id: str, reviewed: bool, by: str) -> ReviewState:
    check_sender_id(sender_id)
    now = utcnow()
    with engine.begin() as connection:
        _upsert(
            connection,
            sender_id,
            {
                "reviewed": bool(reviewed),
                "reviewed_at": now if reviewed else None,
                "reviewed_by": by if reviewed else None,
            },
        )
        return review_state(connection, sender_id)


def set_note(engine: Engine, sender_id: str, note: str | None, by: str) -> ReviewState:
    """Replace the note (an empty note removes it). Kept verbatim: escaping is the page's job."""
    check_sender_id(sender_id)
    text = (note or "").replace("\x00", "").strip()
    if len(text) > MAX_NOTE_LENGTH:
        raise ReviewInputError(staff_text("note_too_long", maximum=MAX_NOTE_LENGTH))
    with engine.begin() as connection:
        _upsert(
            connection,
            sender_id,
            {"note": text or None, "note_updated_at": utcnow(), "note_updated_by": by},
        )
        return review_state(connection, sender_id)


def set_tags(engine: Engine, sender_id: str, values: str | Iterable[str], by: str) -> ReviewState:
    """Replace the conversation's tags (comma-separated string or list; see ``parse_tags``)."""
    check_sender_id(sender_id)
    wanted = parse_tags(values if isinstance(values, str) else tuple(values))
    with engine.begin() as connection:
        current = set(connection.scalars(select(tags.c.tag).where(tags.c.sender_id == sender_id)))
        removed = current - set(wanted)
        if removed:
            connection.execute(delete(tags).where(tags.c.sender_id == sender_id, tags.c.tag.in_(removed)))
        added = [tag for tag in wanted if tag not in current]
        if added:
            connection.execute(insert(tags), [{"sender_id": sender_id, "tag": tag} for tag in added])
        _upsert(connection, sender_id, {})
        return review_state(connection, sender_id)


def add_tag(engine: Engine, sender_id: str, tag: str, by: str) -> ReviewState:
    with engine.connect() as connection:
        current = review_state(connection, check_sender_id(sender_id)).tags
    return set_tags(engine, sender_id, (*current, tag), by)


def remove_tag(engine: Engine, sender_id: str, tag: str, by: str) -> ReviewState:
    with engine.connect() as connection:
        current = review_state(connection, check_sender_id(sender_id)).tags
    return set_tags(engine, sender_id, [t for t in current if t != tag], by)
