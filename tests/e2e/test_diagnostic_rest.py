"""Whole diagnostics through the REST channel, with typed French answers."""

from __future__ import annotations

import pytest

from bot.answers import Answer
from bot.questionnaire import default_questionnaire
from bot.scoring import compute_maturity
from tests.e2e.conftest import Servers, question_of, result_of, texts

pytestmark = pytest.mark.e2e

# What a DST of a 12,000-inhabitant commune types, question by question,
# and the value that must be stored.
TYPED_ANSWERS: dict[str, tuple[str, object]] = {
    "nom_collectivite": ("Saint-Martin-sur-Loire", "Saint-Martin-sur-Loire"),  # not in the division
    "type_collectivite": ("une commune", "commune"),
    "population": ("environ douze mille habitants", 12000),
    "nombre_agents": ("à peu près 180 agents", 180),
    "role_repondant": ("je suis DST", "direction_technique"),
    "strategie_projet_formalise": ("on a commencé mais rien n'est formalisé", "en_partie"),
    "strategie_portage_politique": ("oui, c'est l'adjointe au numérique", "oui"),
    "strategie_services_impliques": ("pas vraiment", "non"),
    "strategie_premiere_action": ("non", "non"),
    "citoyens_attentes": ("du stationnement plus simple et un meilleur éclairage la nuit",
                          ["eclairage_public", "mobilite"]),
    "citoyens_besoins_connus": ("oui, une enquête en 2023", "oui"),
    "citoyens_outil_unique": ("non", "non"),
    "citoyens_outil_lequel": ("une application de signalement", "une application de signalement"),
    "citoyens_communication": ("en partie", "en_partie"),
    "citoyens_participation": ("oui, on a un budget participatif", "oui"),
    "donnees_inventaire": ("pas du tout", "non"),
    "donnees_ouverture": ("non", "non"),
    "donnees_outils_ouverts": ("je ne sais pas", "ne_sait_pas"),
    "donnees_marches_interop": ("non, jamais", "non"),
    "donnees_rgpd": ("oui, mutualisé avec l'agglo", "oui"),
    "organisation_pilote": ("oui", "oui"),
    "organisation_competences": ("un peu", "en_partie"),
    "organisation_formation": ("non", "non"),
    "infrastructures_initiatives": ("des LED et la télérelève de l'eau", ["eclairage_public", "eau"]),
    "infrastructures_patrimoine_connu": ("en partie", "en_partie"),
    "infrastructures_surface_batiments": ("environ 8 000 m²", 8000),
    "infrastructures_reseaux": ("oui", "oui"),
    "durable_suivi_consommations": ("partiellement", "en_partie"),
    "durable_pression_budget": ("4", 4),
    "durable_financement": ("non", "non"),
    "durable_evaluation": ("non", "non"),
}


def answer_until_done(servers: Servers, sender: str, messages: list[dict], stop_before: str | None = None):
    """Answers every question asked, in order; returns the last messages."""
    for _ in range(len(TYPED_ANSWERS) + 5):
        question = question_of(messages)
        if question is None or question["question_id"] == stop_before:
            return messages
        typed, _ = TYPED_ANSWERS[question["question_id"]]
        messages = servers.say(sender, typed)
    raise AssertionError("the diagnostic did not end")


def test_the_questionnaire_of_the_test_is_complete() -> None:
    assert set(TYPED_ANSWERS) == {q.id for q in default_questionnaire().questions}


def test_a_complete_diagnostic_with_typed_answers(servers: Servers, sender: str) -> None:
    welcome = servers.say(sender, "Bonjour")
    assert "autodiagnostic" in texts(welcome)
    first = servers.say(sender, "on commence")
    question = question_of(first)
    assert question is not None
    assert (question["question_id"], question["position"]) == ("nom_collectivite", 1)
    assert question["total"] == len(TYPED_ANSWERS)
    second = servers.say(sender, TYPED_ANSWERS["nom_collectivite"][0])
    question = question_of(second)
    assert (question["question_id"], question["position"]) == ("type_collectivite", 2)
    assert {"value": "commune", "label": "Commune"} in question["choices"]
    assert second[-1]["buttons"], "a closed question offers quick replies"

    last = answer_until_done(servers, sender, second)
    result = result_of(last)
    assert result is not None, texts(last)
    assert "Première action recommandée" in texts(last)

    exported = servers.export(sender)
    assert exported["status"] == "termine"
    for question_id, (typed, expected) in TYPED_ANSWERS.items():
        stored = exported["answers"][question_id]
        assert stored["value"] == expected, question_id
        assert stored["raw_text"] == typed
    assert exported["answers"]["donnees_outils_ouverts"]["status"] == "unknown"
    assert exported["profile"]["population"] == 12000
    assert exported["profile"]["type_collectivite"] == "commune"

    # The stored maturity is the one the scoring gives on the stored answers.
    answers = {
        qid: Answer(qid, item["value"], item["status"], item["raw_text"])
        for qid, item in exported["answers"].items()
    }
    expected = compute_maturity(default_questionnaire(), answers).to_dict()
    assert exported["maturity"] == expected
    # Stratégie: formalisé en partie (50, poids 2), portage oui (100), services non, 1re action non.
    assert exported["maturity"]["axes"]["strategie"]["score"] == 40.0
    assert result["maturity"] == expected

    codes = exported["recommendations"]
    assert len(codes) == 3 and len(set(codes)) == 3
    assert codes == result["recommendations"]
    # They already have LED lighting and smart water meters: never recommended.
    assert not {"eclairage_public", "eau"} & set(codes)


def test_stop_half_way_and_resume_later(servers: Servers, sender: str) -> None:
    servers.say(sender, "bonjour")
    messages = servers.say(sender, "commencer")
    messages = answer_until_done(servers, sender, messages, stop_before="citoyens_attentes")
    assert question_of(messages)["question_id"] == "citoyens_attentes"
    paused = servers.say(sender, "je reprendrai plus tard")
    assert "enregistrées" in texts(paused)
    assert servers.export(sender)["status"] == "en_pause"

    back = servers.say(sender, "Bonjour, me revoilà")
    assert "Bon retour" in texts(back)
    assert question_of(back)["question_id"] == "citoyens_attentes"
    last = answer_until_done(servers, sender, back)
    assert result_of(last) is not None
    exported = servers.export(sender)
    assert exported["status"] == "termine"
    assert exported["answers"]["strategie_projet_formalise"]["value"] == "en_partie"
    assert exported["answers"]["citoyens_attentes"]["value"] == ["eclairage_public", "mobilite"]


def test_change_an_earlier_answer(servers: Servers, sender: str) -> None:
    servers.say(sender, "bonjour")
    messages = servers.say(sender, "commencer")
    messages = answer_until_done(servers, sender, messages, stop_before="nombre_agents")
    correction = servers.say(sender, "je me suis trompé à la question d'avant")
    assert question_of(correction)["question_id"] == "population"
    corrected = servers.say(sender, "quinze mille")
    assert "corrigée" in texts(corrected)
    assert question_of(corrected)["question_id"] == "nombre_agents", "back to where we were"
    exported = servers.export(sender)
    population = exported["answers"]["population"]
    assert population["value"] == 15000
    assert [r["value"] for r in population["revisions"]] == [12000]
    assert exported["profile"]["population"] == 15000
