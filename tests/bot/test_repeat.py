"""A repeat of a finished diagnostic: carried-over profile, the first action's question, the earlier
answer recalled, "Toujours vrai" storing it again (once, under the right question), the export."""

from __future__ import annotations

import pytest

from bot.dialogue import KEEP_CHOICE, DiagnosticConversation, Reply, answer_payload
from bot.progress import FIRST_ACTION_QUESTION
from bot.questionnaire import default_questionnaire
from bot.records import REPEAT_SOURCE
from bot.repeat import start_repeat
from bot.storage import DiagnosticStore
from tests.web.conftest import finished_diagnostic

FIRST = "premiere-fois"
AGAIN = "six-mois-apres"
KEEP = answer_payload(KEEP_CHOICE)


def question_of(replies: list[Reply]) -> Reply:
    return next(
        reply for reply in reversed(replies) if reply.custom and reply.custom.get("type") == "question"
    )


def turn(engine: DiagnosticConversation, text: str | None, choice: str | None = None, question_id=None):
    """What an action does: the context-first reading, then the answer action."""
    with engine.store.turn():
        replies = engine.in_context(
            AGAIN, text or (choice and "/answer"), "answer", 1.0, question_id=question_id
        )
        return replies if replies is not None else engine.answer(AGAIN, text, choice)


@pytest.fixture
def repeat(engine: DiagnosticConversation):
    previous = finished_diagnostic(engine.store, FIRST)
    record = start_repeat(engine.store, engine.questionnaire, previous.public_id, AGAIN)
    assert record is not None
    return previous, record


def test_a_repeat_carries_the_profile_over_and_opens_on_the_first_action(engine, repeat) -> None:
    previous, record = repeat
    store = engine.store
    assert record.previous_diagnostic_id == previous.id
    assert (record.authority_name, record.population, record.respondent_role) == (
        previous.authority_name,
        previous.population,
        previous.respondent_role,
    )
    carried = store.answers(record.id)
    profile = [q.id for q in engine.questionnaire.questions if q.is_profile]
    assert list(carried) == profile
    assert {answer.source for answer in carried.values()} == {REPEAT_SOURCE}
    assert record.current_question_id == FIRST_ACTION_QUESTION

    replies = engine.welcome(AGAIN)
    title = store.result(previous.id)["recommendation"]["top"]["title"]
    assert "profil de votre collectivité" in replies[0].text
    asked = question_of(replies)
    assert asked.custom["question_id"] == FIRST_ACTION_QUESTION
    assert f"« {title} »" in asked.text
    assert [label for label, _ in asked.buttons] == ["Oui", "En partie", "Non", "Je ne sais pas"]


def test_keep_stores_the_previous_value_again_with_its_source(engine, repeat) -> None:
    previous, record = repeat
    store = engine.store
    engine.welcome(AGAIN)
    replies = turn(engine, "en partie")
    assert store.answers(record.id)[FIRST_ACTION_QUESTION].value == "en_partie"

    asked = question_of(replies)
    first_axis = asked.custom["question_id"]
    earlier = store.answers(previous.id)[first_axis]
    assert first_axis == "strategie_projet_formalise"
    label = {"oui": "Oui", "en_partie": "En partie", "non": "Non"}[earlier.value]
    assert f"La dernière fois, vous aviez répondu : {label}." in asked.text
    assert asked.buttons[0] == ("Toujours vrai", KEEP)
    assert asked.custom["previous"] == {"value": earlier.value, "status": "answered", "display": label}

    replies = turn(engine, None, KEEP_CHOICE, question_id=first_axis)
    stored = store.answers(record.id)[first_axis]
    assert (stored.value, stored.status, stored.source, stored.raw_text) == (
        earlier.value,
        "answered",
        REPEAT_SOURCE,
        None,
    )
    assert store.revisions(record.id, first_axis) == []
    assert f"comme la dernière fois : {label}" in replies[0].text
    following = question_of(replies).custom["question_id"]
    assert following == "strategie_portage_politique"

    # The same click again (a double click) is refused: nothing stored under the next question.
    replies = turn(engine, None, KEEP_CHOICE, question_id=first_axis)
    assert "déjà" in replies[0].text
    assert following not in store.answers(record.id)
    assert store.revisions(record.id, first_axis) == []


