"""A message made only of answer words is an answer, whatever the classifier thought.

The intent classifier (DIET) learns from examples; a rare answer word it never saw
("pantoute", "130k", a theme synonym) can be taken for another language or for small
talk. The answers themselves are read by ``bot.understanding`` with a vocabulary of
yes / partly / no words, numbers (text2num) and every choice name of the questionnaire:
when a whole short message is made of that vocabulary (``is_bare_answer``), this
component makes ``answer`` the intent, with confidence 1, and keeps the classifier's
ranking below it. Questions ("open data ?"), "je ne sais pas" and commands are left to
the classifier, with one exception: an "answer" that is in fact "I don't know" in the
words the engine recognises (``is_dont_know``: "j'en sais rien du tout") becomes
``dont_know``. Only the classifier's ``answer`` is corrected that way, so that "je sais
pas ce qu'est un DPO" stays a question about a term.

A message without any word (``has_words``: emoji only) gives the classifier nothing to
read, yet it still ranks some intent (a greeting, often); it becomes ``nlu_fallback``, which
the rules send to the answer action: the engine asks for an answer in words.

Usage in config.yml, after the intent classifier and before FallbackClassifier::

    - name: components.answer_vocabulary.AnswerVocabularyClassifier
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.questionnaire import default_questionnaire
from bot.understanding.answers import is_dont_know
from bot.understanding.bare import is_bare_answer
from bot.understanding.text import has_words

ANSWER_INTENT = "answer"
DONT_KNOW_INTENT = "dont_know"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class AnswerVocabularyClassifier(GraphComponent, IntentClassifier):
    """Sets the ``answer`` intent on messages made only of answer vocabulary."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intent": ANSWER_INTENT, "dont_know_intent": DONT_KNOW_INTENT}

    def __init__(self, config: dict[str, Any]) -> None:
        self.intent = config.get("intent", ANSWER_INTENT)
        self.dont_know_intent = config.get("dont_know_intent", DONT_KNOW_INTENT)
        self.questionnaire = default_questionnaire()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AnswerVocabularyClassifier:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            if not has_words(text):
                self._set_first(message, DEFAULT_NLU_FALLBACK_INTENT_NAME)
            elif is_bare_answer(text, self.questionnaire):
                self._set_first(message, self.intent)
            elif (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == self.intent and is_dont_know(text):
                self._set_first(message, self.dont_know_intent)
        return messages

    @staticmethod
    def _set_first(message: Message, intent: str) -> None:
        """Makes ``intent`` certain, the classifier's ranking kept below it."""
        chosen = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != intent]
        message.set(INTENT, chosen, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)
