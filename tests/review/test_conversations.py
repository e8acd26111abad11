"""The conversation list and detail: read model, filters, pagination, search, detail turns."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot.review import ConversationFilters, Review, page_params
from bot.review.tracker import events
from bot.storage.models import Diagnostic
from tests.review.conftest import NOW, SCRIPT, STAFF, Stores, ago, exchange, session_start


def senders(review: Review, **filters) -> list[str]:
    page = review.list_conversations(ConversationFilters(**filters), per_page=200, now=NOW)
    return [item.sender_id for item in page.items]


def summary_of(review: Review, sender_id: str):
    return next(
        item for item in review.list_conversations(per_page=200, now=NOW).items if item.sender_id == sender_id
    )


# --- list -------------------------------------------------------------------------------------


def test_every_conversation_of_both_stores_is_listed_most_recent_first(seeded: Stores) -> None:
    assert senders(seeded.review) == ["dave", "bob", "eve", "sql", "alice", "carol"]


def test_a_summary_joins_the_tracker_and_the_diagnostic(seeded: Stores) -> None:
    alice = summary_of(seeded.review, "alice")
    assert alice.status == "termine" and alice.status_label == "Terminé"
    assert (alice.authority_type, alice.authority_type_label, alice.population) == (
        "commune",
        "Commune",
        12000,
    )
    assert alice.turns == 7  # user messages
    assert (alice.fallbacks, alice.low_confidence, alice.flagged) == (1, 1, 2)
    assert (alice.level, alice.level_label) == (3, "Développement")
    assert alice.recommended_action == "batiments"
    assert alice.recommended_action_label.startswith("Suivre et piloter")
    assert (alice.review_status, alice.tags) == ("a_revoir", ())
    assert alice.started_at == ago(days=20)
    assert alice.last_activity_at - ago(days=20) < timedelta(minutes=11)


def test_statuses_include_abandoned_and_without_diagnostic(seeded: Stores) -> None:
    statuses = {item.sender_id: item.status for item in seeded.review.list_conversations(now=NOW).items}
    assert statuses == {
        "alice": "termine",
        "bob": "en_cours",
        "carol": "abandonne",  # in progress, untouched for 30 days (> 7)
        "dave": "sans_diagnostic",
        "eve": "en_pause",
        "sql": "termine",
    }
    carol = summary_of(seeded.review, "carol")
    assert carol.inactive_days == 29 and carol.current_question_id == "population"


def test_the_abandonment_delay_is_a_setting(seeded: Stores) -> None:
    from dataclasses import replace

    seeded.review.settings = replace(seeded.review.settings, abandon_after_days=1)
    assert senders(seeded.review, status="abandonne") == ["bob", "eve", "carol"]
    seeded.review.settings = replace(seeded.review.settings, abandon_after_days=60)
    assert senders(seeded.review, status="abandonne") == []


def test_an_explicitly_abandoned_diagnostic_gives_way_to_the_new_one(seeded: Stores) -> None:
    # "recommencer": the old diagnostic is archived as abandoned, the new one is shown.
    new_id = seeded.diagnostics.create("alice").id
    alice = summary_of(seeded.review, "alice")
    assert alice.diagnostic_id == new_id and alice.status == "en_cours" and alice.level is None


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"authority_type": "commune"}, ["eve", "alice"]),
        ({"population_min": 5000}, ["bob", "alice"]),
        ({"population_min": 3000, "population_max": 12000}, ["eve", "alice"]),
        ({"status": "termine"}, ["sql", "alice"]),
        ({"status": "sans_diagnostic"}, ["dave"]),
        ({"status": "abandonne"}, ["carol"]),
        ({"min_flagged": 1}, ["alice", "carol"]),
        ({"min_flagged": 2}, ["alice"]),
        ({"level": 3}, ["alice"]),
        ({"action": "feuille_de_route"}, ["sql"]),
        ({"review_status": "a_revoir"}, ["dave", "bob", "eve", "sql", "alice", "carol"]),
        ({"review_status": "relu"}, []),
        ({"date_from": date(2026, 11, 15)}, ["dave", "bob", "eve", "sql"]),
        ({"date_to": date(2026, 11, 5)}, ["alice", "carol"]),
        ({"date_from": date(2026, 11, 5), "date_to": date(2026, 11, 5)}, ["alice"]),
        ({"sender": "ar"}, ["carol"]),
        ({"authority_type": "commune", "status": "termine", "level": 3}, ["alice"]),
    ],
)
def test_filters(seeded: Stores, filters: dict, expected: list[str]) -> None:
    assert senders(seeded.review, **filters) == expected


def test_review_status_and_tag_filters(seeded: Stores) -> None:
    review = seeded.review
    review.mark_reviewed("bob", by=STAFF)
    review.set_tags("alice", "intent manquant, à revoir", by=STAFF)
    review.set_tags("carol", ["Intent manquant"], by=STAFF)
    assert senders(review, review_status="relu") == ["bob"]
    assert senders(review, tag="intent manquant") == ["alice", "carol"]
    assert senders(review, tag="à revoir") == ["alice"]
    assert summary_of(review, "alice").tags == ("intent manquant", "à revoir")
    assert summary_of(review, "bob").review_status == "relu"


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("douze mille", ["alice"]),
        ("INTEROPERABILITE", ["alice"]),  # case and accents ignored
        ("bonjour", ["dave", "alice", "carol"]),
        ("commune bonjour", ["alice"]),  # every word must appear
        ("<script>", ["carol"]),
        ("' OR 1=1 --", ["sql"]),
        ("%", ["sql"]),  # a literal percent sign, not a wildcard
        ("_", ["sql"]),
        ("100%", ["sql"]),
        ("mot_clé", ["sql"]),
        ("motXclé", []),
        ("region", []),  # button payloads are not words people typed
        ("zzz'; DROP TABLE events; --", []),
    ],
)
def test_full_text_search_on_what_users_wrote(seeded: Stores, search: str, expected: list[str]) -> None:
    assert senders(seeded.review, search=search) == expected


def test_sql_like_filter_values_are_plain_values(seeded: Stores) -> None:
    review = seeded.review
    for value in ("' OR 1=1 --", "%", "_", "commune' OR '1'='1", "'; DROP TABLE diagnostics; --"):
        assert senders(review, authority_type=value) == []
        assert senders(review, action=value) == []
        assert senders(review, sender=value) == []
        filters, errors = ConversationFilters.from_query({"status": value, "level": value, "tag": value})
        assert {"status", "level"} <= set(errors) and filters.status is None and filters.level is None
        assert filters.tag is None or senders(review, tag=filters.tag) == []
    with review.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Diagnostic)) == 5
    with review.tracker.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(events)) > 0


def test_filters_from_query_drop_bad_values_with_french_messages() -> None:
    filters, errors = ConversationFilters.from_query(
        {
            "date_from": "2026-11-01",
            "date_to": "hier",
            "population_min": "3 500",
            "population_max": "' OR 1=1 --",
            "status": "termine' --",
            "level": "9",
            "min_flagged": "2",
            "search": "  douze   mille ",
            "tag": "<b>",
            "sort": "incompris",
            "unknown": "x",
        }
    )
    assert filters == ConversationFilters(
        date_from=date(2026, 11, 1),
        population_min=3500,
        min_flagged=2,
        search="douze mille",
        sort="incompris",
    )
    assert set(errors) == {"date_to", "population_max", "status", "level", "tag"}
    assert "AAAA-MM-JJ" in errors["date_to"]
    query = filters.to_query(page=2)
    assert ConversationFilters.from_query(dict(pair.split("=") for pair in query.split("&")))[
        0
    ].date_from == date(2026, 11, 1)
    assert "page=2" in query and "sort=incompris" in query and "date_to" not in query


def test_page_params_are_clamped() -> None:
    assert page_params({}) == (1, 50)
    assert page_params({"page": "3", "per_page": "10"}) == (3, 10)
    assert page_params({"page": "-4", "per_page": "100000"}) == (1, 200)
    assert page_params({"page": "deux", "per_page": "x"}) == (1, 50)


def test_pagination(seeded: Stores) -> None:
    review = seeded.review
    first = review.list_conversations(per_page=4, now=NOW)
    second = review.list_conversations(page=2, per_page=4, now=NOW)
    beyond = review.list_conversations(page=99, per_page=4, now=NOW)
    assert (first.total, first.pages, first.has_next, first.has_previous) == (6, 2, True, False)
    assert [i.sender_id for i in first.items] == ["dave", "bob", "eve", "sql"]
    assert [i.sender_id for i in second.items] == ["alice", "carol"]
    assert (second.first_index, second.last_index, second.has_next) == (5, 6, False)
    assert beyond.page == 2 and beyond.items == second.items


def test_sorts(seeded: Stores) -> None:
    assert senders(seeded.review, sort="anciennes")[:2] == ["carol", "alice"]
    assert senders(seeded.review, sort="incompris")[0] == "alice"
    assert senders(seeded.review, sort="tours")[0] == "alice"


# --- read model -------------------------------------------------------------------------------


def test_refresh_is_incremental(seeded: Stores) -> None:
    review = seeded.review
    review.refresh()
    assert review.refresh().conversations == 0  # nothing new: nothing recomputed
    seeded.rasa.write(
        "dave", exchange("toujours là", "nlu_fallback", "Pardon ?", ago(hours=1), confidence=0.5)
    )
    report = review.refresh()
    assert not report.full and "dave" in set(senders(review, min_flagged=1))
    dave = summary_of(review, "dave")
    assert (dave.turns, dave.fallbacks) == (2, 1)
    seeded.rasa.write(
        "frank", [*session_start(ago(minutes=5)), *exchange("salut", "greet", "Bonjour", ago(minutes=5))]
    )
    assert senders(review)[0] == "frank"


def test_events_committed_late_below_the_mark_are_not_missed(seeded: Stores) -> None:
    # PostgreSQL hands out ids at insert time: a transaction may commit after a later one.
    from sqlalchemy import insert

    review = seeded.review
    review.refresh()
    last = review.tracker.max_id()
    row = {"type_name": "user", "timestamp": NOW.timestamp(), "intent_name": "greet", "action_name": None}
    data = '{"event": "user", "text": "%s", "parse_data": {"intent": {"name": "greet", "confidence": 0.99}}}'
    with review.tracker.engine.begin() as connection:
        connection.execute(
            insert(events), {**row, "id": last + 10, "sender_id": "early", "data": data % "hop"}
        )
    assert "early" in senders(review)
    with review.tracker.engine.begin() as connection:
        connection.execute(insert(events), {**row, "id": last + 5, "sender_id": "late", "data": data % "hep"})
    assert "late" in senders(review)
    assert review.refresh().conversations == 0


def test_a_new_threshold_rebuilds_the_read_model(seeded: Stores) -> None:
    from dataclasses import replace

    review = seeded.review
    assert summary_of(review, "sql").low_confidence == 0
    review.settings = replace(review.settings, confidence_threshold=0.95)
    assert review.refresh().full
    assert summary_of(review, "sql").low_confidence == 1  # "' OR 1=1 --" at 0.9


def test_an_empty_tracker_store_reads_as_empty(stores: Stores, tmp_path) -> None:
    from bot.review import TrackerEvents, make_tracker_engine

    stores.review.tracker = TrackerEvents(make_tracker_engine(f"sqlite:///{tmp_path / 'absent.db'}"))
    assert stores.review.list_conversations(now=NOW).total == 0
    stores.diagnostic("zoe", {"type_collectivite": "commune"})
    assert senders(stores.review) == ["zoe"]


# --- detail -----------------------------------------------------------------------------------


def test_detail_lists_every_turn_in_order(seeded: Stores) -> None:
    detail = seeded.review.conversation_detail("alice", now=NOW)
    assert detail is not None and detail.sender_id == "alice"
    opening, *turns = detail.turns
    assert opening.user is None and "session_started" in opening.markers
    assert [turn.user.text for turn in turns] == [
        "bonjour",
        "oui allons-y",
        "une commune",
        "blablabla zorglub",
        "environ douze mille habitants",
        "c'est quoi l'interopérabilité ?",
        "merci, terminé",
    ]
    assert [turn.index for turn in detail.turns] == list(range(8))
    assert all(a.at <= b.at for a, b in zip(detail.turns, detail.turns[1:], strict=False))
    start = turns[1]
    assert (start.user.intent, start.user.confidence) == ("start_diagnostic", 0.97)
    assert [message.text for message in start.bot_messages] == ["Quel type de collectivité ?"]
    assert start.bot_messages[0].buttons[0].title == "Commune"
    assert start.bot_messages[0].buttons[0].payload == '/answer{"choice": "commune"}'
    assert [action.name for action in start.actions] == ["action_start_diagnostic"]  # not action_listen
    assert [(change.name, change.value) for change in start.slot_changes] == [
        ("question", "type_collectivite")
    ]


def test_detail_flags_fallbacks_and_low_confidence(seeded: Stores) -> None:
    detail = seeded.review.conversation_detail("alice", now=NOW)
    flagged = {turn.user.text: turn.flag for turn in detail.flagged_turns}
    assert flagged == {"blablabla zorglub": "fallback", "c'est quoi l'interopérabilité ?": "low_confidence"}
    fallback = next(turn for turn in detail.turns if turn.flag == "fallback").user
    assert fallback.best_guess == "answer" and fallback.ranking[0] == ("nlu_fallback", 0.5)
    definition = next(turn for turn in detail.turns if turn.flag == "low_confidence").user
    assert [(e.entity, e.value, e.start, e.end) for e in definition.entities] == [
        ("term", "interopérabilité", 14, 30)
    ]


def test_detail_has_the_answers_and_results_beside(seeded: Stores) -> None:
    detail = seeded.review.conversation_detail("alice", now=NOW)
    assert detail.summary is not None and detail.summary.level == 3
    assert detail.diagnostic["status"] == "termine"
    assert detail.diagnostic["maturity"]["overall"]["level"] == 3
    position = seeded.review.questionnaire.position
    assert [(view.position, view.question.id, view.answer.value) for view in detail.answers] == [
        (position("type_collectivite"), "type_collectivite", "commune"),
        (position("population"), "population", 12000),
        (position("strategie_projet_formalise"), "strategie_projet_formalise", "en_partie"),
    ]
    assert [view.position for view in detail.answers] == sorted(view.position for view in detail.answers)
    assert detail.review.status == "a_revoir"


def test_detail_of_conversations_in_one_store_only(seeded: Stores) -> None:
    dave = seeded.review.conversation_detail("dave", now=NOW)
    assert dave.diagnostic is None and dave.answers == () and dave.summary.status == "sans_diagnostic"
    eve = seeded.review.conversation_detail("eve", now=NOW)
    assert eve.turns == () and eve.diagnostic["status"] == "en_pause"
    assert seeded.review.conversation_detail("personne", now=NOW) is None


def test_user_text_is_kept_verbatim_in_the_data_layer(seeded: Stores) -> None:
    detail = seeded.review.conversation_detail("carol", now=NOW)
    assert SCRIPT in [turn.user.text for turn in detail.turns if turn.user]
    flagged = seeded.review.flagged_messages()
    assert SCRIPT in [message.text for message in flagged.items]


def test_flagged_messages_newest_first(seeded: Stores) -> None:
    page = seeded.review.flagged_messages(per_page=2)
    assert (page.total, page.pages) == (3, 2)
    assert [(m.sender_id, m.text, m.kind) for m in page.items] == [
        ("alice", "c'est quoi l'interopérabilité ?", "low_confidence"),
        ("alice", "blablabla zorglub", "fallback"),
    ]
    assert page.items[1].best_guess == "answer"
    last = seeded.review.flagged_messages(page=2, per_page=2)
    assert [(m.sender_id, m.confidence) for m in last.items] == [("carol", 0.55)]
