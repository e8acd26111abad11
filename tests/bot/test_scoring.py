"""The maturity formula (bot/scoring.py), on hand-computed cases and random answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers import Answer
from bot.questionnaire import NO_CHOICE, Question, Questionnaire, default_questionnaire, load_questionnaire
from bot.scoring import (
    AxisScore,
    Maturity,
    compute_maturity,
    question_points,
    round_coverage,
    round_score,
)

LEVELS = [
    {"rank": r, "name": n, "min_score": m, "description": n}
    for r, n, m in [(1, "Un", 0), (2, "Deux", 20), (3, "Trois", 40), (4, "Quatre", 60), (5, "Cinq", 80)]
]


def build_questionnaire(tmp_path: Path, axes: list[str], questions: list[dict[str, Any]]) -> Questionnaire:
    raw = {
        "version": 1,
        "levels": LEVELS,
        "axes": [{"id": a, "label": f"Axe {a}", "description": a} for a in axes],
        "questions": [{"text": q["id"], "why": q["id"], **q} for q in questions],
    }
    path = tmp_path / f"questionnaire-{len(list(tmp_path.iterdir()))}.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return load_questionnaire(path)


def yes_no(qid: str, axis: str, weight: float) -> dict[str, Any]:
    return {"id": qid, "axis": axis, "answer_type": "oui_partiel_non", "weight": weight}


@pytest.fixture
def small(tmp_path: Path) -> Questionnaire:
    """Axis a: weights 2, 1 and a multiple choice (weight 1, 40 per code); b: 1 and 3; c: 1."""
    return build_questionnaire(
        tmp_path,
        ["a", "b", "c"],
        [
            yes_no("a1", "a", 2),
            yes_no("a2", "a", 1),
            {
                "id": "a3",
                "axis": "a",
                "answer_type": "choix",
                "multiple": True,
                "none_allowed": True,
                "choices": [{"value": v, "label": v} for v in ("x", "y", "z")],
                "weight": 1,
                "scoring": {"per_choice": 40},
            },
            yes_no("b1", "b", 1),
            yes_no("b2", "b", 3),
            {"id": "b_note", "axis": "b", "answer_type": "texte", "weight": 0},
            yes_no("c1", "c", 1),
        ],
    )


def answers(**values: Any) -> dict[str, Answer]:
    """a1="oui" → answered; a1=None → unknown ("je ne sais pas"); a1=... → skipped."""
    result = {}
    for qid, value in values.items():
        if value is None:
            result[qid] = Answer(qid, "ne_sait_pas", "unknown")
        elif value is Ellipsis:
            result[qid] = Answer(qid, None, "skipped")
        else:
            result[qid] = Answer(qid, value, "answered")
    return result


# --- points of one question -------------------------------------------------------------


def test_points_of_yes_partly_no(small: Questionnaire) -> None:
    q = small.question("a1")
    assert [question_points(q, Answer("a1", v, "answered")) for v in ("oui", "en_partie", "non")] == [
        100,
        50,
        0,
    ]
    assert question_points(q, Answer("a1", "ne_sait_pas", "unknown")) is None
    assert question_points(q, Answer("a1", "ne_sait_pas", "answered")) is None
    assert question_points(q, Answer("a1", None, "skipped")) is None
    assert question_points(q, None) is None


def test_points_of_multiple_choice_are_capped_and_none_gives_zero(small: Questionnaire) -> None:
    q = small.question("a3")
    assert question_points(q, Answer("a3", ["x"], "answered")) == 40
    assert question_points(q, Answer("a3", "x", "answered")) == 40  # a single code
    assert question_points(q, Answer("a3", ("x", "y"), "answered")) == 80
    assert question_points(q, Answer("a3", ["x", "y", "z"], "answered")) == 100  # min(100, 120)
    assert question_points(q, Answer("a3", ["x", "x"], "answered")) == 40  # duplicates count once
    assert question_points(q, Answer("a3", [NO_CHOICE], "answered")) == 0
    assert question_points(q, Answer("a3", [], "answered")) == 0


def test_invalid_stored_values_are_bugs_not_zero(small: Questionnaire) -> None:
    with pytest.raises(ValueError, match="a1"):
        question_points(small.question("a1"), Answer("a1", "peut-être", "answered"))
    with pytest.raises(ValueError, match="a3"):
        question_points(small.question("a3"), Answer("a3", ["w"], "answered"))
    with pytest.raises(ValueError, match="pas notée"):
        question_points(small.question("b_note"), Answer("b_note", "texte", "answered"))


# --- axis and overall --------------------------------------------------------------------


def test_everything_at_the_top_gives_100_and_level_5(small: Questionnaire) -> None:
    result = compute_maturity(
        small, answers(a1="oui", a2="oui", a3=["x", "y", "z"], b1="oui", b2="oui", c1="oui")
    )
    assert result.overall_score == 100.0
    assert result.overall_coverage == 1.0
    assert result.level is not None and result.level.rank == 5
    assert all(axis.score == 100.0 and axis.coverage == 1.0 for axis in result.axes)


def test_mixed_answers_give_the_hand_computed_numbers(small: Questionnaire) -> None:
    # a: (2×100 + 1×50 + 1×80) / 4 = 82.5      b: (1×100 + 3×0) / 4 = 25.0      c: nothing
    # overall: (82.5 + 25) / 2 = 53.75 → 53.8  coverage: (1 + 1 + 0) / 3 = 0.667
    result = compute_maturity(small, answers(a1="oui", a2="en_partie", a3=["x", "y"], b1="oui", b2="non"))
    a, b, c = result.axes
    assert (a.score, a.coverage, a.answered, a.total, a.level.rank) == (82.5, 1.0, 3, 3, 5)
    assert (b.score, b.coverage, b.answered, b.total, b.level.rank) == (25.0, 1.0, 2, 2, 2)
    assert (c.score, c.coverage, c.answered, c.total, c.level) == (None, 0.0, 0, 1, None)
    assert result.overall_score == 53.8
    assert result.overall_coverage == 0.667
    assert result.level.rank == 3


def test_unknown_skipped_and_missing_answers_lower_coverage_not_score(small: Questionnaire) -> None:
    # a1 oui (weight 2) alone: score 100; its weight is 2 of 4 → coverage 0.5
    for not_known in (None, Ellipsis):
        result = compute_maturity(small, answers(a1="oui", a2=not_known))
        assert result.axis("a").score == 100.0
        assert result.axis("a").coverage == 0.5
        assert result.axis("a").answered == 1
    assert compute_maturity(small, answers(a1="oui")).axis("a") == result.axis("a")
    # the same "don't know" answered as "non" would count as zero instead
    counted = compute_maturity(small, answers(a1="oui", a2="non")).axis("a")
    assert (counted.score, counted.coverage) == (66.7, 0.75)


def test_none_chosen_counts_as_an_answer_worth_zero(small: Questionnaire) -> None:
    axis = compute_maturity(small, answers(a3=[NO_CHOICE])).axis("a")
    assert (axis.score, axis.coverage, axis.answered) == (0.0, 0.25, 1)


def test_an_axis_with_nothing_answered_is_excluded_from_the_overall(small: Questionnaire) -> None:
    result = compute_maturity(small, answers(a1="oui", b1=None, b2=Ellipsis))
    assert result.axis("b").score is None and result.axis("b").level is None
    assert result.axis("c").score is None
    assert result.overall_score == 100.0  # not (100 + 0 + 0) / 3
    assert result.overall_coverage == round_coverage(0.5 / 3)


def test_no_answer_at_all(small: Questionnaire) -> None:
    result = compute_maturity(small, {})
    assert (result.overall_score, result.level, result.overall_coverage) == (None, None, 0.0)
    assert [axis.score for axis in result.axes] == [None, None, None]


def test_answers_to_unknown_or_unscored_questions_are_ignored(small: Questionnaire) -> None:
    base = compute_maturity(small, answers(a1="oui"))
    assert compute_maturity(small, answers(a1="oui", b_note="bla", ailleurs="oui")) == base


def test_overall_is_the_mean_of_unrounded_axis_scores(tmp_path: Path) -> None:
    # a: 1/3 of 100 = 33.333…   b: 2/3 of 100 = 66.666…   mean 50.0 exactly
    q = build_questionnaire(
        tmp_path,
        ["a", "b"],
        [yes_no("a1", "a", 1), yes_no("a2", "a", 2), yes_no("b1", "b", 2), yes_no("b2", "b", 1)],
    )
    result = compute_maturity(q, answers(a1="oui", a2="non", b1="oui", b2="non"))
    assert [axis.score for axis in result.axes] == [33.3, 66.7]
    assert result.overall_score == 50.0
    assert [axis.coverage for axis in result.axes] == [1.0, 1.0]


@pytest.mark.parametrize(
    ("yes_weight", "no_weight", "score", "rank"),
    [
        (199, 801, 19.9, 1),
        (1, 4, 20.0, 2),
        (3, 2, 60.0, 4),
        (799, 201, 79.9, 4),
        (4, 1, 80.0, 5),
        (7996, 2004, 80.0, 5),  # 79.96 is shown as 80.0, so it reads as level 5
        (1999, 98001, 2.0, 1),
    ],
)
def test_level_boundaries(tmp_path: Path, yes_weight: int, no_weight: int, score: float, rank: int) -> None:
    questions = [yes_no("oui_q", "a", yes_weight), yes_no("non_q", "a", no_weight)]
    q = build_questionnaire(tmp_path, ["a"], questions)
    result = compute_maturity(q, answers(oui_q="oui", non_q="non"))
    assert result.overall_score == score
    assert result.level.rank == rank
    assert result.axis("a").level.rank == rank


def test_level_boundaries_of_the_shipped_scale() -> None:
    q = default_questionnaire()
    assert [q.level_for(s).rank for s in (0, 19.9, 20, 39.9, 40, 59.9, 60, 79.9, 80, 100)] == [
        1, 1, 2, 2, 3, 3, 4, 4, 5, 5,
    ]  # fmt: skip


def test_rounding_is_half_up() -> None:
    assert round_score(12.25) == 12.3  # round() would give 12.2
    assert round_score(66.66666) == 66.7
    assert round_score(0.04) == 0.0
    assert round_coverage(1 / 3) == 0.333
    assert round_coverage(0.0625) == 0.063


# --- to_dict ------------------------------------------------------------------------------


def test_to_dict_shape(small: Questionnaire) -> None:
    result = compute_maturity(small, answers(a1="oui", a2="en_partie", a3=["x", "y"], b1="oui", b2="non"))
    data = result.to_dict()
    json.dumps(data)
    assert set(data) == {"overall", "axes"}
    assert data["overall"] == {"score": 53.8, "level": 3, "level_name": "Trois", "coverage": 0.667}
    assert list(data["axes"]) == ["a", "b", "c"]
    assert data["axes"]["a"] == {
        "label": "Axe a",
        "score": 82.5,
        "coverage": 1.0,
        "level": 5,
        "level_name": "Cinq",
        "answered": 3,
        "total": 3,
    }
    assert data["axes"]["c"] == {
        "label": "Axe c",
        "score": None,
        "coverage": 0.0,
        "level": None,
        "level_name": None,
        "answered": 0,
        "total": 1,
    }
    assert compute_maturity(small, {}).to_dict()["overall"] == {
        "score": None,
        "level": None,
        "level_name": None,
        "coverage": 0.0,
    }


def test_results_are_frozen(small: Questionnaire) -> None:
    result = compute_maturity(small, answers(a1="oui"))
    assert isinstance(result, Maturity) and isinstance(result.axes[0], AxisScore)
    with pytest.raises(AttributeError):
        result.overall_score = 0  # type: ignore[misc]


# --- the shipped questionnaire ------------------------------------------------------------


def best_answer(question: Question) -> Answer:
    if question.answer_type == "oui_partiel_non":
        return Answer(question.id, "oui", "answered")
    return Answer(question.id, [c.value for c in question.choices], "answered")


def test_shipped_questionnaire_all_yes_gives_100() -> None:
    q = default_questionnaire()
    result = compute_maturity(q, {x.id: best_answer(x) for x in q.questions if x.is_scored})
    assert result.overall_score == 100.0
    assert result.overall_coverage == 1.0
    assert result.level.rank == 5 and result.level.name == "Optimisation"
    assert [axis.axis_id for axis in result.axes] == [axis.id for axis in q.axes]


def test_shipped_questionnaire_all_no_gives_0_with_full_coverage() -> None:
    q = default_questionnaire()
    worst = {
        x.id: Answer(x.id, "non" if x.answer_type == "oui_partiel_non" else [NO_CHOICE], "answered")
        for x in q.questions
        if x.is_scored
    }
    result = compute_maturity(q, worst)
    assert (result.overall_score, result.overall_coverage, result.level.rank) == (0.0, 1.0, 1)


# --- random answers (strategy shared with test_recommendations) ---------------------------

INTERESTING_NUMBERS = (0, 1, 49, 50, 999, 1000, 3499, 3500, 12000)


def answer_for(question: Question) -> st.SearchStrategy[Answer]:
    """Any answer a stored diagnostic may hold for this question."""
    qid = question.id
    skipped = st.just(Answer(qid, None, "skipped"))
    if question.answer_type == "oui_partiel_non":
        known = st.sampled_from(["oui", "en_partie", "non"]).map(lambda v: Answer(qid, v, "answered"))
        return st.one_of(known, st.just(Answer(qid, "ne_sait_pas", "unknown")), skipped)
    unknown = st.just(Answer(qid, None, "unknown"))
    if question.answer_type == "choix":
        codes = [c.value for c in question.choices]
        if question.multiple:
            chosen = st.lists(st.sampled_from(codes), min_size=1, max_size=len(codes), unique=True)
            if question.none_allowed:
                chosen = st.one_of(chosen, st.just([NO_CHOICE]))
        else:
            chosen = st.sampled_from(codes)
        return st.one_of(chosen.map(lambda v: Answer(qid, v, "answered")), unknown, skipped)
    if question.answer_type in ("nombre", "echelle"):
        lo, hi = question.minimum, question.maximum
        numbers = st.integers(min_value=lo, max_value=hi)
        if question.answer_type == "nombre":
            edges = [n for n in INTERESTING_NUMBERS if (lo is None or n >= lo) and (hi is None or n <= hi)]
            numbers = st.one_of(numbers, st.sampled_from(edges))
        return st.one_of(numbers.map(lambda v: Answer(qid, v, "answered")), unknown, skipped)
    return st.one_of(st.text(max_size=20).map(lambda v: Answer(qid, v, "answered")), skipped)


def answer_maps(questionnaire: Questionnaire) -> st.SearchStrategy[dict[str, Answer]]:
    """Random answer maps: each question unanswered, skipped, unknown or answered."""
    return st.fixed_dictionaries({}, optional={q.id: answer_for(q) for q in questionnaire.questions})


@settings(max_examples=200, deadline=None)
@given(answer_maps(default_questionnaire()))
def test_random_answers_give_consistent_results(answer_map: dict[str, Answer]) -> None:
    q = default_questionnaire()
    result = compute_maturity(q, answer_map)
    assert result == compute_maturity(q, dict(reversed(list(answer_map.items()))))
    scores = [axis.score for axis in result.axes if axis.score is not None]
    for axis in result.axes:
        assert 0.0 <= axis.coverage <= 1.0
        assert 0 <= axis.answered <= axis.total
        if axis.score is None:
            assert axis.level is None and axis.answered == 0 and axis.coverage == 0.0
        else:
            assert 0.0 <= axis.score <= 100.0
            assert axis.level == q.level_for(axis.score)
    if scores:
        assert result.overall_score is not None
        assert abs(result.overall_score - sum(scores) / len(scores)) <= 0.1
        assert result.level == q.level_for(result.overall_score)
    else:
        assert result.overall_score is None and result.level is None
    assert 0.0 <= result.overall_coverage <= 1.0
    json.dumps(result.to_dict())
