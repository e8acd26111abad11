"""The questionnaire file loads, is validated, and covers the workshop's questions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.questionnaire import (
    PROFILE_SECTION,
    QUESTIONNAIRE_PATH,
    QuestionnaireError,
    default_questionnaire,
    load_questionnaire,
)

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "atelier-smart-city-dst.txt"

# "Les questions à se poser" of the workshop, and the questions that ask each of them.
SEED_QUESTIONS = {
    1: ("Quel est le premier pas vers la smart city ?",
        {"strategie_projet_formalise", "strategie_premiere_action"}),
    2: ("Quels sont les moyens à mettre en œuvre pour optimiser les dépenses et raisonner "
        "développement durable ?",
        {"durable_suivi_consommations", "durable_pression_budget", "durable_financement",
         "durable_evaluation"}),
    3: ("Quelles sont les attentes et besoins des administrés pour améliorer leurs conditions de vie ?",
        {"citoyens_attentes", "citoyens_besoins_connus"}),
    4: ("Quelles sont les initiatives smart qui existent déjà sur le territoire ?",
        {"infrastructures_initiatives"}),
    5: ("Est-il prévu un outil unique pour répondre aux interrogations générales des administrés ? "
        "Lequel ?",
        {"citoyens_outil_unique", "citoyens_outil_lequel"}),
    6: ("Quelle communication auprès des usagers pour permettre une mise en place constructive des "
        "nouveaux outils numériques ?",
        {"citoyens_communication"}),
    7: ("Comment faire pour que l’outil soit ouvert et évolutif (techniquement et par rapport au "
        "territoire) ?",
        {"donnees_outils_ouverts"}),
    8: ("Quelles règles pour l’interopérabilité des systèmes (marchés publics) ?",
        {"donnees_marches_interop"}),
}


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "questionnaire.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def shipped() -> dict:
    return yaml.safe_load(QUESTIONNAIRE_PATH.read_text(encoding="utf-8"))


def test_the_shipped_questionnaire_has_what_the_diagnostic_needs() -> None:
    questionnaire = default_questionnaire()
    profile = [q.id for q in questionnaire.questions if q.section == PROFILE_SECTION]
    # The name first: once recognised in the official division, type and population are known.
    assert profile[:3] == ["nom_collectivite", "type_collectivite", "population"]
    assert {"type_collectivite", "population", "role_repondant", "nom_collectivite"} <= set(profile)
    assert questionnaire.question("nom_collectivite").optional
    assert {c.value for c in questionnaire.question("type_collectivite").choices} >= {
        "commune", "intercommunalite", "departement", "region", "autre"}
    diagnostic = [q for q in questionnaire.questions if q.axis is not None]
    assert len(diagnostic) >= 16
    assert len(questionnaire.axes) >= 6
    assert [level.rank for level in questionnaire.levels] == [1, 2, 3, 4, 5]
    initiatives = questionnaire.question("infrastructures_initiatives")
    assert initiatives.multiple
    assert {c.value for c in initiatives.choices} >= {
        "eclairage_public", "batiments", "relation_usagers", "donnees_ouvertes",
        "eau", "dechets", "mobilite", "participation"}
    for question in questionnaire.questions:
        assert question.why.strip(), question.id
        if question.is_closed:
            assert question.options(), question.id


def test_every_workshop_question_is_asked() -> None:
    questionnaire = default_questionnaire()
    for number, (_, expected) in SEED_QUESTIONS.items():
        covering = {q.id for q in questionnaire.questions if number in q.seed}
        assert covering == expected, number


def test_the_seed_list_is_the_workshops() -> None:
    """The questions above are copied from the seed; check the copy when the seed is beside us."""
    if not SEED.exists():
        return
    section = SEED.read_text(encoding="utf-8").split("Les questions à se poser", 1)[1]
    bullets = [re.sub(r"\s+", " ", line.strip(" •\t")) for line in section.splitlines() if "•" in line]
    assert [text for text, _ in SEED_QUESTIONS.values()] == bullets[: len(SEED_QUESTIONS)]


def test_levels_map_scores() -> None:
    questionnaire = default_questionnaire()
    assert questionnaire.level_for(0).rank == 1
    assert questionnaire.level_for(19.9).rank == 1
    assert questionnaire.level_for(20).rank == 2
    assert questionnaire.level_for(100).rank == 5


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["questions"].append(dict(d["questions"][0])), "en double"),
        (lambda d: d["questions"][0].update(axis="inconnu"), "axe inconnu"),
        (lambda d: d["questions"][0].update(answer_type="liste"), "answer_type"),
        (lambda d: d["profile"][1].update(choices=[]), "aucun choix"),
        (lambda d: d["questions"][0].update(choices_from="absente"), "liste de choix inconnue"),
        (lambda d: d["levels"].pop(), "cinq niveaux"),
        (lambda d: d["questions"][0].pop("why"), "why"),
        (lambda d: d["questions"][0].update(weight=2, answer_type="nombre"), "ne peut pas être notée"),
    ],
)
def test_invalid_content_is_refused_with_a_clear_error(tmp_path: Path, mutate, message: str) -> None:
    data = shipped()
    mutate(data)
    with pytest.raises(QuestionnaireError, match=message):
        load_questionnaire(write(tmp_path, data))


def test_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError, match="impossible de lire"):
        load_questionnaire(tmp_path / "absent.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("axes: [", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="YAML"):
        load_questionnaire(broken)
