"""Filters, sorting and pagination of the conversation list, and their query-string form.

The staff pages pass ``request.query_params`` to :meth:`ConversationFilters.from_query`
and :func:`page_params`, then build pagination links with :meth:`ConversationFilters.to_query`.
Bad values are dropped with a French message, never passed to SQL.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql import Select

from bot.population_bands import BANDS_BY_CODE
from bot.review.labels import CONVERSATION_STATUSES, REVIEW_STATUSES
from bot.review.text import clean_line
from bot.staff_text import staff_text

T = TypeVar("T")

SORTS = {code: staff_text(f"sort_{code}") for code in ("recent", "anciennes", "incompris", "tours")}
DEFAULT_SORT = "recent"
# Which diagnostics: real or synthetic (python -m bot demo-data), or left out of the comparison with peers.
ORIGINS = {code: staff_text(f"origin_{code}") for code in ("reel", "synthetique", "exclu")}
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_SEARCH_LENGTH = 200
MAX_TAG_LENGTH = 50
MAX_TAGS = 20
_TAG = re.compile(r"^[\w][\w .'’-]*$")
# Codes of the official division: départements "01".."95", "2A", "2B", "971".."989";
# régions "01".."94" and the overseas collectivities "975".."989".
DEPARTEMENT_CODE = re.compile(r"^(?:[0-9]{2,3}|2[AB])$")
REGION_CODE = re.compile(r"^[0-9]{2,3}$")


class ReviewInputError(ValueError):
    """A value entered by staff is not acceptable; the message (French) says why."""


def normalise_tag(raw: str) -> str:
    """A tag as stored: one line, lower case, 1 to 50 letters, digits, spaces or ``-_.'``."""
    tag = clean_line(raw).casefold()
    if not tag or len(tag) > MAX_TAG_LENGTH or not _TAG.match(tag):
        raise ReviewInputError(staff_text("tag_invalid", tag=repr(raw[:60]), maximum=MAX_TAG_LENGTH))
    return tag


def parse_day(text: str) -> date:
    """A day written ``AAAA-MM-JJ``; :class:`ReviewInputError` (French) otherwise."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReviewInputError(staff_text("filter_date_invalid")) from None


def parse_tags(raw: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Tags from a comma-separated string (or a list), normalised, without duplicates, sorted."""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    tags = sorted({normalise_tag(item) for item in items if clean_line(item)})
    if len(tags) > MAX_TAGS:
        raise ReviewInputError(staff_text("tags_too_many", maximum=MAX_TAGS))
    return tuple(tags)


