"""The authority recognised in the official division: proposed, confirmed, then type and
population skipped (issue 13). The engine runs on a real store with the small fixture division
of tests/authorities/fixture (12 Sainte-Colombe, Uzès, Orange, Sens, the CC Pays d'Uzès…)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.authorities.index import AuthorityIndex
from bot.authorities.lookup import IndexLookup
from bot.dialogue import MAX_HOMONYM_BUTTONS, DiagnosticConversation, Reply
from bot.messages import default_messages
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue
from bot.settings import report_url
from bot.storage import DiagnosticStore
from tests.authorities.packs import fixture_division
from tests.bot.replies import asked, stored

SENDER = "collectivite-test"
SOURCE = "decoupage-administratif 6.0.0"
UZES = "30334"
UZES_GIRONDE = "33390"  # Sainte-Colombe (Gironde)


@pytest.fixture(scope="module")
def lookup(tmp_path_factory: pytest.TempPathFactory) -> IndexLookup:
    return IndexLookup(AuthorityIndex(fixture_division(tmp_path_factory.mktemp("pack"))))


@pytest.fixture
def engine(tmp_path: Path, lookup: IndexLookup) -> DiagnosticConversation:
    return DiagnosticConversation(
        store=DiagnosticStore.from_url(f"sqlite:///{tmp_path / 'd.db'}"),
        questionnaire=default_questionnaire(),
        catalogue=default_catalogue(),
        messages=default_messages(),
        report_url=report_url("http://diag.test"),
        lookup=lookup,
    )


def turn(engine: DiagnosticConversation, text: str, intent: str = "answer") -> list[Reply]:
    """One typed turn as the actions run it: in context first, then the intent's method."""
    replies = engine.in_context(SENDER, text, intent, 0.9)
    if replies is not None:
        return replies
    if intent == "greet":
        return engine.welcome(SENDER)
    return engine.answer(SENDER, text)


def click(engine: DiagnosticConversation, reply: Reply, title: str) -> list[Reply]:
    """A click on the button ``title`` of ``reply``: its payload's choice, as Rasa reads it."""
    payload = dict(reply.buttons)[title]
    assert payload.startswith("/answer{")
    return engine.answer(SENDER, None, choice=json.loads(payload[len("/answer") :])["choice"])


def official(engine: DiagnosticConversation):
    return engine.store.latest_for_sender(SENDER).official


def test_a_commune_named_in_the_first_message_is_confirmed_then_type_and_population_skipped(
    engine,
) -> None:
    replies = turn(engine, "bonjour, je suis DST à Uzès", "greet")
    proposal = replies[-1]
    assert replies[0].text.startswith("Bonjour !") and replies[1].text.startswith("C'est parti")
    assert proposal.text == "Uzès (Gard), 8 519 habitants : c'est bien vous ?"
    assert proposal.buttons == (
        ("Oui", '/answer{"choice": "authority:30334"}'),
        ("Non", '/answer{"choice": "authority:none"}'),
    )
    assert proposal.custom == {
        "type": "confirmation",
        "question_id": "nom_collectivite",
        "candidates": [{"value": "authority:30334", "label": "Uzès (Gard)"}],
    }
    assert stored(engine, SENDER, "source") == {}  # nothing before the person confirms
    assert engine.store.latest_for_sender(SENDER).current_question_id == "nom_collectivite"

    done = click(engine, proposal, "Oui")
    assert done[0].text.startswith("C'est noté : Uzès (Gard), commune de 8 519 habitants")
    assert asked(done) == "nombre_agents"
    assert stored(engine, SENDER, "source") == {
        "nom_collectivite": ("Uzès", SOURCE),
        "type_collectivite": ("commune", SOURCE),
        "population": (8519, SOURCE),
    }
    authority = official(engine)
    assert (authority.code, authority.kind, authority.departement_name, authority.division_version) == (
        UZES, "commune", "Gard", "6.0.0"
    )  # fmt: skip
    assert authority.epci_name == "CC Pays d'Uzès"
    record = engine.store.latest_for_sender(SENDER)
    assert (record.authority_name, record.authority_type, record.population) == ("Uzès", "commune", 8519)


