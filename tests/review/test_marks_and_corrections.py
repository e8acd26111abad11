"""Review marks (reviewed, tags, note), NLU corrections and their export as Rasa YAML."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from bot.review import Correction, Review, ReviewInputError, export_nlu
from bot.review.filters import parse_tags
from bot.review.nlu import EntitySpan, annotate, existing_examples, load_domain, plain_text, plan_export
from bot.settings import REPO_ROOT
from tests.review.conftest import SCRIPT, STAFF, Stores

# --- marks -------------------------------------------------------------------------------------


def test_mark_reviewed_and_back(review: Review) -> None:
    state = review.mark_reviewed("alice", by=STAFF)
    assert state.reviewed and state.reviewed_by == STAFF and state.reviewed_at is not None
    assert (state.status, state.status_label) == ("relu", "Relu")
    state = review.mark_reviewed("alice", by=STAFF, reviewed=False)
    assert not state.reviewed and state.reviewed_at is None and state.status == "a_revoir"


def test_tags_are_normalised_deduplicated_and_replaced(review: Review) -> None:
    state = review.set_tags("alice", " Fallback, à revoir ,fallback,, ", by=STAFF)
    assert state.tags == ("fallback", "à revoir")
    assert review.add_tag("alice", "Question floue", by=STAFF).tags == (
        "fallback",
        "question floue",
        "à revoir",
    )
    assert review.remove_tag("alice", "fallback", by=STAFF).tags == ("question floue", "à revoir")
    assert review.set_tags("alice", [], by=STAFF).tags == ()


@pytest.mark.parametrize("bad", ["<script>", "a" * 51, "x,y;z", "' OR 1=1 --"])
def test_bad_tags_are_refused_in_french(review: Review, bad: str) -> None:
    with pytest.raises(ReviewInputError, match="Étiquette invalide"):
        review.set_tags("alice", bad, by=STAFF)


def test_at_most_twenty_tags() -> None:
    with pytest.raises(ReviewInputError, match="Au plus 20"):
        parse_tags([f"t{i}" for i in range(21)])


def test_note_is_kept_verbatim_and_can_be_removed(review: Review) -> None:
    state = review.set_note("alice", f"  À revoir : {SCRIPT}\nligne 2  ", by=STAFF)
    assert state.note == f"À revoir : {SCRIPT}\nligne 2"
    assert state.note_updated_by == STAFF
    assert review.set_note("alice", "   ", by=STAFF).note is None
    with pytest.raises(ReviewInputError, match="10000"):
        review.set_note("alice", "x" * 10_001, by=STAFF)
    with pytest.raises(ReviewInputError):
        review.set_note("", "note", by=STAFF)


# --- corrections ---------------------------------------------------------------------------------


def test_the_intents_offered_are_the_domains(review: Review) -> None:
    assert "answer" in review.intents() and "nlu_fallback" not in review.intents()
    assert review.entity_names() == ("choice", "term", "subject")


def test_add_correction_with_entities_by_offset_or_fragment(review: Review) -> None:
    text = "c'est quoi  la   télégestion ?"
    by_offset = review.add_correction(
        text, "ask_definition", by=STAFF, entities=[{"entity": "term", "start": 17, "end": 28}]
    )
    assert by_offset.text == "c'est quoi la télégestion ?"  # one line, spaces collapsed
    assert by_offset.entities == (EntitySpan("term", 14, 25),)
    assert by_offset.annotated() == "c'est quoi la [télégestion](term) ?"
    again = review.add_correction(
        "C'EST QUOI LA TÉLÉGESTION ?",
        "ask_definition",
        by=STAFF,
        entities=[{"entity": "term", "text": "TÉLÉGESTION"}],
    )
    assert again.id == by_offset.id  # same text (case aside) and intent: the same correction
    assert review.corrections().total == 1


@pytest.mark.parametrize(
    ("text", "intent", "entities", "message"),
    [
        ("", "answer", [], "vide"),
        ("bonjour", "nlu_fallback", [], "Intention inconnue"),
        ("bonjour", "faire_le_cafe", [], "Intention inconnue"),
        ("/answer{}", "answer", [], "bouton"),
        ("bonjour", "greet", [{"entity": "ville", "text": "bonjour"}], "Entité inconnue"),
        ("bonjour", "greet", [{"entity": "term", "text": "salut"}], "n'apparaît pas"),
        ("bonjour", "greet", [{"entity": "term", "start": 3, "end": 99}], "hors du message"),
        (
            "a b c",
            "answer",
            [{"entity": "term", "start": 0, "end": 3}, {"entity": "term", "start": 2, "end": 5}],
            "chevauchent",
        ),
        ("x" * 2001, "answer", [], "2000"),
    ],
)
def test_bad_corrections_are_refused_in_french(review: Review, text, intent, entities, message) -> None:
    with pytest.raises(ReviewInputError, match=message):
        review.add_correction(text, intent, by=STAFF, entities=entities)


def test_correct_a_turn_of_a_conversation(seeded: Stores) -> None:
    review = seeded.review
    detail = review.conversation_detail("alice")
    fallback = next(turn for turn in detail.turns if turn.flag == "fallback").user
    correction = review.correct_turn("alice", fallback.event_id, "other_language", by=STAFF)
    assert (correction.text, correction.source_sender_id, correction.source_event_id) == (
        "blablabla zorglub",
        "alice",
        fallback.event_id,
    )
    assert review.conversation_detail("alice").corrected_event_ids == {fallback.event_id}
    with pytest.raises(ReviewInputError, match="introuvable"):
        review.correct_turn("bob", fallback.event_id, "answer", by=STAFF)


def _correction(text: str, intent: str, minutes: int = 0, entities=(), id_: int = 1) -> Correction:
    return Correction(
        id=id_,
        text=text,
        intent=intent,
        entities=tuple(entities),
        created_by=STAFF,
        created_at=datetime(2026, 11, 1, tzinfo=timezone.utc) + timedelta(minutes=minutes),
    )


def test_export_is_rasa_nlu_yaml_one_block_per_intent() -> None:
    text = export_nlu(
        [
            _correction("on a des capteurs partout", "answer", id_=1),
            _correction(
                "c'est quoi un capteur", "ask_definition", entities=[EntitySpan("term", 14, 21)], id_=2
            ),
            _correction("oui mais [pas] tout", "answer", id_=3),
            _correction("# pas un commentaire : - non plus", "answer", id_=4),
        ]
    )
    data = yaml.safe_load(text)
    assert data["version"] == "3.1"
    assert [block["intent"] for block in data["nlu"]] == ["answer", "ask_definition"]
    answer_examples = data["nlu"][0]["examples"].splitlines()
    assert answer_examples == [
        "- # pas un commentaire : - non plus",
        "- on a des capteurs partout",
        "- oui mais (pas) tout",  # brackets would be read as an entity annotation
    ]
    assert data["nlu"][1]["examples"] == "- c'est quoi un [capteur](term)\n"


def test_export_is_accepted_by_rasas_reader() -> None:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    text = export_nlu(
        [
            _correction(
                "c'est quoi un capteur", "ask_definition", entities=[EntitySpan("term", 14, 21, "capteur")]
            ),
            _correction(
                "je veux changer le nombre d'habitants",
                "correct_previous",
                id_=2,
                entities=[EntitySpan("subject", 19, 37, "population")],
            ),
            _correction(f"{SCRIPT} 🏙️ « guillemets » \\ fin", "out_of_scope", id_=3),
        ]
    )
    training = RasaYAMLReader().reads(text)
    examples = {message.get("text"): message for message in training.intent_examples}
    assert set(examples) == {
        "c'est quoi un capteur",
        "je veux changer le nombre d'habitants",
        f"{SCRIPT} 🏙️ « guillemets » \\ fin",
    }
    entity = examples["je veux changer le nombre d'habitants"].get("entities")[0]
    assert (entity["entity"], entity["value"], entity["start"], entity["end"]) == (
        "subject",
        "population",
        19,
        37,
    )


def test_export_without_duplicates() -> None:
    existing = existing_examples(REPO_ROOT / "data" / "nlu")
    plan = plan_export(
        [
            _correction("Oui bien sûr", "answer", id_=1),  # already in data/nlu/answers.yml
            _correction("oui bien sûr", "greet", id_=2),  # would contradict the data
            _correction("on verra bien", "answer", minutes=1, id_=3),
            _correction("On verra  bien", "dont_know", minutes=2, id_=4),  # the most recent wins
            _correction("ça dépend", "intent_disparue", id_=5),
        ],
        existing,
        load_domain(REPO_ROOT / "domain.yml").intents,
    )
    assert [(c.text, c.intent) for c in plan.included] == [("On verra  bien", "dont_know")]
    reasons = {skipped.correction.id: skipped.reason for skipped in plan.skipped}
    assert reasons[1].startswith("déjà dans les données")
    assert reasons[2].startswith("contredit les données")
    assert reasons[3].startswith("remplacée")
    assert reasons[5].startswith("intention absente")
    assert plan.yaml.count("- On verra bien") == 1


def test_existing_examples_read_annotations() -> None:
    existing = existing_examples(REPO_ROOT / "data" / "nlu")
    assert existing["c'est quoi l'interopérabilité ?"] == {"ask_definition"}
    assert (
        plain_text('que veut dire [smart city](term) et [x]{"entity": "term"}')
        == "que veut dire smart city et x"
    )


def test_annotate_with_a_normalised_value() -> None:
    spans = [EntitySpan("subject", 19, 37, "population")]
    assert annotate("je veux changer le nombre d'habitants", spans) == (
        'je veux changer le [nombre d\'habitants]{"entity": "subject", "value": "population"}'
    )


def test_review_export_nlu_reads_the_projects_data(review: Review) -> None:
    review.add_correction("ouais carrément", "answer", by=STAFF)
    review.add_correction("oui bien sûr", "answer", by=STAFF)
    export = review.export_nlu()
    assert [c.text for c in export.included] == ["ouais carrément"]
    assert len(export.skipped) == 1
    review.settings = replace(review.settings, nlu_dir=REPO_ROOT / "nowhere")
    assert len(review.export_nlu().included) == 2
    assert review.delete_correction(review.corrections().items[0].id)
    assert review.corrections().total == 1