@dataclass(frozen=True)
class ConversationFilters:
    """Every filter of the list; None means "no filter". Dates are days in the review's time zone."""

    date_from: date | None = None
    date_to: date | None = None
    authority_type: str | None = None
    population_min: int | None = None
    population_max: int | None = None
    population_band: str | None = None  # a code of bot.population_bands.BANDS
    departement: str | None = None  # official code ("30", "2A", "971")
    region: str | None = None  # official code ("76")
    status: str | None = None
    min_flagged: int | None = None  # fallbacks + low-confidence turns, at least
    level: int | None = None
    action: str | None = None
    review_status: str | None = None
    tag: str | None = None
    search: str | None = None  # words the user typed (accents and case ignored)
    sender: str | None = None  # part of the conversation id
    origin: str | None = None  # a key of ORIGINS
    sort: str = DEFAULT_SORT

    @property
    def active(self) -> bool:
        return (
            any(getattr(self, f.name) is not None for f in fields(self) if f.name != "sort")
            or self.sort != DEFAULT_SORT
        )

    @classmethod
    def from_query(
        cls,
        params: Mapping[str, Any],
        departements: Collection[str] = (),
        regions: Collection[str] = (),
    ) -> tuple[ConversationFilters, dict[str, str]]:
        """Filters from query-string parameters (same names as the fields); also the errors.

        An empty value means no filter; an invalid one is ignored and reported (French).
        ``departements`` and ``regions``, when given, are the known codes: any other is refused.
        """
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}

        def raw(name: str) -> str | None:
            value = params.get(name)
            if value is None:
                return None
            value = clean_line(str(value))
            return value or None

        for name in ("date_from", "date_to"):
            value = raw(name)
            if value is not None:
                try:
                    values[name] = parse_day(value)
                except ReviewInputError as exc:
                    errors[name] = str(exc)
        for name, minimum, maximum in (
            ("population_min", 0, 10**12),
            ("population_max", 0, 10**12),
            ("min_flagged", 0, 10**6),
            ("level", 1, 5),
        ):
            value = raw(name)
            if value is not None:
                try:
                    number = int(value.replace(" ", "").replace("\u202f", ""))
                except ValueError:
                    errors[name] = staff_text("filter_integer_expected")
                    continue
                if not minimum <= number <= maximum:
                    errors[name] = staff_text("filter_out_of_range", minimum=minimum, maximum=maximum)
                    continue
                values[name] = number
        for name in ("authority_type", "action"):
            value = raw(name)
            if value is not None:
                if len(value) > 100:
                    errors[name] = staff_text("filter_too_long")
                else:
                    values[name] = value
        for name, allowed, unknown in (
            ("status", CONVERSATION_STATUSES, "filter_unknown_value"),
            ("review_status", REVIEW_STATUSES, "filter_unknown_value"),
            ("origin", ORIGINS, "filter_unknown_value"),
            ("population_band", BANDS_BY_CODE, "filter_unknown_band"),
            ("sort", SORTS, "filter_unknown_sort"),
        ):
            value = raw(name)
            if value is not None:
                if value in allowed:
                    values[name] = value
                else:
                    errors[name] = staff_text(unknown)
        for name, pattern, known, unknown in (
            ("departement", DEPARTEMENT_CODE, departements, staff_text("filter_unknown_departement")),
            ("region", REGION_CODE, regions, staff_text("filter_unknown_region")),
        ):
            value = raw(name)
            if value is not None:
                value = value.upper()
                if pattern.match(value) and (not known or value in known):
                    values[name] = value
                else:
                    errors[name] = unknown
        tag = raw("tag")
        if tag is not None:
            try:
                values["tag"] = normalise_tag(tag)
            except ReviewInputError as exc:
                errors["tag"] = str(exc)
        for name in ("search", "sender"):
            value = raw(name)
            if value is not None:
                if len(value) > MAX_SEARCH_LENGTH:
                    errors[name] = staff_text("filter_at_most", maximum=MAX_SEARCH_LENGTH)
                else:
                    values[name] = value
        return cls(**values), errors

    def to_query(self, **extra: Any) -> str:
        """The query string of these filters (plus ``extra``, e.g. ``page=2``), without empty values."""
        pairs: list[tuple[str, str]] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or (f.name == "sort" and value == DEFAULT_SORT):
                continue
            pairs.append((f.name, value.isoformat() if isinstance(value, date) else str(value)))
        pairs.extend((name, str(value)) for name, value in extra.items() if value is not None)
        return urlencode(pairs)

    def but(self, **changes: Any) -> ConversationFilters:
        return replace(self, **changes)


def page_params(params: Mapping[str, Any], default_per_page: int = DEFAULT_PER_PAGE) -> tuple[int, int]:
    """``(page, per_page)`` from the query string, clamped to sane values."""

    def number(name: str, default: int) -> int:
        try:
            return int(str(params.get(name, default)).strip())
        except ValueError:
            return default

    page = max(1, number("page", 1))
    per_page = min(MAX_PER_PAGE, max(1, number("per_page", default_per_page)))
    return page, per_page


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results; ``page`` is 1-based and clamped to the last page."""

    items: tuple[T, ...]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        """1-based position of the first item (0 when the page is empty)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)


def read_page(
    connection: Connection, statement: Select, count: Select, page: int, per_page: int
) -> Page[Row]:
    """One page of ``statement``'s rows (``count`` counts them all), the page clamped to the last."""
    total = int(connection.scalar(count) or 0)
    page = min(max(1, page), max(1, -(-total // per_page)))
    rows = connection.execute(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=tuple(rows), page=page, per_page=per_page, total=total)