def test_no_to_a_name_from_the_first_message_asks_the_name_as_before(engine) -> None:
    proposal = turn(engine, "Mairie de Sens, bonjour", "greet")[-1]
    assert proposal.text == "Sens (Yonne), 27 106 habitants : c'est bien vous ?"
    replies = click(engine, proposal, "Non")
    assert replies[0].text == "D'accord, ce n'est pas la bonne collectivité."
    assert asked(replies) == "nom_collectivite"
    assert stored(engine, SENDER, "source") == {}
    typed = turn(engine, "Syndicat des eaux du Vidourle")
    assert asked(typed) == "type_collectivite"
    assert stored(engine, SENDER, "source") == {"nom_collectivite": ("Syndicat des eaux du Vidourle", None)}
    assert official(engine) is None


def test_the_name_question_recognises_any_spelling_and_no_keeps_the_name_as_typed(engine) -> None:
    engine.start(SENDER)
    proposal = turn(engine, "mairie d'uzes")[-1]
    assert proposal.text.startswith("Uzès (Gard), 8 519 habitants")
    assert proposal.custom["question_id"] == "nom_collectivite"
    assert stored(engine, SENDER, "source") == {}
    replies = click(engine, proposal, "Non")
    assert replies[0].text == "C'est noté : mairie d'uzes."
    assert asked(replies) == "type_collectivite"  # then type and population, as before
    assert stored(engine, SENDER, "source") == {"nom_collectivite": ("mairie d'uzes", None)}
    assert official(engine) is None
    turn(engine, "une commune")
    assert asked(turn(engine, "8 500")) == "nombre_agents"
    assert stored(engine, SENDER, "source")["population"] == (8500, None)


def test_an_intercommunality_is_recognised_as_such(engine) -> None:
    engine.start(SENDER)
    proposal = turn(engine, "communauté de communes du pays d'Uzès")[-1]
    assert proposal.text.startswith("CC Pays d'Uzès (Gard), ")
    done = click(engine, proposal, "Oui")
    assert "communauté de communes de" in done[0].text
    values = stored(engine, SENDER, "source")
    assert values["type_collectivite"] == ("intercommunalite", SOURCE)
    assert values["population"][1] == SOURCE and values["population"][0] > 8519
    assert official(engine).kind == "CC"


def test_homonyms_are_offered_by_departement(engine) -> None:
    engine.start(SENDER)
    which = turn(engine, "sainte colombe")[-1]
    assert "Plusieurs collectivités s'appellent « Sainte-Colombe »" in which.text
    titles = [title for title, _ in which.buttons]
    assert len(titles) == MAX_HOMONYM_BUTTONS + 1 and titles[-1] == "Aucune de celles-ci"
    assert all(title.startswith("Sainte-Colombe (") for title in titles[:-1])
    assert len(set(titles)) == len(titles)
    assert "Sainte-Colombe (Gironde)" in titles
    assert which.custom["question_id"] == "nom_collectivite" and len(which.custom["candidates"]) == 8
    assert stored(engine, SENDER, "source") == {}
    done = click(engine, which, "Sainte-Colombe (Gironde)")
    assert done[0].text.startswith("C'est noté : Sainte-Colombe (Gironde), commune de")
    assert official(engine).code == UZES_GIRONDE
    assert asked(done) == "nombre_agents"


def test_a_homonym_typed_with_its_departement(engine) -> None:
    engine.start(SENDER)
    turn(engine, "Sainte-Colombe")
    for typed in ("Sainte-Colombe (Gironde)", "sainte colombe 33"):
        proposal = turn(engine, typed)[-1]
        assert proposal.text.startswith("Sainte-Colombe (Gironde), ")
        assert [title for title, _ in proposal.buttons] == ["Oui", "Non"]
    click(engine, proposal, "Oui")
    assert official(engine).code == UZES_GIRONDE


def test_none_of_the_homonyms_keeps_the_name_as_typed(engine) -> None:
    engine.start(SENDER)
    which = turn(engine, "Sainte Colombe")[-1]
    replies = click(engine, which, "Aucune de celles-ci")
    assert asked(replies) == "type_collectivite"
    assert stored(engine, SENDER, "source") == {"nom_collectivite": ("Sainte Colombe", None)}