def test_typed_toujours_vrai_keeps_and_a_new_answer_replaces(engine, repeat) -> None:
    previous, record = repeat
    store = engine.store
    engine.welcome(AGAIN)
    turn(engine, "non")
    turn(engine, "Toujours vrai")  # strategie_projet_formalise, typed
    kept = store.answers(record.id)["strategie_projet_formalise"]
    assert kept.value == store.answers(previous.id)["strategie_projet_formalise"].value
    assert kept.source == REPEAT_SOURCE

    earlier = store.answers(previous.id)["strategie_portage_politique"].value
    changed = "non" if earlier != "non" else "oui"
    turn(engine, changed)
    said = store.answers(record.id)["strategie_portage_politique"]
    assert (said.value, said.source) == (changed, None)


def test_no_keep_button_when_the_earlier_answer_was_skipped_and_a_forced_keep_stores_nothing(engine) -> None:
    store = engine.store
    previous = finished_diagnostic(store, FIRST)
    record = start_repeat(store, engine.questionnaire, previous.public_id, AGAIN)
    store.update_state(record.id, current_question_id="citoyens_outil_lequel")  # skipped last time
    asked = question_of(engine.welcome(AGAIN))
    assert "vous aviez passé cette question" in asked.text
    assert ("Toujours vrai", KEEP) not in asked.buttons
    replies = turn(engine, None, KEEP_CHOICE)
    assert "pas de réponse précédente" in replies[0].text
    assert "citoyens_outil_lequel" not in store.answers(record.id)


def test_finishing_a_repeat_exports_the_link_and_the_progress(engine, repeat) -> None:
    previous, record = repeat
    store = engine.store
    engine.welcome(AGAIN)
    turn(engine, "oui")
    earlier = store.answers(previous.id)
    for _ in engine.questionnaire.questions:
        current = store.get(record.id).current_question_id
        if current is None:
            break
        question = engine.questionnaire.question(current)
        if question.answer_type == "oui_partiel_non":
            turn(engine, "oui")
        elif earlier[current].status == "answered":
            turn(engine, None, KEEP_CHOICE)
        else:
            engine.skip(AGAIN)
    assert store.get(record.id).status == "termine"
    exported = store.export(AGAIN)
    assert exported["previous_diagnostic_id"] == previous.public_id
    progress = exported["progress"]
    then = store.result(previous.id)["maturity"]
    now = store.result(record.id)["maturity"]
    assert progress["overall"]["then"] == then["overall"]["score"]
    assert progress["overall"]["now"] == now["overall"]["score"]
    assert progress["overall"]["delta"] > 0  # every yes / partly / no became yes
    for axis_id, axis in progress["axes"].items():
        assert (axis["then"], axis["now"]) == (then["axes"][axis_id]["score"], now["axes"][axis_id]["score"])
    changed = {change["question_id"] for change in progress["changes"]}
    assert changed == {
        qid for qid, a in store.answers(record.id).items() if qid in earlier and a.value != earlier[qid].value
    }
    assert progress["first_action"]["status"] == "oui" and progress["first_action"]["moved"] is True
    assert store.export(FIRST)["previous_diagnostic_id"] is None and store.export(FIRST)["progress"] is None


def test_only_a_finished_diagnostic_can_be_repeated(engine) -> None:
    store = engine.store
    running = store.create(FIRST)
    assert start_repeat(store, engine.questionnaire, running.public_id, AGAIN) is None
    assert start_repeat(store, engine.questionnaire, "x" * 32, AGAIN) is None
    assert store.latest_for_sender(AGAIN) is None


def test_erasing_the_earlier_diagnostic_unlinks_its_repeat(store: DiagnosticStore) -> None:
    previous = finished_diagnostic(store, FIRST)
    record = start_repeat(store, default_questionnaire(), previous.public_id, AGAIN)
    assert store.delete_sender(FIRST) == 1
    assert store.get(record.id).previous_diagnostic_id is None
    exported = store.export(AGAIN)
    assert (exported["previous_diagnostic_id"], exported["progress"]) == (None, None)
    assert set(store.answers(record.id)) == {q.id for q in default_questionnaire().questions if q.is_profile}


def test_toujours_vrai_typed_outside_a_repeat_is_read_as_usual(engine) -> None:
    engine.start(FIRST)
    with engine.store.turn():
        assert engine.in_context(FIRST, "toujours vrai", "answer", 1.0) is None
    assert engine.in_context("personne", "toujours vrai", "answer", 1.0) is None
    assert engine.store.latest_for_sender("personne") is None
