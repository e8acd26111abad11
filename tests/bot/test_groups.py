"""The group diagnostic's rules (bot/groups.py) on worked examples, with the shipped content."""

from __future__ import annotations

import pytest

from bot.answers import Answer
from bot.groups import (
    ROADMAP_ACTION,
    Divergence,
    Respondent,
    analyse_group,
    answers_by_role,
    blind_spots,
    consolidate,
    divergences,
    group_recommendation,
)
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue, recommend
from bot.scoring import compute_maturity

Q = default_questionnaire()
CATALOGUE = default_catalogue()


def yes_no(**values: str) -> dict[str, Answer]:
    """Answers to oui_partiel_non questions; "ne_sait_pas" is stored with the unknown status."""
    return {
        qid: Answer(qid, value, "unknown" if value == "ne_sait_pas" else "answered")
        for qid, value in values.items()
    }


def reason(divergence: Divergence) -> str:
    return f"désaccord sur {divergence.question_id}"


def test_the_answer_of_a_role_is_the_lower_median_of_its_people() -> None:
    # Three people of the technical services: non (0), oui (100), en_partie (50) -> en_partie.
    people = [
        Respondent("services_techniques", yes_no(strategie_projet_formalise="non")),
        Respondent("services_techniques", yes_no(strategie_projet_formalise="oui")),
        Respondent("services_techniques", yes_no(strategie_projet_formalise="en_partie")),
        # Two finance people: oui and en_partie -> the lower one, en_partie.
        Respondent("finances", yes_no(strategie_projet_formalise="oui")),
        Respondent("finances", yes_no(strategie_projet_formalise="en_partie")),
    ]
    roles = answers_by_role(Q, people)
    assert list(roles) == ["services_techniques", "finances"]
    assert roles["services_techniques"]["strategie_projet_formalise"].value == "en_partie"
    assert roles["finances"]["strategie_projet_formalise"].value == "en_partie"


def test_each_service_counts_once_and_dont_know_is_left_out() -> None:
    roles = {
        "elu": yes_no(strategie_portage_politique="oui", organisation_pilote="ne_sait_pas"),
        "numerique": yes_no(strategie_portage_politique="non", organisation_pilote="ne_sait_pas"),
        "finances": yes_no(strategie_portage_politique="oui", organisation_pilote="oui"),
    }
    merged = consolidate(Q, list(roles.values()))
    # oui, non, oui -> sorted non, oui, oui -> median oui.
    assert merged["strategie_portage_politique"].value == "oui"
    # Only finances gave points: their "oui" is the group's answer.
    assert merged["organisation_pilote"].value == "oui"
    only_unknown = consolidate(Q, [roles["elu"], roles["numerique"]])
    assert only_unknown["organisation_pilote"].status == "unknown"


def test_consolidated_maturity_is_the_maturity_of_the_consolidated_answers() -> None:
    # Strategy axis (weights 2, 1, 1, 1). Roles: A all "oui", B all "non", C all "en_partie".
    ids = ["strategie_projet_formalise", "strategie_portage_politique", "strategie_services_impliques",
           "strategie_premiere_action"]  # fmt: skip
    people = [
        Respondent("direction_generale", yes_no(**dict.fromkeys(ids, "oui"))),
        Respondent("services_techniques", yes_no(**dict.fromkeys(ids, "non"))),
        Respondent("communication", yes_no(**dict.fromkeys(ids, "en_partie"))),
    ]
    analysis = analyse_group(Q, CATALOGUE, people, reason)
    # The median of oui/non/en_partie is en_partie on every question: strategy = 50.
    assert analysis.maturity.axis("strategie").score == 50.0
    assert analysis.role_maturity["direction_generale"].axis("strategie").score == 100.0
    assert analysis.role_maturity["services_techniques"].axis("strategie").score == 0.0
    assert analysis.maturity == compute_maturity(Q, analysis.consolidated)


def test_divergence_is_the_spread_between_roles_from_sixty_points() -> None:
    roles = {
        "elu": yes_no(
            strategie_projet_formalise="oui", strategie_portage_politique="oui", organisation_pilote="oui"
        ),
        "services_techniques": yes_no(
            strategie_projet_formalise="non",
            strategie_portage_politique="en_partie",
            organisation_pilote="ne_sait_pas",
        ),
    }
    found = divergences(Q, roles)
    # oui vs non: 100 -> strong; oui vs en partie: 50 -> not; a single scored role: no spread.
    assert [(d.question_id, d.spread) for d in found] == [("strategie_projet_formalise", 100.0)]
    assert dict(found[0].answers)["services_techniques"].value == "non"
    assert divergences(Q, roles, threshold=50) and len(divergences(Q, roles, threshold=50)) == 2


def test_blind_spots_are_the_questions_most_answered_dont_know() -> None:
    people = [
        Respondent("elu", yes_no(donnees_inventaire="ne_sait_pas", donnees_rgpd="ne_sait_pas")),
        Respondent("finances", yes_no(donnees_inventaire="ne_sait_pas", donnees_rgpd="oui")),
        Respondent("autre", yes_no(donnees_inventaire="non", strategie_projet_formalise="oui")),
    ]
    spots = blind_spots(Q, people)
    assert [(s.question_id, s.unknown, s.answered) for s in spots] == [
        ("donnees_inventaire", 2, 3),
        ("donnees_rgpd", 1, 2),
    ]
    assert blind_spots(Q, people, limit=1)[0].question_id == "donnees_inventaire"


def test_strong_divergence_on_strategy_and_organisation_recommends_the_shared_roadmap() -> None:
    roles = {
        "elu": yes_no(strategie_projet_formalise="oui", organisation_pilote="oui"),
        "numerique": yes_no(strategie_projet_formalise="non", organisation_pilote="non"),
    }
    merged = consolidate(Q, list(roles.values()))
    found = divergences(Q, roles)
    result = group_recommendation(CATALOGUE, Q, merged, found, reason)
    assert result.top.code == ROADMAP_ACTION
    assert result.top.reasons == (
        "désaccord sur strategie_projet_formalise",
        "désaccord sur organisation_pilote",
    )
    assert ROADMAP_ACTION not in [a.code for a in result.alternatives]
    assert len(result.alternatives) == 2


@pytest.mark.parametrize(
    "numerique",
    [
        # One strategic divergence only.
        {"strategie_projet_formalise": "non", "organisation_pilote": "oui"},
        # Divergences elsewhere (data), none on strategy or organisation.
        {"strategie_projet_formalise": "oui", "organisation_pilote": "oui", "donnees_rgpd": "non"},
    ],
)
def test_otherwise_the_consolidated_recommendation(numerique: dict[str, str]) -> None:
    roles = {
        "elu": yes_no(strategie_projet_formalise="oui", organisation_pilote="oui", donnees_rgpd="oui"),
        "numerique": yes_no(**numerique),
    }
    merged = consolidate(Q, list(roles.values()))
    result = group_recommendation(CATALOGUE, Q, merged, divergences(Q, roles), reason)
    assert result == recommend(CATALOGUE, Q, merged)


def test_a_group_without_respondents_has_no_result() -> None:
    with pytest.raises(ValueError):
        analyse_group(Q, CATALOGUE, [], reason)
