"""The staff review, as one object the web pages and the commands call: :class:`Review`.

It reads Rasa's tracker store (the conversations) and the diagnostic store (diagnostics,
and the review's own tables), by default the same SQLite files as the servers, PostgreSQL
in production (``DIAGNOSTIC_DATABASE_URL``, ``TRACKER_DIALECT``/``TRACKER_URL``/``TRACKER_DB``).
Every method opens short transactions of its own; a Review can be shared by the requests
of a process. Methods return frozen dataclasses and plain values, never ORM objects.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.answers import Answer
from bot.population_bands import BANDS
from bot.questionnaire import Question, Questionnaire, default_questionnaire
from bot.recommendations import Catalogue, default_catalogue
from bot.records import from_attributes
from bot.review import conversations as conversation_queries
from bot.review import corrections as correction_store
from bot.review import deletion, exports, marks, summaries
from bot.review.conversations import ConversationQuery, ConversationSummary
from bot.review.dashboard import Dashboard, build_dashboard
from bot.review.deletion import AuditEntry, DeletionReport
from bot.review.filters import DEFAULT_PER_PAGE, ORIGINS, SORTS, ConversationFilters, Page, read_page
from bot.review.labels import CONVERSATION_STATUSES, REVIEW_STATUSES, Labels
from bot.review.marks import ReviewState
from bot.review.nlu import Correction, Domain, NluExport, existing_examples, load_domain, plan_export
from bot.review.summaries import RefreshReport
from bot.review.tracker import TrackerEvents, make_tracker_engine
from bot.review.transcript import Turn, build_turns
from bot.settings import DATABASE_URL_ENV, FALLBACK_INTENT, ReviewSettings, load_review_settings
from bot.staff_text import staff_text
from bot.storage import DiagnosticStore
from bot.storage.models import utcnow
from bot.storage.review_models import FlaggedTurnRow

flagged_turns = FlaggedTurnRow.__table__


@dataclass(frozen=True)
class AnswerView:
    """One answer beside the transcript (format it with the question, e.g. bot.formatting)."""

    question: Question
    position: int
    answer: Answer
    answered_at: str | None
    revisions: int


@dataclass(frozen=True)
class ConversationDetail:
    sender_id: str
    summary: ConversationSummary | None
    turns: tuple[Turn, ...]
    # DiagnosticStore.export() of the sender's latest diagnostic (None without one).
    diagnostic: dict[str, Any] | None
    answers: tuple[AnswerView, ...]
    review: ReviewState
    corrections: tuple[Correction, ...] = field(default=())

    @property
    def flagged_turns(self) -> tuple[Turn, ...]:
        return tuple(turn for turn in self.turns if turn.flag is not None)

    @property
    def corrected_event_ids(self) -> frozenset[int]:
        return frozenset(c.source_event_id for c in self.corrections if c.source_event_id is not None)


@dataclass(frozen=True)
class FlaggedMessage:
    """A misunderstood user message, for the corrections page."""

    sender_id: str
    event_id: int
    at: datetime | None
    text: str
    kind: str
    intent: str | None
    confidence: float | None
    best_guess: str | None


@dataclass(frozen=True)
class FilterOptions:
    """Choices for the list's filter form: (value, label) pairs."""

    authority_types: tuple[tuple[str, str], ...]
    statuses: tuple[tuple[str, str], ...]
    levels: tuple[tuple[int, str], ...]
    actions: tuple[tuple[str, str], ...]
    review_statuses: tuple[tuple[str, str], ...]
    tags: tuple[tuple[str, int], ...]
    sorts: tuple[tuple[str, str], ...]
    departements: tuple[tuple[str, str], ...] = ()
    regions: tuple[tuple[str, str], ...] = ()
    population_bands: tuple[tuple[str, str], ...] = ()
    origins: tuple[tuple[str, str], ...] = ()


