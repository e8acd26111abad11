"""The anonymised aggregates of the comparison with peers (issue 14, part 3), computed in SQL.

For one diagnostic, two queries: how many comparable diagnostics there are in its
département, its région and its whole population band; and, per axis, how many of them have
each score (scores are stored rounded to one decimal, so there are at most 1 001 of them per
axis). Only counts leave the database: no id, name or answer of another authority.

The per-axis scores are read from the stored result (``results.maturity``, as
:meth:`DiagnosticStore.save_result` wrote it from bot/scoring.py): nothing new is stored.

Comparable (see bot/peers.py): completed (``termine``) with a result, same authority type,
population in the same band; never the diagnostic itself nor another diagnostic of the same
official authority; never one staff excluded (``excluded_from_peers``); synthetic ones only when
``include_synthetic``; and one diagnostic per official authority — its latest comparable one —
so that an authority that took the diagnostic three times counts once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, case, false, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from bot.peers import Cohort, OwnAxis, PeerComparison, PeerGroup, cohort_of, compare, unknown_profile
from bot.storage.models import Diagnostic, ResultRow
from bot.storage.repository import DiagnosticRecord, DiagnosticStore


def cohort_of_record(record: DiagnosticRecord) -> Cohort | None:
    """The cohort of a stored diagnostic (its official area when it has an official authority)."""
    official = record.official
    return cohort_of(
        record.authority_type,
        record.population,
        (official.departement_code, official.departement_name) if official else (None, None),
        (official.region_code, official.region_name) if official else (None, None),
    )


def _comparable(table: Any, cohort: Cohort, record: DiagnosticRecord, include_synthetic: bool) -> list:
    band = cohort.band
    conditions = [
        table.status == "termine",
        table.authority_type == cohort.authority_type,
        table.population >= band.minimum,
        table.id != record.id,
        table.excluded_from_peers == false(),
    ]
    if band.maximum is not None:
        conditions.append(table.population <= band.maximum)
    if not include_synthetic:
        conditions.append(table.synthetic == false())
    if record.official is not None:
        conditions.append(or_(table.authority_code.is_(None), table.authority_code != record.official.code))
    return conditions


def _latest_per_authority(cohort: Cohort, record: DiagnosticRecord, include_synthetic: bool) -> Any:
    """Diagnostics without an official authority, or the latest comparable one of each authority."""
    other = aliased(Diagnostic)
    latest = (
        select(func.max(other.id))
        .join(ResultRow, ResultRow.diagnostic_id == other.id)
        .where(other.authority_code.is_not(None), *_comparable(other, cohort, record, include_synthetic))
        .group_by(other.authority_code)
    )
    return or_(Diagnostic.authority_code.is_(None), Diagnostic.id.in_(latest))


def peer_groups(
    store: DiagnosticStore,
    record: DiagnosticRecord,
    axis_ids: Sequence[str],
    *,
    include_synthetic: bool = False,
) -> tuple[Cohort | None, list[PeerGroup]]:
    """The diagnostic's cohort and one group of aggregates per scope (none if no cohort)."""
    cohort = cohort_of_record(record)
    if cohort is None:
        return None, []
    where = and_(
        *_comparable(Diagnostic, cohort, record, include_synthetic),
        _latest_per_authority(cohort, record, include_synthetic),
    )
    scopes = cohort.scopes()
    in_scope = {
        scope: (Diagnostic.departement_code == scope.code)
        if scope.kind == "departement"
        else (Diagnostic.region_code == scope.code)
        if scope.kind == "region"
        else None
        for scope in scopes
    }

    def counted(condition: Any) -> Any:
        return func.count() if condition is None else func.sum(case((condition, 1), else_=0))

    columns = [counted(in_scope[scope]) for scope in scopes]
    joined = (
        select(*columns).select_from(Diagnostic).join(ResultRow, ResultRow.diagnostic_id == Diagnostic.id)
    )
    per_axis = []
    for axis_id in axis_ids:
        score = ResultRow.maturity[("axes", axis_id, "score")].as_float()
        per_axis.append(
            select(literal(axis_id).label("axis_id"), score.label("score"), *columns)
            .select_from(Diagnostic)
            .join(ResultRow, ResultRow.diagnostic_id == Diagnostic.id)
            .where(where, score.is_not(None))
            .group_by(score)
        )
    with Session(store.engine, future=True) as session:
        totals = session.execute(joined.where(where)).one()
        rows = session.execute(union_all(*per_axis)).all() if per_axis else []
    groups = []
    for index, scope in enumerate(scopes):
        scores: dict[str, dict[float, int]] = {}
        for row in rows:
            count = int(row[2 + index] or 0)
            if count:
                scores.setdefault(row.axis_id, {})[float(row.score)] = count
        groups.append(PeerGroup(scope, int(totals[index] or 0), scores))
    return cohort, groups


def peer_comparison(
    store: DiagnosticStore,
    record: DiagnosticRecord,
    axes: Sequence[OwnAxis],
    *,
    include_synthetic: bool = False,
) -> PeerComparison:
    """Where the diagnostic's ``axes`` stand among its peers, or why it cannot be said."""
    cohort, groups = peer_groups(
        store, record, [axis.axis_id for axis in axes], include_synthetic=include_synthetic
    )
    if cohort is None:
        return unknown_profile()
    return compare(cohort, axes, groups)