def test_an_authority_not_in_the_division_gets_the_questions_as_today(engine) -> None:
    engine.start(SENDER)
    replies = turn(engine, "PETR du Pays Midi-Quercy")
    assert replies[0].text == "C'est noté : PETR du Pays Midi-Quercy."
    assert asked(replies) == "type_collectivite"
    assert official(engine) is None
    assert asked(turn(engine, "autre")) == "population"


def test_everyday_words_are_no_authority_outside_the_name_question(engine) -> None:
    for text, intent in (
        ("le réseau d'Orange ne passe pas chez nous", "out_of_scope"),
        ("bonjour", "greet"),
        ("à partir de Mars", "out_of_scope"),
    ):
        assert engine.in_context(SENDER, text, intent, 0.9) is None, text
    assert engine.store.latest_for_sender(SENDER) is None
    engine.start(SENDER)
    engine.skip(SENDER)
    engine.answer(SENDER, "commune")
    # At another question a name after a cue is no proposal: the answer is read as usual.
    replies = turn(engine, "je suis DGS de Sens")
    assert not any(reply.custom and reply.custom.get("type") == "confirmation" for reply in replies)
    assert "population" not in stored(engine, SENDER, "source")


def test_a_greeting_that_names_the_authority_at_the_name_question(engine) -> None:
    engine.start(SENDER)
    replies = turn(engine, "Bonjour, je suis DGS de Sens", "greet")
    assert len(replies) == 1 and replies[0].text.startswith("Sens (Yonne), ")
    click(engine, replies[0], "Oui")
    assert stored(engine, SENDER, "source")["nom_collectivite"] == ("Sens", SOURCE)


def test_skip_still_works_at_the_name_question(engine) -> None:
    engine.start(SENDER)
    replies = engine.skip(SENDER)
    assert asked(replies) == "type_collectivite"
    assert stored(engine, SENDER, "source") == {"nom_collectivite": (None, None)}


def test_a_late_confirmation_click_is_refused(engine) -> None:
    engine.start(SENDER)
    proposal = turn(engine, "Uzès")[-1]
    click(engine, proposal, "Oui")
    late = click(engine, proposal, "Non")
    assert "déjà traitée" in late[0].text and asked(late) == "nombre_agents"
    assert official(engine).code == UZES
    assert asked(engine.start(SENDER)) == "nombre_agents"


def test_correcting_the_name_to_one_not_in_the_division_forgets_the_official_facts(engine) -> None:
    engine.start(SENDER)
    click(engine, turn(engine, "Uzès")[-1], "Oui")
    prompt = engine.correct(SENDER, "nom", "je veux changer le nom de la collectivité")
    assert asked(prompt) == "nom_collectivite"
    replies = turn(engine, "Syndicat mixte du Vidourle")
    assert "corrigée : Syndicat mixte du Vidourle" in replies[0].text
    assert official(engine) is None
    record = engine.store.latest_for_sender(SENDER)
    assert record.authority_name == "Syndicat mixte du Vidourle"
    assert record.revising_question_id is None


def test_without_the_division_the_name_is_kept_as_typed(tmp_path: Path) -> None:
    engine = DiagnosticConversation(
        store=DiagnosticStore.from_url(f"sqlite:///{tmp_path / 'd.db'}"),
        questionnaire=default_questionnaire(),
        catalogue=default_catalogue(),
        messages=default_messages(),
        report_url=report_url("http://diag.test"),
    )
    assert engine.in_context(SENDER, "bonjour, je suis DST à Uzès", "greet", 0.9) is None
    engine.start(SENDER)
    replies = turn(engine, "Uzès")
    assert replies[0].text == "C'est noté : Uzès." and asked(replies) == "type_collectivite"
    refused = engine.answer(SENDER, None, choice="authority:30334")
    assert "déjà traitée" in refused[0].text
    assert stored(engine, SENDER, "source") == {"nom_collectivite": ("Uzès", None)}


