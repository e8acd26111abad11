"""The conversation list (one SQL query over the read model joined with the diagnostics).

Every conversation is a row of ``review_summaries`` (see summaries.py), joined with the
sender's latest diagnostic (the latest not abandoned, else the latest — as
``DiagnosticStore.export``), its result and the staff's review. Filtering, sorting, counting
and paginating all happen in SQL; only one page of rows reaches Python.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Table, and_, case, false, func, literal, or_, select, true
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import Select

from bot.population_bands import BANDS_BY_CODE, PopulationBand, band_of
from bot.records import OPEN_STATUSES, from_attributes
from bot.review.filters import ConversationFilters, Page, read_page
from bot.review.labels import Labels
from bot.review.text import like_pattern, search_key
from bot.staff_text import staff_text
from bot.storage.division_models import DepartementRow, RegionRow
from bot.storage.models import Diagnostic, ResultRow, UTCDateTime, utcnow
from bot.storage.review_models import ReviewRow, ReviewTagRow, SummaryRow

division_departements = DepartementRow.__table__
division_regions = RegionRow.__table__
summaries = SummaryRow.__table__
diagnostics = Diagnostic.__table__
results = ResultRow.__table__
reviews = ReviewRow.__table__
tags = ReviewTagRow.__table__


@dataclass(frozen=True)
class ConversationSummary:
    sender_id: str
    started_at: datetime
    last_activity_at: datetime
    inactive_days: int
    status: str  # en_cours, en_pause, termine, abandonne, sans_diagnostic
    status_label: str
    authority_type: str | None
    authority_type_label: str | None
    authority_name: str | None
    population: int | None
    current_question_id: str | None
    turns: int
    fallbacks: int
    low_confidence: int
    score: float | None
    level: int | None
    level_label: str | None
    recommended_action: str | None
    recommended_action_label: str | None
    review_status: str  # a_revoir, relu
    review_status_label: str
    tags: tuple[str, ...]
    diagnostic_id: int | None
    # The authority recognised in the official division (None otherwise).
    authority_code: str | None = None  # INSEE code of a commune, SIREN of an EPCI
    authority_kind: str | None = None  # "commune", "CC", "CA", "CU", "METRO", "MET69"
    departement_code: str | None = None
    departement_name: str | None = None
    region_code: str | None = None
    region_name: str | None = None
    # From the population column: the official population when there is one, else the declared one.
    population_band: PopulationBand | None = None
    # Comparison with peers (issue 14): made up by demo-data; left out by staff.
    synthetic: bool = False
    excluded_from_peers: bool = False

    @property
    def code_label(self) -> str:
        """What the official code is: "code INSEE" for a commune, "SIREN" for an EPCI."""
        return staff_text("code_label_commune" if self.authority_kind == "commune" else "code_label_epci")

    @property
    def flagged(self) -> int:
        """Fallbacks plus low-confidence turns."""
        return self.fallbacks + self.low_confidence


class ConversationQuery:
    """Builds the list's SQL for a moment ``now`` and an abandonment delay.

    Each summary row names the conversation's current diagnostic and its last activity
    (see summaries.py), so the joins are primary-key look-ups and the default order
    follows an index.
    """

    def __init__(self, abandon_after_days: int, zone: ZoneInfo, now: datetime | None = None) -> None:
        self.now = now or utcnow()
        self.zone = zone
        self.activity = summaries.c.last_activity_at
        cutoff = literal(self.now - timedelta(days=abandon_after_days), UTCDateTime)
        self.status = case(
            (diagnostics.c.id.is_(None), "sans_diagnostic"),
            (and_(diagnostics.c.status.in_(OPEN_STATUSES), self.activity < cutoff), "abandonne"),
            else_=diagnostics.c.status,
        ).label("conversation_status")
        self.review_status = case((reviews.c.reviewed == true(), "relu"), else_="a_revoir").label(
            "review_status"
        )
        self.flagged = (summaries.c.fallbacks + summaries.c.low_confidence).label("flagged")
        self.joined = (
            summaries.outerjoin(diagnostics, diagnostics.c.id == summaries.c.diagnostic_id)
            .outerjoin(results, results.c.diagnostic_id == diagnostics.c.id)
            .outerjoin(reviews, reviews.c.sender_id == summaries.c.sender_id)
        )

    def _day_start(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.zone)

    def where(self, filters: ConversationFilters) -> list:
        conditions: list = []
        if filters.date_from is not None:
            conditions.append(
                summaries.c.started_at >= literal(self._day_start(filters.date_from), UTCDateTime)
            )
        if filters.date_to is not None:
            end = self._day_start(filters.date_to + timedelta(days=1))
            conditions.append(summaries.c.started_at < literal(end, UTCDateTime))
        # The population column holds the official population when the diagnostic has one.
        band = BANDS_BY_CODE[filters.population_band] if filters.population_band is not None else None
        for column, equal in (
            (diagnostics.c.authority_type, filters.authority_type),
            (diagnostics.c.departement_code, filters.departement),
            (diagnostics.c.region_code, filters.region),
            (self.status, filters.status),
            (results.c.level, filters.level),
            (results.c.recommended_action, filters.action),
            (self.review_status, filters.review_status),
        ):
            if equal is not None:
                conditions.append(column == equal)
        for column, at_least, at_most in (
            (diagnostics.c.population, filters.population_min, filters.population_max),
            (diagnostics.c.population, band.minimum if band else None, band.maximum if band else None),
            (summaries.c.fallbacks + summaries.c.low_confidence, filters.min_flagged, None),
        ):
            if at_least is not None:
                conditions.append(column >= at_least)
            if at_most is not None:
                conditions.append(column <= at_most)
        if filters.tag is not None:
            conditions.append(
                summaries.c.sender_id.in_(select(tags.c.sender_id).where(tags.c.tag == filters.tag))
            )
        if filters.search is not None:
            words = search_key(filters.search).split()
            conditions.extend(summaries.c.search_text.like(like_pattern(word), escape="\\") for word in words)
        if filters.sender is not None:
            conditions.append(summaries.c.sender_id.like(like_pattern(filters.sender), escape="\\"))
        conditions.extend(_origin_conditions(filters.origin))
        return conditions

    def order(self, sort: str) -> list:
        if sort == "anciennes":
            return [summaries.c.started_at.asc(), summaries.c.sender_id]
        if sort == "incompris":
            return [self.flagged.desc(), self.activity.desc(), summaries.c.sender_id]
        if sort == "tours":
            return [summaries.c.turns.desc(), self.activity.desc(), summaries.c.sender_id]
        return [self.activity.desc(), summaries.c.sender_id]

    def rows(self) -> Select:
        return select(
            summaries.c.sender_id,
            summaries.c.started_at,
            self.activity.label("last_activity_at"),
            self.status,
            diagnostics.c.authority_type,
            diagnostics.c.authority_name,
            diagnostics.c.population,
            diagnostics.c.authority_code,
            diagnostics.c.authority_kind,
            diagnostics.c.departement_code,
            diagnostics.c.departement_name,
            diagnostics.c.region_code,
            diagnostics.c.region_name,
            diagnostics.c.current_question_id,
            diagnostics.c.id.label("diagnostic_id"),
            diagnostics.c.synthetic,
            diagnostics.c.excluded_from_peers,
            summaries.c.turns,
            summaries.c.fallbacks,
            summaries.c.low_confidence,
            results.c.overall_score,
            results.c.level,
            results.c.recommended_action,
            self.review_status,
        ).select_from(self.joined)

    def count(self) -> Select:
        return select(func.count()).select_from(self.joined)


def _origin_conditions(origin: str | None) -> list:
    """Real or synthetic diagnostics, or those left out of the comparison (filters.ORIGINS)."""
    if origin == "reel":
        return [or_(diagnostics.c.synthetic.is_(None), diagnostics.c.synthetic == false())]
    if origin == "synthetique":
        return [diagnostics.c.synthetic == true()]
    if origin == "exclu":
        return [diagnostics.c.excluded_from_peers == true()]
    return []


def list_conversations(
    engine: Engine,
    labels: Labels,
    filters: ConversationFilters,
    page: int,
    per_page: int,
    abandon_after_days: int,
    zone: ZoneInfo,
    now: datetime | None = None,
) -> Page[ConversationSummary]:
    query = ConversationQuery(abandon_after_days, zone, now)
    conditions = query.where(filters)
    statement = query.rows().where(*conditions).order_by(*query.order(filters.sort))
    with engine.connect() as connection:
        found = read_page(connection, statement, query.count().where(*conditions), page, per_page)
        tags_of = _tags(connection, [row.sender_id for row in found.items])
    return replace(
        found,
        items=tuple(_summary(row, labels, tags_of.get(row.sender_id, ()), query.now) for row in found.items),
    )


def conversation_summary(
    engine: Engine,
    labels: Labels,
    sender_id: str,
    abandon_after_days: int,
    zone: ZoneInfo,
    now: datetime | None = None,
) -> ConversationSummary | None:
    query = ConversationQuery(abandon_after_days, zone, now)
    with engine.connect() as connection:
        row = connection.execute(query.rows().where(summaries.c.sender_id == sender_id)).first()
        if row is None:
            return None
        tags_of = _tags(connection, [sender_id])
    return _summary(row, labels, tags_of.get(sender_id, ()), query.now)


def _tags(connection, sender_ids: list[str]) -> dict[str, tuple[str, ...]]:
    if not sender_ids:
        return {}
    found: dict[str, list[str]] = {}
    for sender_id, tag in connection.execute(
        select(tags.c.sender_id, tags.c.tag).where(tags.c.sender_id.in_(sender_ids)).order_by(tags.c.tag)
    ):
        found.setdefault(sender_id, []).append(tag)
    return {sender_id: tuple(values) for sender_id, values in found.items()}


def _summary(row, labels: Labels, tag_values: tuple[str, ...], now: datetime) -> ConversationSummary:
    activity = row.last_activity_at or row.started_at
    # The other fields are the row's columns of the same names.
    return from_attributes(
        ConversationSummary,
        row,
        last_activity_at=activity,
        inactive_days=max(0, (now - activity).days),
        status=row.conversation_status,
        status_label=labels.status(row.conversation_status),
        authority_type_label=labels.authority_type(row.authority_type),
        score=row.overall_score,
        level_label=labels.level(row.level),
        recommended_action_label=labels.action(row.recommended_action),
        review_status_label=labels.review_status(row.review_status),
        tags=tag_values,
        population_band=band_of(row.population),
        synthetic=bool(row.synthetic),
        excluded_from_peers=bool(row.excluded_from_peers),
    )


def known_tags(engine: Engine) -> list[tuple[str, int]]:
    """Tags in use, with how many conversations carry each, most used first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(tags.c.tag, func.count()).group_by(tags.c.tag).order_by(func.count().desc(), tags.c.tag)
        ).all()
    return [(tag, int(count)) for tag, count in rows]


def places(engine: Engine) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """Départements and régions to filter on, as ``(code, label)`` pairs sorted by code.

    Every one of the official division when it is loaded (``python -m bot authorities
    load``), else those of the diagnostics that have an official authority.
    """
    with engine.connect() as connection:
        departements = _places_of(
            connection, division_departements, diagnostics.c.departement_code, diagnostics.c.departement_name
        )
        regions = _places_of(
            connection, division_regions, diagnostics.c.region_code, diagnostics.c.region_name
        )
    return (
        tuple((code, f"{name} ({code})") for code, name in sorted(departements)),
        tuple((code, name) for code, name in sorted(regions)),
    )


def _places_of(connection: Connection, official: Table, code: Column, name: Column) -> list:
    """``(code, name)`` of the official division's table, else of the diagnostics' columns."""
    rows = connection.execute(select(official.c.code, official.c.name)).all()
    if rows:
        return rows
    return connection.execute(select(code, func.max(name)).where(code.is_not(None)).group_by(code)).all()
