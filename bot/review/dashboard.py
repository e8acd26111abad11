"""The staff dashboard: how many diagnostics, how far people get, what comes out of them.

One query over the diagnostics (with their results) and one over the misunderstood
messages; everything else is counted in Python. Each figure comes as a :class:`Chart`
(title, rows) that the page draws with ``bar_chart_svg`` and repeats as a table.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import false, func, select
from sqlalchemy.engine import Engine

from bot.charts.bars import bar_chart_svg
from bot.records import OPEN_STATUSES
from bot.review.labels import Labels
from bot.staff_text import staff_text
from bot.storage.models import Diagnostic, ResultRow, utcnow
from bot.storage.review_models import FlaggedTurnRow

diagnostics = Diagnostic.__table__
results = ResultRow.__table__
flagged_turns = FlaggedTurnRow.__table__

TOP_FALLBACKS = 10
MAX_WEEKS = 104


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    label_header: str
    value_header: str
    rows: tuple[tuple[str, float | int], ...]
    unit: str = ""
    description: str | None = None

    def svg(self) -> str:
        return bar_chart_svg(
            self.title, self.rows, description=self.description, unit=self.unit, chart_id=f"chart-{self.key}"
        )


def _chart(
    key: str, label_header: str, value_header: str, rows: tuple[tuple[str, float | int], ...]
) -> Chart:
    """A chart titled ``chart_<key>`` in bot/content/staff.yml, its headers also from there."""
    return Chart(key, staff_text(f"chart_{key}"), staff_text(label_header), staff_text(value_header), rows)


@dataclass(frozen=True)
class Dashboard:
    date_from: date | None
    date_to: date | None
    diagnostics: int
    completed: int
    abandoned: int
    completion_rate: float | None  # completed / diagnostics, 0 to 1
    average_completion: timedelta | None
    median_completion: timedelta | None
    charts: tuple[Chart, ...]

    def chart(self, key: str) -> Chart:
        return next(chart for chart in self.charts if chart.key == key)


def _week_label(year: int, week: int) -> str:
    return f"{year}-S{week:02d}"


def _weeks(first: date, last: date) -> list[tuple[int, int]]:
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last and len(weeks) < MAX_WEEKS:
        iso = monday.isocalendar()
        weeks.append((iso[0], iso[1]))
        monday += timedelta(days=7)
    return weeks


def build_dashboard(
    engine: Engine,
    labels: Labels,
    abandon_after_days: int,
    zone: ZoneInfo,
    date_from: date | None = None,
    date_to: date | None = None,
    now: datetime | None = None,
    *,
    include_synthetic: bool = False,
) -> Dashboard:
    """The dashboard's figures; synthetic diagnostics (demo-data) only with ``include_synthetic``."""
    now = now or utcnow()
    cutoff = now - timedelta(days=abandon_after_days)
    conditions = [] if include_synthetic else [diagnostics.c.synthetic == false()]
    turn_conditions = []
    if date_from is not None:
        start = datetime.combine(date_from, time.min, tzinfo=zone)
        conditions.append(diagnostics.c.created_at >= start)
        turn_conditions.append(flagged_turns.c.at >= start)
    if date_to is not None:
        end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
        conditions.append(diagnostics.c.created_at < end)
        turn_conditions.append(flagged_turns.c.at < end)
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                diagnostics.c.status,
                diagnostics.c.created_at,
                diagnostics.c.updated_at,
                diagnostics.c.completed_at,
                diagnostics.c.current_question_id,
                results.c.level,
                results.c.recommended_action,
            )
            .select_from(diagnostics.outerjoin(results, results.c.diagnostic_id == diagnostics.c.id))
            .where(*conditions)
        ).all()
        count = func.count().label("count")
        # "Not understood" (the classifier fell back) and "understood with a low confidence"
        # (handled, often rightly, by the intent below the review threshold) are listed apart,
        # so that the first list shows what needs a correction.
        flagged_rows = {
            kind: connection.execute(
                select(flagged_turns.c.normalized_text, func.max(flagged_turns.c.text), count)
                .where(*turn_conditions, flagged_turns.c.kind == kind)
                .group_by(flagged_turns.c.normalized_text)
                .order_by(count.desc(), flagged_turns.c.normalized_text)
                .limit(TOP_FALLBACKS)
            ).all()
            for kind in ("fallback", "low_confidence")
        }

    per_week: Counter[tuple[int, int]] = Counter()
    stops: Counter[str | None] = Counter()
    levels: Counter[int] = Counter()
    actions: Counter[str] = Counter()
    durations: list[timedelta] = []
    completed = abandoned = 0
    first_day = last_day = None
    for row in rows:
        created = row.created_at  # UTCDateTime: already aware
        day = created.astimezone(zone).date()
        first_day = day if first_day is None else min(first_day, day)
        last_day = day if last_day is None else max(last_day, day)
        iso = day.isocalendar()
        per_week[(iso[0], iso[1])] += 1
        if row.status == "termine":
            completed += 1
            if row.completed_at is not None:
                durations.append(row.completed_at - created)
            if row.level is not None:
                levels[row.level] += 1
            if row.recommended_action is not None:
                actions[row.recommended_action] += 1
        elif row.status == "abandonne" or (row.status in OPEN_STATUSES and row.updated_at < cutoff):
            abandoned += 1
            stops[row.current_question_id] += 1

    week_rows: tuple[tuple[str, float | int], ...] = ()
    if first_day is not None and last_day is not None:
        week_rows = tuple(
            (_week_label(*week), per_week.get(week, 0))
            for week in _weeks(date_from or first_day, min(date_to or last_day, now.astimezone(zone).date()))
        )
    order = {question_id: index for index, question_id in enumerate(labels.question_order)}
    stop_rows = tuple(
        (
            staff_text("dashboard_before_first_question")
            if question_id is None
            else f"{order.get(question_id, -1) + 1}. {labels.question(question_id)}",
            number,
        )
        for question_id, number in sorted(stops.items(), key=lambda item: order.get(item[0], -1))
    )
    level_rows = tuple(
        (f"{rank}. {name}", levels.get(rank, 0)) for rank, name in sorted(labels.levels.items())
    )
    action_rows = tuple(
        (labels.action(code) or code, number)
        for code, number in sorted(actions.items(), key=lambda item: (-item[1], item[0]))
    )
    fallback_table = tuple((text, int(number)) for _, text, number in flagged_rows["fallback"])
    low_confidence_table = tuple((text, int(number)) for _, text, number in flagged_rows["low_confidence"])
    average = sum(durations, timedelta()) / len(durations) if durations else None
    median = timedelta(seconds=statistics.median(d.total_seconds() for d in durations)) if durations else None
    charts = (
        _chart("per_week", "chart_per_week_x", "chart_diagnostics", week_rows),
        _chart("drop_off", "chart_drop_off_x", "chart_drop_off_y", stop_rows),
        _chart("levels", "chart_levels_x", "chart_diagnostics", level_rows),
        _chart("actions", "chart_actions_x", "chart_diagnostics", action_rows),
        _chart("fallbacks", "chart_message", "chart_occurrences", fallback_table),
        _chart("low_confidence", "chart_message", "chart_occurrences", low_confidence_table),
    )
    return Dashboard(
        date_from=date_from,
        date_to=date_to,
        diagnostics=len(rows),
        completed=completed,
        abandoned=abandoned,
        completion_rate=(completed / len(rows)) if rows else None,
        average_completion=average,
        median_completion=median,
        charts=charts,
    )
