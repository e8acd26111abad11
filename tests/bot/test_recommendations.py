"""The catalogue of first actions and the recommendation rules (bot/recommendations.py)."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings

from bot.answers import Answer
from bot.questionnaire import NO_CHOICE, default_questionnaire
from bot.recommendations import (
    INITIATIVES_QUESTION,
    RECOMMENDATIONS_PATH,
    Catalogue,
    CatalogueError,
    Condition,
    default_catalogue,
    existing_initiatives,
    load_catalogue,
    rank_actions,
    recommend,
)
from tests.bot.test_scoring import answer_maps, answers

# The reference figures ship with the catalogue (bot/content/domain-facts.md), copied from
# the project's shared reference notes; the copy is checked when the original is beside us.
DOMAIN_FACTS = Path(__file__).resolve().parents[2] / "bot" / "content" / "domain-facts.md"
SHARED_DOMAIN_FACTS = Path(__file__).resolve().parents[3] / "shared" / "reference" / "domain-facts.md"
THEMES = (
    "eclairage_public",
    "batiments",
    "relation_usagers",
    "donnees_ouvertes",
    "eau",
    "dechets",
    "mobilite",
    "participation",
)


def run(**values: Any):
    return recommend(default_catalogue(), default_questionnaire(), answers(**values))


# --- the shipped catalogue ------------------------------------------------------------------


def test_catalogue_loads_with_one_action_per_theme() -> None:
    catalogue = default_catalogue()
    assert isinstance(catalogue, Catalogue)
    assert len(catalogue.actions) >= 8
    assert set(THEMES) <= set(catalogue.codes)
    assert len(set(catalogue.codes)) == len(catalogue.codes)
    themes = default_questionnaire().question(INITIATIVES_QUESTION).choice_codes()
    assert set(THEMES) == set(themes) - {NO_CHOICE}, "the questionnaire's themes changed"
    assert default_catalogue() is catalogue  # cached


def test_every_action_is_complete() -> None:
    for action in default_catalogue().actions:
        for text in (action.title, action.summary, action.first_step, action.default_reason):
            assert text.strip()
        assert "mois prochain" in action.first_step, action.code
        assert action.facts, action.code
        for fact in action.facts:
            assert fact.text.strip() and fact.source.strip(), action.code
        for rule in action.rules:
            assert rule.reason.strip() and rule.points != 0


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("\u202f", " ").replace("\xa0", " "))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _numbers(text: str) -> set[str]:
    """Numbers of a text, thousands separators removed ("3 500", "3,500" → "3500")."""
    text = text.replace("\u202f", " ").replace("\xa0", " ")
    return {re.sub(r"[ ,]", "", n) for n in re.findall(r"\d{1,3}(?:[ ,]\d{3})+(?!\d)|\d+", text)}


# Who published each figure, as domain-facts.md names them (plain, lower case).
PUBLISHERS = (
    "ademe",
    "banque des territoires",
    "cour des comptes",
    "fnccr",
    "francebleu.fr",
    "2019-771",
    "2020-887",
    "bva",
    "2014-1330",
    "essoc",
    "republique numerique",
    "opendatafrance",
    "sareco",
    "r16-509",
    "art. 37",
    "ccag-tic",
    "interoperabilite",
    "smartcitymag.fr",
    "pas 181",
    "y.4904",
    "smart city institute",
)


@pytest.fixture(scope="module")
def domain_facts() -> str:
    return DOMAIN_FACTS.read_text(encoding="utf-8")


def test_the_shipped_reference_is_the_shared_one(domain_facts: str) -> None:
    if SHARED_DOMAIN_FACTS.exists():
        assert domain_facts == SHARED_DOMAIN_FACTS.read_text(encoding="utf-8")


def test_every_fact_is_sourced_from_domain_facts(domain_facts: str) -> None:
    reference = _plain(domain_facts)
    assert all(p in reference for p in PUBLISHERS)
    for action in default_catalogue().actions:
        for fact in action.facts:
            source = _plain(fact.source)
            assert any(p in source for p in PUBLISHERS), f"{action.code}: unknown source {fact.source!r}"


def test_every_figure_quoted_appears_in_domain_facts(domain_facts: str) -> None:
    allowed = _numbers(domain_facts)
    for action in default_catalogue().actions:
        for fact in action.facts:
            invented = _numbers(fact.text) - allowed
            assert not invented, f"{action.code}: {invented} not in domain-facts.md ({fact.text})"


def _facts(code: str) -> list[tuple[str, str]]:
    return [(f.text, f.source) for f in default_catalogue().action(code).facts]


def test_key_figures_keep_their_source() -> None:
    def cited(code: str, figure: str, source: str) -> bool:
        return any(figure in text and source in src for text, src in _facts(code))

    assert cited("eclairage_public", "41 %", "ADEME")
    assert cited("eclairage_public", "800 M€", "Cour des comptes, rapport public annuel 2021")
    assert cited("eclairage_public", "75 %", "FNCCR")
    assert cited("batiments", "40 %", "Décret n° 2019-771")
    assert cited("batiments", "trois quarts", "ADEME")
    assert cited("donnees_ouvertes", "3 500 habitants", "Loi pour une République numérique")
    assert cited("donnees_ouvertes", "16 %", "OpenDataFrance")
    assert cited("relation_usagers", "35 %", "BVA 2022")
    assert cited("dechets", "498 bacs", "Sénat, rapport r16-509")
    assert cited("mobilite", "10 %", "Sareco")


def test_single_cases_are_presented_as_examples() -> None:
    for action in default_catalogue().actions:
        for text, _ in [(f.text, f.source) for f in action.facts]:
            if any(town in text for town in ("Châteauroux", "Grenoble", "Marcoussis")):
                assert text.startswith("Par exemple"), text


# --- invalid catalogues ---------------------------------------------------------------------


def shipped() -> dict[str, Any]:
    return yaml.safe_load(RECOMMENDATIONS_PATH.read_text(encoding="utf-8"))


def write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "recommendations.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def with_rule(rule: dict[str, Any], index: int = 0) -> dict[str, Any]:
    raw = shipped()
    raw["actions"][index]["rules"] = [{**rule, "points": 10, "reason": "Parce que."}]
    return raw


def load_error(tmp_path: Path, raw: dict[str, Any]) -> str:
    path = write(tmp_path, raw)
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path, default_questionnaire())
    message = str(info.value)
    assert str(path) in message
    return message


def test_the_shipped_file_written_back_is_still_valid(tmp_path: Path) -> None:
    assert load_catalogue(write(tmp_path, shipped())) == default_catalogue()


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            {"question": "citoyens_atentes", "contains": "eau"},
            "actions[0] (eclairage_public) › rules[0] : question inconnue « citoyens_atentes »",
        ),
        (
            {"question": "citoyens_attentes", "contains": "lampadaires"},
            "rules[0] : code inconnu « lampadaires » pour citoyens_attentes",
        ),
        ({"question": "donnees_ouverture", "equals": "peut_etre"}, "code inconnu « peut_etre »"),
        ({"question": "type_collectivite", "in": ["commune", "ville"]}, "code inconnu « ville »"),
        (
            {"all": [{"question": "population", "at_least": 3500}, {"question": "agents", "at_least": 50}]},
            "rules[0] › all[1] : question inconnue « agents »",
        ),
        (
            {"not": {"question": "donnees_ouverture", "equals": "ouii"}},
            "rules[0] › not : code inconnu « ouii »",
        ),
        ({"question": "citoyens_attentes", "equals": "eau"}, "utilisez contains"),
        ({"question": "durable_pression_budget", "equals": "5"}, "utilisez at_least ou at_most"),
        ({"question": "donnees_ouverture", "at_least": 3}, "at_least est réservé aux nombres"),
        (
            {"question": "type_collectivite", "contains": "commune"},
            "contains est réservé aux choix multiples",
        ),
        (
            {"question": "durable_pression_budget", "at_least": 6},
            "sort des bornes de durable_pression_budget",
        ),
        ({"question": "infrastructures_initiatives", "count_at_least": 12}, "n'a que 8 choix"),
    ],
)
def test_rules_referencing_unknown_questions_or_codes_fail(
    tmp_path: Path, rule: dict[str, Any], expected: str
) -> None:
    assert expected in load_error(tmp_path, with_rule(rule))


def test_unknown_reference_in_done_if_fails(tmp_path: Path) -> None:
    raw = shipped()
    raw["actions"][2]["done_if"] = {"question": "citoyens_outil", "equals": "oui"}
    assert "actions[2] (relation_usagers) › done_if : question inconnue « citoyens_outil »" in load_error(
        tmp_path, raw
    )


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"question": "donnees_ouverture", "equal": "non"}, "rules[0] › equal : extra fields not permitted"),
        ({"question": "donnees_ouverture"}, "exactement un test"),
        ({"question": "donnees_ouverture", "equals": "non", "in": ["oui"]}, "trouvés : equals, in"),
        ({"equals": "non"}, "doit être accompagné de question"),
        ({}, "une condition doit avoir question, all, any ou not"),
        ({"all": []}, "la liste all ne peut pas être vide"),
        ({"question": "donnees_ouverture", "equals": 3}, "str type expected"),
    ],
)
def test_malformed_rules_fail_with_their_location(
    tmp_path: Path, rule: dict[str, Any], expected: str
) -> None:
    message = load_error(tmp_path, with_rule(rule, index=3))
    assert "actions[3] (donnees_ouvertes) › rules[0]" in message
    assert expected in message


def test_malformed_actions_fail(tmp_path: Path) -> None:
    raw = shipped()
    raw["actions"][1]["facts"] = []
    raw["actions"][4]["facts"][0]["source"] = "  "
    del raw["actions"][5]["first_step"]
    raw["actions"][6]["rules"][0]["points"] = 0
    raw["actions"][6]["rules"][1]["points"] = 2.5
    raw["actions"][7]["base"] = -1
    message = load_error(tmp_path, raw)
    assert "actions[1] (batiments) › facts : chaque action doit citer au moins un chiffre sourcé" in message
    assert "actions[4] (participation) › facts[0] › source" in message
    assert "actions[5] (eau) › first_step : field required" in message
    assert "actions[6] (dechets) › rules[0] › points : une règle à 0 point ne sert à rien" in message
    assert "actions[6] (dechets) › rules[1] › points : value is not a valid integer" in message
    assert "actions[7] (mobilite) › base" in message


def test_duplicate_codes_and_too_small_catalogues_fail(tmp_path: Path) -> None:
    raw = shipped()
    raw["actions"][1]["code"] = "eclairage_public"
    assert "codes d'action en double : eclairage_public" in load_error(tmp_path, raw)
    raw = shipped()
    raw["actions"] = raw["actions"][:2]
    assert "il faut au moins 3 actions" in load_error(tmp_path, raw)


def test_a_catalogue_must_keep_an_action_that_is_always_possible(tmp_path: Path) -> None:
    raw = shipped()
    raw["actions"] = [a for a in raw["actions"] if a["code"] in THEMES]
    assert "au moins une action doit toujours rester possible" in load_error(tmp_path, raw)


def test_unreadable_files_fail(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="impossible de lire"):
        load_catalogue(tmp_path / "absent.yml", default_questionnaire())
    bad = tmp_path / "bad.yml"
    bad.write_text("actions: [\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="n'est pas un YAML valide"):
        load_catalogue(bad, default_questionnaire())
    bad.write_text("- une liste\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="dictionnaire YAML"):
        load_catalogue(bad, default_questionnaire())
    assert issubclass(CatalogueError, ValueError)


# --- conditions --------------------------------------------------------------------------------


def test_conditions_read_unknown_and_skipped_answers_carefully() -> None:
    q = default_questionnaire()
    dont_know = Condition(question="donnees_rgpd", equals="ne_sait_pas")
    assert dont_know.matches(q, answers(donnees_rgpd=None))
    assert not dont_know.matches(q, answers(donnees_rgpd=...))
    assert not dont_know.matches(q, {})
    is_no = Condition(question="donnees_rgpd", equals="non")
    assert not is_no.matches(q, answers(donnees_rgpd=None))
    assert Condition(**{"not": {"question": "donnees_rgpd", "equals": "oui"}}).matches(q, {})
    big = Condition(question="population", at_least=3500)
    assert big.matches(q, answers(population=3500))
    assert not big.matches(q, answers(population=3499))
    assert not big.matches(q, {"population": Answer("population", None, "unknown")})
    assert not big.matches(q, answers(population="beaucoup"))
    assert Condition(question="population", at_most=3499).matches(q, answers(population=200))
    many = Condition(question="infrastructures_initiatives", count_at_least=2)
    assert many.matches(q, answers(infrastructures_initiatives=["eau", "dechets"]))
    assert not many.matches(q, answers(infrastructures_initiatives=["eau"]))
    assert not many.matches(q, answers(infrastructures_initiatives=[NO_CHOICE]))
    either = Condition(**{"any": [{"question": "type_collectivite", "equals": "region"}, dont_know.dict()]})
    assert either.matches(q, answers(type_collectivite="region"))


def test_existing_initiatives() -> None:
    q = default_questionnaire()
    assert existing_initiatives(q, {}) == frozenset()
    assert existing_initiatives(q, answers(infrastructures_initiatives=[NO_CHOICE])) == frozenset()
    assert existing_initiatives(q, answers(infrastructures_initiatives="eau")) == {"eau"}
    assert existing_initiatives(q, answers(infrastructures_initiatives=["eau", "mobilite"])) == {
        "eau",
        "mobilite",
    }


# --- scenarios ---------------------------------------------------------------------------------


def test_a_town_subject_to_open_data_gets_open_data_with_the_legal_reason() -> None:
    result = run(type_collectivite="commune", population=12000, nombre_agents=150, donnees_ouverture="non")
    assert result.top.code == "donnees_ouvertes"
    assert "loi pour une République numérique" in result.top.reasons[0]
    assert any("OpenDataFrance" in f.source for f in result.top.facts)


def test_open_data_stays_high_even_when_another_theme_wins() -> None:
    result = run(
        type_collectivite="commune",
        population=12000,
        nombre_agents=150,
        donnees_ouverture="non",
        citoyens_attentes=["eclairage_public"],
        durable_pression_budget=5,
    )
    assert result.codes[:2] == ("eclairage_public", "donnees_ouvertes")


@pytest.mark.parametrize(
    "values",
    [
        {"population": 3499, "nombre_agents": 150},  # too small
        {"population": 12000, "nombre_agents": 49},  # too few agents
        {"population": 12000},  # agents unknown
    ],
)
def test_the_open_data_obligation_needs_both_thresholds(values: dict[str, int]) -> None:
    ranked = rank_actions(*_ranking_args(donnees_ouverture="non", **values))
    assert ranked[0].code != "donnees_ouvertes"
    open_data = next(a for a in ranked if a.code == "donnees_ouvertes")
    assert not any("République numérique" in r for r in open_data.reasons)


def _ranking_args(**values: Any):
    return default_catalogue(), default_questionnaire(), answers(**values)


def test_an_authority_that_already_publishes_open_data_never_gets_it() -> None:
    result = run(
        population=12000, nombre_agents=150, donnees_ouverture="oui", citoyens_attentes=["donnees_ouvertes"]
    )
    assert "donnees_ouvertes" not in result.codes


def test_lighting_expected_and_energy_pressure_give_lighting_first() -> None:
    result = run(citoyens_attentes=["eclairage_public"], durable_pression_budget=5)
    assert result.top.code == "eclairage_public"
    assert result.top.reasons[:2] == (
        "Vos habitants attendent en priorité une amélioration de l'éclairage public.",
        default_catalogue().action("eclairage_public").rules[1].reason,
    )
    assert result.top.score == 15 + 30 + 25
    assert "batiments" in result.codes  # energy pressure lifts buildings too


def test_an_authority_that_already_has_lighting_never_gets_it() -> None:
    result = run(
        infrastructures_initiatives=["eclairage_public"],
        citoyens_attentes=["eclairage_public"],
        durable_pression_budget=5,
        type_collectivite="commune",
    )
    assert "eclairage_public" not in result.codes
    assert result.top.code == "batiments"


def test_large_buildings_bring_the_decret_tertiaire() -> None:
    result = run(infrastructures_surface_batiments=4000, durable_suivi_consommations="non")
    assert result.top.code == "batiments"
    assert "décret n° 2019-771" in result.top.reasons[0]
    below = {a.code: a for a in rank_actions(*_ranking_args(infrastructures_surface_batiments=999))}
    assert not any("2019-771" in r for r in below["batiments"].reasons)


def test_a_departement_is_not_pushed_towards_public_lighting() -> None:
    result = run(type_collectivite="departement", citoyens_attentes=["eclairage_public"])
    assert result.top.code != "eclairage_public"


def test_an_intercommunalite_is_pointed_to_water_and_waste() -> None:
    result = run(
        type_collectivite="intercommunalite", infrastructures_initiatives=["eclairage_public", "batiments"]
    )
    assert set(result.codes[:2]) == {"eau", "dechets"}


def test_no_strategy_favours_a_visible_quick_win() -> None:
    result = run(strategie_projet_formalise="non")
    assert result.top.code == "eclairage_public"
    assert any("action précise et visible" in r for r in result.top.reasons)
    assert "feuille_de_route" not in result.codes


def test_several_projects_without_a_roadmap_call_for_a_roadmap() -> None:
    result = run(
        infrastructures_initiatives=["eclairage_public", "batiments", "relation_usagers"],
        strategie_projet_formalise="non",
        strategie_services_impliques="en_partie",
    )
    assert result.top.code == "feuille_de_route"


def test_a_missing_dpo_is_flagged() -> None:
    ranked = {a.code: a for a in rank_actions(*_ranking_args(donnees_rgpd="non"))}
    assert "RGPD (article 37)" in ranked["gouvernance_donnees"].reasons[0]


def test_without_answers_the_workshop_themes_come_first_with_a_generic_reason() -> None:
    result = run()
    assert result.codes == ("eclairage_public", "batiments", "relation_usagers")
    catalogue = default_catalogue()
    for action in (result.top, *result.alternatives):
        assert action.reasons == (catalogue.action(action.code).default_reason,)


def test_negative_rules_lower_the_score_but_are_never_shown_as_reasons() -> None:
    ranked = {a.code: a for a in rank_actions(*_ranking_args(type_collectivite="region"))}
    lighting = ranked["eclairage_public"]
    assert lighting.score == 15 - 40
    assert lighting.reasons == (default_catalogue().action("eclairage_public").default_reason,)


def test_when_almost_everything_exists_what_remains_is_returned() -> None:
    everything = answers(infrastructures_initiatives=list(THEMES))
    result = recommend(default_catalogue(), default_questionnaire(), everything)
    assert set(result.codes) == {"gouvernance_donnees", "feuille_de_route"}
    assert len(result.alternatives) == 1
    governed = answers(
        infrastructures_initiatives=list(THEMES),
        donnees_inventaire="oui",
        donnees_marches_interop="oui",
        donnees_rgpd="oui",
    )
    result = recommend(default_catalogue(), default_questionnaire(), governed)
    assert result.codes == ("feuille_de_route",)
    assert result.alternatives == ()
    assert result.to_dict()["alternatives"] == []


def test_to_dict_shape() -> None:
    result = run(citoyens_attentes=["eclairage_public"], durable_pression_budget=5)
    data = json.loads(json.dumps(result.to_dict()))
    assert set(data) == {"codes", "top", "alternatives"}
    assert data["codes"] == list(result.codes)
    assert len(data["alternatives"]) == 2
    fields = {"code", "title", "summary", "first_step", "reasons", "facts", "score"}
    for action in (data["top"], *data["alternatives"]):
        assert set(action) == fields
        assert all(set(fact) == {"text", "source"} for fact in action["facts"])
        assert isinstance(action["reasons"], list) and action["reasons"]
    assert data["top"]["code"] == "eclairage_public" and data["top"]["score"] == 70
    assert [a["code"] for a in data["alternatives"]] == data["codes"][1:]


# --- properties over random answers ------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(answer_maps(default_questionnaire()))
def test_recommendations_never_repeat_or_propose_what_exists(answer_map: dict[str, Answer]) -> None:
    catalogue, questionnaire = default_catalogue(), default_questionnaire()
    result = recommend(catalogue, questionnaire, answer_map)
    existing = existing_initiatives(questionnaire, answer_map)

    assert not set(result.codes) & existing
    assert len(set(result.codes)) == len(result.codes)
    assert 1 <= len(result.codes) <= 3
    assert len(result.codes) == min(3, len(rank_actions(catalogue, questionnaire, answer_map)))
    assert len(result.codes) == 3 or len(existing) >= 4  # only well-equipped authorities get fewer
    if answer_map.get("donnees_ouverture", Answer("", None, "skipped")).value == "oui":
        assert "donnees_ouvertes" not in result.codes
    # deterministic, whatever the order of the answers
    assert recommend(catalogue, questionnaire, answer_map) == result
    assert recommend(catalogue, questionnaire, dict(reversed(list(answer_map.items())))) == result
    # best first, each with reasons and sourced facts
    scores = [a.score for a in (result.top, *result.alternatives)]
    assert scores == sorted(scores, reverse=True)
    for action in (result.top, *result.alternatives):
        assert action.reasons and all(action.reasons)
        assert action.facts
    assert json.loads(json.dumps(result.to_dict()))["codes"] == list(result.codes)
