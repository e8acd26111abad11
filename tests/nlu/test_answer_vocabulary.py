"""A message made only of answer vocabulary is an answer (components/answer_vocabulary.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.questionnaire import default_questionnaire
from bot.understanding.bare import is_bare_answer
from bot.understanding.text import has_words

QUESTIONNAIRE = default_questionnaire()


@pytest.mark.parametrize(
    "text",
    [
        "ouais",
        "non non",
        "pas du tout",
        "bof",
        "en partie",
        "parfois",
        "jamais",
        "que nenni",
        "euh non",
        "12 000",
        "environ 4 500 habitants",
        "deux mille",
        "45k",
        "une vingtaine",
        "les écoles",
        "la comcom",
        "éclairage et stationnement",
        "Direction générale",
        "DST",
        "intercommunalité",
    ],
)
def test_bare_answers(text: str) -> None:
    assert is_bare_answer(text, QUESTIONNAIRE)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "bonjour",
        "merci",
        "au revoir",
        "je ne sais pas",
        "aucune idée",
        "pas sûr",
        "passer",
        "je veux pas",
        "recommencer",
        "pause",
        "aide",
        "open data ?",
        "c'est quoi l'open data",
        "pourquoi ?",
        "le stationnement c'est quoi",
        "a+ l'assistant",
        "oui mais je voudrais d'abord savoir pourquoi vous demandez ça",
        '/answer{"choice": "oui"}',
        "hello",
        "ok",
    ],
)
def test_not_bare_answers(text: str) -> None:
    assert not is_bare_answer(text, QUESTIONNAIRE)


@settings(deadline=None, max_examples=150)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
def test_never_raises(text: str) -> None:
    assert is_bare_answer(text, QUESTIONNAIRE) in (True, False)


def _component(tmp_path):
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from components.answer_vocabulary import AnswerVocabularyClassifier

    return AnswerVocabularyClassifier.create(
        AnswerVocabularyClassifier.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("vocabulary"),
        ExecutionContext(graph_schema=None, node_name="vocabulary"),
    )


def _classified(text: str, *ranking: tuple[str, float]):
    from rasa.shared.nlu.training_data.message import Message

    message = Message.build(text=text)
    message.set("intent", {"name": ranking[0][0], "confidence": ranking[0][1]})
    message.set("intent_ranking", [{"name": name, "confidence": conf} for name, conf in ranking])
    return message


def test_the_component_sets_the_answer_intent_first(tmp_path) -> None:
    component = _component(tmp_path)
    bare = _classified("niet", ("other_language", 0.7), ("answer", 0.2))
    other = _classified("bonjour tout le monde", ("greet", 0.9))
    component.process([bare, other])
    assert bare.get("intent") == {"name": "answer", "confidence": 1.0}
    assert [r["name"] for r in bare.get("intent_ranking")] == ["answer", "other_language"]
    assert other.get("intent") == {"name": "greet", "confidence": 0.9}


def test_an_answer_saying_i_dont_know_becomes_dont_know(tmp_path) -> None:
    component = _component(tmp_path)
    unknown = _classified("j'en sais rien du tout", ("answer", 0.9), ("dont_know", 0.1))
    component.process([unknown])
    assert unknown.get("intent") == {"name": "dont_know", "confidence": 1.0}
    assert [r["name"] for r in unknown.get("intent_ranking")] == ["dont_know", "answer"]


def test_a_question_about_a_term_is_not_turned_into_dont_know(tmp_path) -> None:
    component = _component(tmp_path)
    question = _classified("je sais pas ce qu'est un dpo", ("ask_definition", 0.8), ("dont_know", 0.2))
    answer = _classified("oui, entièrement", ("answer", 0.95))
    component.process([question, answer])
    assert question.get("intent") == {"name": "ask_definition", "confidence": 0.8}
    assert answer.get("intent")["name"] == "answer"


def test_a_message_without_words_is_not_understood(tmp_path) -> None:
    component = _component(tmp_path)
    emoji = _classified("😀🎉👍", ("greet", 0.45), ("thank", 0.3))
    sms = _classified("@+", ("goodbye", 0.8))
    component.process([emoji, sms])
    assert emoji.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert [r["name"] for r in emoji.get("intent_ranking")] == ["nlu_fallback", "greet", "thank"]
    assert sms.get("intent") == {"name": "goodbye", "confidence": 0.8}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("😀🎉👍", False),
        ("  🙏 ", False),
        ("", False),
        ("@+", True),
        (":)", True),
        ("oui 👍", True),
        ("١٢", True),
    ],
)
def test_has_words(text: str, expected: bool) -> None:
    assert has_words(text) is expected