class Review:
    def __init__(
        self,
        store: DiagnosticStore,
        tracker: TrackerEvents,
        settings: ReviewSettings | None = None,
        questionnaire: Questionnaire | None = None,
        catalogue: Catalogue | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """``clock`` gives "now" wherever time decides something (abandonment, purge, weeks)."""
        self.clock = clock
        self.store = store
        self.tracker = tracker
        self.settings = settings or ReviewSettings()
        self.questionnaire = questionnaire or default_questionnaire()
        self.labels = Labels.of(self.questionnaire, catalogue or default_catalogue())
        self._domain: Domain | None = None

    @classmethod
    def from_env(
        cls,
        database_url: str | None = None,
        tracker_url: str | None = None,
        environ: Mapping[str, str] = os.environ,
        settings: ReviewSettings | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> Review:
        """The review on the configured stores (the diagnostic store is migrated to head).

        URLs default to ``environ``: DIAGNOSTIC_DATABASE_URL, and TRACKER_DIALECT, TRACKER_URL,
        TRACKER_DB as in endpoints.yml (see :func:`bot.review.tracker.tracker_url`).
        """
        database_url = database_url or environ.get(DATABASE_URL_ENV, "").strip() or None
        return cls(
            store=DiagnosticStore.from_url(database_url, clock),
            tracker=TrackerEvents(make_tracker_engine(tracker_url, environ)),
            settings=settings or load_review_settings(environ),
            clock=clock,
        )

    @property
    def engine(self) -> Engine:
        return self.store.engine

    def close(self) -> None:
        self.store.engine.dispose()
        self.tracker.engine.dispose()

    # --- conversations ------------------------------------------------------------------

    def refresh(self, full: bool = False) -> RefreshReport:
        """Update the read model from the tracker store (cheap when nothing is new)."""
        return summaries.refresh(self.engine, self.tracker, self.settings.confidence_threshold, full=full)

    def list_conversations(
        self,
        filters: ConversationFilters | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
        now: datetime | None = None,
        refresh: bool = True,
    ) -> Page[ConversationSummary]:
        if refresh:
            self.refresh()
        return conversation_queries.list_conversations(
            self.engine,
            self.labels,
            filters or ConversationFilters(),
            page,
            per_page,
            self.settings.abandon_after_days,
            self.settings.zone,
            now or self.clock(),
        )

    def conversation_detail(self, sender_id: str, now: datetime | None = None) -> ConversationDetail | None:
        """Every turn of the conversation with the diagnostic beside it; None if unknown."""
        events = self.tracker.events_of(sender_id)
        exported = self.store.export(sender_id)
        if not events and exported is None:
            return None
        self.refresh()
        summary = conversation_queries.conversation_summary(
            self.engine,
            self.labels,
            sender_id,
            self.settings.abandon_after_days,
            self.settings.zone,
            now or self.clock(),
        )
        with self.engine.connect() as connection:
            review = marks.review_state(connection, sender_id)
        return ConversationDetail(
            sender_id=sender_id,
            summary=summary,
            turns=tuple(build_turns(events, self.settings.confidence_threshold)),
            diagnostic=exported,
            answers=self._answers(exported),
            review=review,
            corrections=correction_store.corrections_of(self.engine, sender_id),
        )

    def _answers(self, exported: dict[str, Any] | None) -> tuple[AnswerView, ...]:
        if exported is None:
            return ()
        views = []
        for question_id, stored in exported["answers"].items():
            try:
                question = self.questionnaire.question(question_id)
            except KeyError:
                continue
            views.append(
                AnswerView(
                    question=question,
                    position=self.questionnaire.position(question_id),
                    answer=Answer(
                        question_id=question_id,
                        value=stored["value"],
                        status=stored["status"],
                        raw_text=stored["raw_text"],
                        source=stored.get("source"),
                    ),
                    answered_at=stored["answered_at"],
                    revisions=len(stored["revisions"]),
                )
            )
        return tuple(sorted(views, key=lambda view: view.position))

    def filter_options(self) -> FilterOptions:
        departements, regions = conversation_queries.places(self.engine)
        return FilterOptions(
            authority_types=tuple(self.labels.authority_types.items()),
            statuses=tuple(CONVERSATION_STATUSES.items()),
            levels=tuple(sorted(self.labels.levels.items())),
            actions=tuple(self.labels.actions.items()),
            review_statuses=tuple(REVIEW_STATUSES.items()),
            tags=tuple(conversation_queries.known_tags(self.engine)),
            sorts=tuple(SORTS.items()),
            departements=departements,
            regions=regions,
            population_bands=tuple((band.code, band.label) for band in BANDS),
            origins=tuple(ORIGINS.items()),
        )

    def flagged_messages(self, page: int = 1, per_page: int = DEFAULT_PER_PAGE) -> Page[FlaggedMessage]:
        """Misunderstood messages across conversations, newest first."""
        self.refresh()
        statement = select(flagged_turns).order_by(flagged_turns.c.at.desc(), flagged_turns.c.id.desc())
        with self.engine.connect() as connection:
            found = read_page(
                connection, statement, select(func.count()).select_from(flagged_turns), page, per_page
            )
        items = tuple(from_attributes(FlaggedMessage, row) for row in found.items)
        return replace(found, items=items)

    # --- review marks -------------------------------------------------------------------

    def review_state(self, sender_id: str) -> ReviewState:
        with self.engine.connect() as connection:
            return marks.review_state(connection, sender_id)

    def mark_reviewed(self, sender_id: str, by: str, reviewed: bool = True) -> ReviewState:
        return marks.mark_reviewed(self.engine, sender_id, reviewed, by)

    def set_tags(self, sender_id: str, tags: str | Iterable[str], by: str) -> ReviewState:
        return marks.set_tags(self.engine, sender_id, tags, by)

    def add_tag(self, sender_id: str, tag: str, by: str) -> ReviewState:
        return marks.add_tag(self.engine, sender_id, tag, by)

    def remove_tag(self, sender_id: str, tag: str, by: str) -> ReviewState:
        return marks.remove_tag(self.engine, sender_id, tag, by)

    def set_note(self, sender_id: str, note: str | None, by: str) -> ReviewState:
        return marks.set_note(self.engine, sender_id, note, by)

    # --- NLU corrections ----------------------------------------------------------------

    @property
    def domain(self) -> Domain:
        if self._domain is None:
            self._domain = load_domain(self.settings.domain_path)
        return self._domain

    def intents(self) -> tuple[str, ...]:
        """Intents staff may choose for a correction (the domain's, without the fallback)."""
        return tuple(intent for intent in self.domain.intents if intent != FALLBACK_INTENT)

    def entity_names(self) -> tuple[str, ...]:
        return self.domain.entities

    def add_correction(
        self,
        text: str,
        intent: str,
        by: str,
        entities: Iterable[Mapping[str, Any]] = (),
        source_sender_id: str | None = None,
        source_event_id: int | None = None,
    ) -> Correction:
        return correction_store.add_correction(
            self.engine,
            text,
            intent,
            entities,
            by,
            self.intents(),
            self.entity_names(),
            source_sender_id=source_sender_id,
            source_event_id=source_event_id,
        )

    def correct_turn(
        self, sender_id: str, event_id: int, intent: str, by: str, entities: Iterable[Mapping[str, Any]] = ()
    ) -> Correction:
        """A correction of one user message of a conversation (found by its tracker event id)."""
        events = [event for event in self.tracker.events_of(sender_id) if event.id == event_id]
        if not events or events[0].type_name != "user":
            raise correction_store.ReviewInputError(staff_text("correction_message_not_found"))
        text = events[0].data.get("text")
        return self.add_correction(
            text if isinstance(text, str) else "",
            intent,
            by,
            entities,
            source_sender_id=sender_id,
            source_event_id=event_id,
        )

    def corrections(self, page: int | None = None, per_page: int = DEFAULT_PER_PAGE) -> Page[Correction]:
        return correction_store.list_corrections(self.engine, page, per_page)

    def delete_correction(self, correction_id: int) -> bool:
        return correction_store.delete_correction(self.engine, correction_id)

    def export_nlu(self) -> NluExport:
        """Every correction as a Rasa NLU YAML file, deduplicated against ``data/nlu/``."""
        return plan_export(
            self.corrections().items,
            existing_examples(self.settings.nlu_dir),
            self.intents(),
        )

    # --- dashboard ----------------------------------------------------------------------

    def dashboard(
        self,
        date_from: date | None = None,
        date_to: date | None = None,
        now: datetime | None = None,
        *,
        include_synthetic: bool = False,
    ) -> Dashboard:
        """The dashboard; synthetic diagnostics (demo-data) count only with ``include_synthetic``."""
        self.refresh()
        return build_dashboard(
            self.engine,
            self.labels,
            self.settings.abandon_after_days,
            self.settings.zone,
            date_from,
            date_to,
            now or self.clock(),
            include_synthetic=include_synthetic,
        )

    # --- exports ------------------------------------------------------------------------

    def diagnostics_csv(self) -> Iterator[str]:
        columns = exports.diagnostic_columns(self.labels)
        return exports.to_csv(exports.diagnostic_records(self.engine, self.labels), columns)

    def diagnostics_json(self) -> Iterator[str]:
        return exports.to_json_array(exports.diagnostic_records(self.engine, self.labels))

    def sender_ids(
        self, filters: ConversationFilters | None = None, now: datetime | None = None
    ) -> list[str]:
        """Every conversation matching the filters, in the list's order."""
        self.refresh()
        filters = filters or ConversationFilters()
        query = ConversationQuery(self.settings.abandon_after_days, self.settings.zone, now or self.clock())
        statement = (
            query.rows().where(*query.where(filters)).order_by(*query.order(filters.sort))
        ).with_only_columns(conversation_queries.summaries.c.sender_id)
        with self.engine.connect() as connection:
            return list(connection.scalars(statement))

    def transcripts_json(self, filters: ConversationFilters | None = None) -> Iterator[str]:
        """The transcripts of the conversations matching the filters (all by default), as JSON."""
        senders = self.sender_ids(filters)
        return exports.to_json_array(
            exports.transcripts(self.tracker, senders, self.settings.confidence_threshold)
        )

    # --- deletion and audit -------------------------------------------------------------

    def delete_conversation(self, sender_id: str, actor: str) -> DeletionReport:
        """Erase one conversation from both stores (logged, audited)."""
        marks.check_sender_id(sender_id)
        return deletion.delete_conversations(self.engine, self.tracker, [sender_id], actor)

    def purge(
        self, older_than: timedelta, actor: str, dry_run: bool = False, now: datetime | None = None
    ) -> DeletionReport:
        """Erase every conversation inactive for ``older_than`` (logged, audited)."""
        return deletion.purge(
            self.engine, self.tracker, older_than, actor, dry_run=dry_run, now=now or self.clock()
        )

    def audit(self, actor: str, action: str, target: str | None = None, details: dict | None = None) -> None:
        """Record a staff operation (e.g. an export download) in the audit log."""
        with self.engine.begin() as connection:
            deletion.record_audit(connection, actor, action, target, details)

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        return deletion.audit_entries(self.engine, limit)