def offered(reply: Reply) -> tuple[str, ...]:
    """The choice codes of a reply's buttons (what actions.latest_offer reads in the tracker)."""
    return tuple(json.loads(payload[len("/answer") :])["choice"] for _, payload in reply.buttons)


def typed_after(engine: DiagnosticConversation, proposal: Reply, text: str, intent: str = "answer"):
    """A typed turn right after ``proposal``, its buttons still on screen."""
    replies = engine.in_context(SENDER, text, intent, 0.9, offered=offered(proposal))
    return replies if replies is not None else engine.answer(SENDER, text)


@pytest.mark.parametrize("yes", ["oui", "Oui, c'est bien nous", "ouais"])
def test_yes_typed_instead_of_clicked(engine, yes: str) -> None:
    proposal = turn(engine, "bonjour, je suis DST à Uzès", "greet")[-1]
    replies = typed_after(engine, proposal, yes)
    assert asked(replies) == "nombre_agents"
    assert official(engine).code == UZES


@pytest.mark.parametrize("no", ["non", "Non, pas du tout"])
def test_no_typed_instead_of_clicked(engine, no: str) -> None:
    engine.start(SENDER)
    proposal = turn(engine, "orange")[-1]
    replies = typed_after(engine, proposal, no)
    assert asked(replies) == "type_collectivite"
    assert stored(engine, SENDER, "source") == {"nom_collectivite": ("orange", None)}
    assert official(engine) is None


@pytest.mark.parametrize("departement", ["Gironde", "en gironde", "33", "celle de la Gironde"])
def test_a_homonym_picked_by_typing_its_departement(engine, departement: str) -> None:
    engine.start(SENDER)
    which = turn(engine, "Sainte-Colombe")[-1]
    replies = typed_after(engine, which, departement)
    assert asked(replies) == "nombre_agents"
    assert official(engine).code == UZES_GIRONDE


def test_yes_to_several_homonyms_or_without_a_proposal_is_no_choice(engine) -> None:
    engine.start(SENDER)
    which = turn(engine, "Sainte-Colombe")[-1]
    replies = typed_after(engine, which, "oui")
    assert "pas bien compris" in replies[0].text and asked(replies) == "nom_collectivite"
    assert stored(engine, SENDER, "source") == {} and official(engine) is None
    # A département that none of the buttons has: read as a name, as before.
    replies = typed_after(engine, which, "Finistère")
    assert asked(replies) == "type_collectivite"
    assert stored(engine, SENDER, "source") == {"nom_collectivite": ("Finistère", None)}
    assert official(engine) is None
    assert engine.in_context(SENDER, "oui", "answer", 0.9) is None  # nothing offered


def test_a_homonym_beyond_the_buttons_picked_by_its_departement(engine, lookup) -> None:
    engine.start(SENDER)
    which = turn(engine, "Sainte-Colombe")[-1]
    shown = {label for label, _ in which.buttons}
    homonyms = lookup.find("Sainte-Colombe")
    hidden = [a for a in homonyms if f"Sainte-Colombe ({a.departement_name})" not in shown]
    assert hidden, "the fixture has more Sainte-Colombe than buttons"
    replies = typed_after(engine, which, hidden[0].departement_name)
    assert asked(replies) == "nombre_agents"
    assert official(engine).code == hidden[0].code


def test_a_bare_name_the_classifier_takes_for_small_talk_is_proposed(engine) -> None:
    engine.start(SENDER)
    proposal = engine.in_context(SENDER, "Orange", "out_of_scope", 0.99)
    assert proposal is not None and proposal[0].text.startswith("Orange (Vaucluse), ")
    assert stored(engine, SENDER, "source") == {}
    # "Non": the name as typed, as at the name question.
    replies = click(engine, proposal[0], "Non")
    assert asked(replies) == "type_collectivite"
    assert stored(engine, SENDER, "source") == {"nom_collectivite": ("Orange", None)}

    # Only the exact name: no typo is looked for in such a message ("merci" is not Mercy).
    engine.restart(SENDER)
    assert engine.in_context(SENDER, "Orangee", "out_of_scope", 0.99) is None
    assert engine.in_context(SENDER, "merci", "thank", 0.99) is None
