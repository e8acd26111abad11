"""The conversation engine on a real store, questionnaire, catalogue and phrases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.dialogue import DiagnosticConversation, Reply
from bot.messages import default_messages
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue
from bot.settings import report_url
from bot.storage import DiagnosticStore
from tests.bot.replies import asked

SENDER = "mairie-test"


def joined(replies: list[Reply]) -> str:
    return "\n".join(reply.text for reply in replies)


def answers_of(engine: DiagnosticConversation) -> dict:
    record = engine.store.latest_for_sender(SENDER)
    return engine.store.answers(record.id)


def test_welcome_then_start_asks_the_first_question_with_its_payload(engine) -> None:
    welcome = engine.welcome(SENDER)
    assert asked(welcome) is None
    assert welcome[-1].buttons == (("Commencer le diagnostic", "/start_diagnostic"),)
    replies = engine.start(SENDER)
    first = replies[-1].custom
    assert first["question_id"] == "nom_collectivite"
    assert (first["position"], first["answer_type"], first["optional"]) == (1, "texte", True)
    assert replies[-1].buttons == (("Passer", "/skip"),)
    replies = engine.skip(SENDER)
    payload = replies[-1].custom
    assert payload["question_id"] == "type_collectivite"
    assert payload["position"] == 2
    assert payload["total"] == len(default_questionnaire().questions)
    assert payload["answer_type"] == "choix" and payload["multiple"] is False
    assert payload["axis"] is None
    assert [c["value"] for c in payload["choices"]][:2] == ["commune", "intercommunalite"]
    assert ("Commune", '/answer{"choice": "commune"}') in replies[-1].buttons


def test_an_answer_is_stored_at_once_and_the_next_question_asked(engine) -> None:
    engine.start(SENDER)
    replies = engine.answer(SENDER, "Cahors")
    assert "C'est noté : Cahors." in joined(replies)
    assert asked(replies) == "type_collectivite"
    replies = engine.answer(SENDER, "une commune")
    assert "C'est noté : Commune." in joined(replies)
    assert asked(replies) == "population"
    stored = answers_of(engine)["type_collectivite"]
    assert (stored.value, stored.status, stored.raw_text) == ("commune", "answered", "une commune")


def test_a_button_stores_the_same_value_as_typing(engine) -> None:
    engine.start(SENDER)
    engine.skip(SENDER)
    engine.answer(SENDER, None, choice="intercommunalite")
    stored = answers_of(engine)["type_collectivite"]
    assert stored.value == "intercommunalite"
    assert stored.raw_text == "Intercommunalité"


def test_why_and_glossary_come_back_to_the_question(engine) -> None:
    engine.start(SENDER)
    why = engine.explain(SENDER)
    assert why[0].text.startswith("Pourquoi cette question ?")
    assert "découpage administratif officiel" in why[0].text
    assert asked(why) == "nom_collectivite"
    definition = engine.define(SENDER, "interopérabilité", "c'est quoi l'interopérabilité ?")
    assert "échanger des données" in definition[0].text
    assert asked(definition) == "nom_collectivite"
    unknown = engine.define(SENDER, None, "c'est quoi un zorglub ?")
    assert "pas de définition" in unknown[0].text
    assert answers_of(engine) == {}


def test_two_failures_offer_buttons_and_skip_without_looping(engine) -> None:
    engine.start(SENDER)
    engine.skip(SENDER)  # the name is optional
    engine.answer(SENDER, "commune")
    first = engine.answer(SENDER, "beaucoup")
    assert "pas bien compris" in first[0].text and asked(first) == "population"
    assert not first[-1].buttons
    second = engine.answer(SENDER, "vraiment beaucoup")
    assert "choisir une des réponses" in second[0].text
    assert [title for title, _ in second[-1].buttons] == ["Je ne sais pas", "Passer"]
    assert "population" not in answers_of(engine)


def test_dont_know_and_skip_are_stored_as_coverage(engine) -> None:
    engine.start(SENDER)
    engine.skip(SENDER)
    engine.answer(SENDER, "commune")
    engine.dont_know(SENDER, "aucune idée")
    answers = answers_of(engine)
    assert answers["nom_collectivite"].status == "skipped"
    assert answers["population"].status == "unknown" and answers["population"].value is None


def test_correcting_the_previous_answer_keeps_a_revision_and_comes_back(engine) -> None:
    engine.start(SENDER)
    engine.answer(SENDER, "Cahors")
    engine.answer(SENDER, "commune")
    engine.answer(SENDER, "12 000")
    prompt = engine.correct(SENDER, None, "je me suis trompé à la question d'avant")
    assert asked(prompt) == "population"
    assert "12 000 habitants" in prompt[0].text
    done = engine.answer(SENDER, "quinze mille")
    assert "corrigée : 15 000 habitants" in joined(done)
    assert asked(done) == "nombre_agents"
    record = engine.store.latest_for_sender(SENDER)
    assert [r.value for r in engine.store.revisions(record.id, "population")] == [12000]


def test_correcting_a_named_answer(engine) -> None:
    engine.start(SENDER)
    engine.answer(SENDER, "Cahors")
    engine.answer(SENDER, "commune")
    engine.answer(SENDER, "12 000")
    prompt = engine.correct(SENDER, "type de collectivité", "je veux changer le type de collectivité")
    assert asked(prompt) == "type_collectivite"
    engine.answer(SENDER, "une agglo")
    assert answers_of(engine)["type_collectivite"].value == "intercommunalite"


def test_pause_and_resume_where_we_stopped(engine) -> None:
    engine.start(SENDER)
    engine.answer(SENDER, "Cahors")
    paused = engine.pause(SENDER)
    assert "question 2 sur" in paused[0].text
    assert engine.store.latest_for_sender(SENDER).status == "en_pause"
    back = engine.welcome(SENDER)
    assert back[0].text.startswith("Bon retour")
    assert asked(back) == "type_collectivite"
    assert engine.store.latest_for_sender(SENDER).status == "en_cours"


@pytest.mark.parametrize("finished", [False, True])
def test_turns_that_need_a_diagnostic_under_way_store_nothing_without_one(engine, finished) -> None:
    if finished:
        engine.start(SENDER)
        engine.store.update_state(engine.store.latest_for_sender(SENDER).id, status="termine")
    say = default_messages().say
    assert joined(engine.explain(SENDER)) == say("why_no_question")
    assert joined(engine.pause(SENDER)) == say("goodbye")
    welcome = joined(engine.welcome(SENDER))
    for turn in (
        engine.skip(SENDER),
        engine.dont_know(SENDER, "je sais pas"),
        engine.correct(SENDER, None, None),
    ):
        assert joined(turn) == welcome
    record = engine.store.latest_for_sender(SENDER)
    if finished:
        assert record.status == "termine" and answers_of(engine) == {}
    else:
        assert record is None


def test_restart_archives_the_current_diagnostic(engine) -> None:
    engine.start(SENDER)
    engine.answer(SENDER, "commune")
    old = engine.store.latest_for_sender(SENDER)
    replies = engine.restart(SENDER)
    assert "archivées" in replies[0].text and asked(replies) == "nom_collectivite"
    assert engine.store.get(old.id).status == "abandonne"
    assert answers_of(engine) == {}


def test_a_complete_diagnostic_ends_with_the_result(engine) -> None:
    questionnaire = default_questionnaire()
    engine.start(SENDER)
    replies: list[Reply] = []
    for question in questionnaire.questions:
        if question.answer_type == "oui_partiel_non":
            replies = engine.answer(SENDER, "oui")
        elif question.answer_type == "nombre":
            replies = engine.answer(SENDER, "5000")
        elif question.answer_type == "echelle":
            replies = engine.answer(SENDER, "5")
        elif question.answer_type == "texte":
            replies = engine.skip(SENDER)
        else:
            replies = engine.answer(SENDER, None, choice=question.options()[0][0])
    result = replies[-1].custom
    assert result["type"] == "result"
    record = engine.store.latest_for_sender(SENDER)
    assert result["report_url"] == f"http://diag.test/rapport/{record.public_id}"
    assert result["report_url"] in replies[-1].text
    assert result["maturity"]["overall"]["level"] is not None
    assert len(result["recommendations"]) == 3
    # eclairage_public, the first choice, was declared as existing.
    assert "eclairage_public" not in result["recommendations"]
    text = joined(replies)
    assert "Niveau de maturité" in text and "Première action recommandée" in text
    assert "source :" in text
    record = engine.store.latest_for_sender(SENDER)
    assert record.status == "termine" and record.completed_at is not None
    assert engine.store.result(record.id)["recommendation"]["codes"] == result["recommendations"]
    assert engine.answer(SENDER, "oui")[0].text.startswith("Votre diagnostic est terminé")


def test_bad_input_is_refused_and_nothing_is_stored(engine) -> None:
    engine.start(SENDER)
    engine.skip(SENDER)
    engine.answer(SENDER, "commune")
    bad_inputs = ["", "   ", "x" * 10_000, "😀😀", "<script>alert(1)</script>",
                  "<b>oui</b><img src=x onerror=alert(1)>", "1 OR 1=1; SELECT * FROM diagnostics"]
    for bad in bad_inputs:
        replies = engine.answer(SENDER, bad)
        assert asked(replies) == "population", bad
    assert set(answers_of(engine)) == {"type_collectivite", "nom_collectivite"}


def test_off_topic_that_is_an_answer_is_accepted(engine) -> None:
    engine.start(SENDER)
    engine.skip(SENDER)
    replies = engine.off_script(SENDER, "une commune", "off_topic")
    assert answers_of(engine)["type_collectivite"].value == "commune"
    assert asked(replies) == "population"
    refused = engine.off_script(SENDER, "What is the weather?", "other_language")
    assert refused[0].text.startswith("Je ne comprends que le français")


def test_a_foreign_looking_name_answers_a_free_text_question(engine) -> None:
    engine.start(SENDER)
    off_topic = engine.off_script(SENDER, "j'ai faim", "off_topic")
    assert asked(off_topic) == "nom_collectivite"
    question = engine.off_script(SENDER, "Where am I?", "other_language")
    assert question[0].text.startswith("Je ne comprends que le français")
    assert "nom_collectivite" not in answers_of(engine)
    replies = engine.off_script(SENDER, "Ville de rasa-webchat", "other_language")
    assert answers_of(engine)["nom_collectivite"].value == "Ville de rasa-webchat"
    assert asked(replies) == "type_collectivite"


def test_a_dead_store_raises_for_the_action_to_apologise(tmp_path: Path) -> None:
    broken = DiagnosticConversation(
        store=DiagnosticStore.from_url(f"sqlite:///{tmp_path / 'd.db'}"),
        questionnaire=default_questionnaire(),
        catalogue=default_catalogue(),
        messages=default_messages(),
        report_url=report_url("http://diag.test"),
    )
    (tmp_path / "d.db").unlink()
    (tmp_path / "d.db").mkdir()  # the file is now a folder: every access fails
    broken.store.engine.dispose()
    with pytest.raises(OperationalError):
        broken.start(SENDER)


def test_an_ambiguous_answer_asks_which_and_stores_nothing_until_confirmed(engine) -> None:
    engine.start(SENDER)
    engine.skip(SENDER)
    replies = engine.answer(SENDER, "une commune et une interco")
    assert "voulez-vous dire « Commune » ou « Intercommunalité »" in replies[0].text
    assert replies[0].buttons == (
        ("Commune", '/answer{"choice": "commune"}'),
        ("Intercommunalité", '/answer{"choice": "intercommunalite"}'),
    )
    assert replies[0].custom["question_id"] == "type_collectivite"
    assert set(answers_of(engine)) == {"nom_collectivite"}  # skipped
    engine.answer(SENDER, None, choice="intercommunalite")
    assert answers_of(engine)["type_collectivite"].value == "intercommunalite"


def test_an_ambiguous_number_offers_each_reading(engine) -> None:
    engine.start(SENDER)
    engine.skip(SENDER)
    engine.answer(SENDER, "commune")
    replies = engine.answer(SENDER, "12 000 habitants et 50 agents")
    assert [title for title, _ in replies[0].buttons] == ["12 000 habitants", "50 habitants"]
    engine.answer(SENDER, None, choice="12000")
    assert answers_of(engine)["population"].value == 12000
