"""Progress between a diagnostic and its repeat, on worked examples (bot/progress.py)."""

from __future__ import annotations

import json

import pytest

from bot.answers import Answer
from bot.progress import FIRST_ACTION_QUESTION, changed_answers, compute_progress, first_action

THEN = {
    "maturity": {
        "overall": {"score": 40.0},
        "axes": {
            "strategie": {"label": "Stratégie", "score": 50.0},
            "donnees": {"label": "Données", "score": None},
            "citoyens": {"label": "Citoyens", "score": 30.0},
        },
    },
    "recommendation": {"top": {"code": "nommer_pilote", "title": "Nommer un pilote"}},
}
NOW = {
    "maturity": {
        "overall": {"score": 55.4},
        "axes": {
            "strategie": {"label": "Stratégie", "score": 62.5},
            "donnees": {"label": "Données", "score": 20.0},
            "citoyens": {"label": "Citoyens", "score": 25.0},
        },
    },
    "recommendation": {"top": {"code": "inventaire_donnees", "title": "Inventaire"}},
}


def answer(question_id: str, value, status: str = "answered") -> Answer:
    return Answer(question_id, value, status)


def test_scores_then_now_and_delta_per_axis_and_overall() -> None:
    progress = compute_progress(THEN, NOW, {}, {})
    assert (progress.overall.then, progress.overall.now, progress.overall.delta) == (40.0, 55.4, 15.4)
    by_axis = {axis.axis_id: (axis.then, axis.now, axis.delta) for axis in progress.axes}
    # 62.5 - 50 = +12.5; an axis not evaluated then has no delta; a fall is negative.
    assert by_axis == {
        "strategie": (50.0, 62.5, 12.5),
        "donnees": (None, 20.0, None),
        "citoyens": (30.0, 25.0, -5.0),
    }
    assert [axis.label for axis in progress.axes] == ["Stratégie", "Données", "Citoyens"]


def test_changes_are_the_questions_whose_value_or_status_differs_in_questionnaire_order() -> None:
    then = {
        "q1": answer("q1", "oui"),
        "q2": answer("q2", "non"),
        "q3": answer("q3", "ne_sait_pas", "unknown"),
        "q4": answer("q4", ["a", "b"]),
    }
    now = {
        "q4": answer("q4", ["a", "b"]),
        "q3": answer("q3", "ne_sait_pas", "unknown"),
        "q2": answer("q2", "en_partie"),
        "q1": answer("q1", "oui"),
        "q5": answer("q5", 12),
        FIRST_ACTION_QUESTION: answer(FIRST_ACTION_QUESTION, "oui"),
    }
    changes = changed_answers(then, now, order=("q5", "q1", "q2", "q3", "q4"))
    assert [(c.question_id, c.then and c.then.value, c.now.value) for c in changes] == [
        ("q5", None, 12),
        ("q2", "non", "en_partie"),
    ]


@pytest.mark.parametrize(
    ("stored", "status", "moved"),
    [
        (answer(FIRST_ACTION_QUESTION, "oui"), "oui", True),
        (answer(FIRST_ACTION_QUESTION, "en_partie"), "en_partie", True),
        (answer(FIRST_ACTION_QUESTION, "non"), "non", False),
        (answer(FIRST_ACTION_QUESTION, "ne_sait_pas", "unknown"), "ne_sait_pas", None),
        (answer(FIRST_ACTION_QUESTION, None, "skipped"), None, None),
        (None, None, None),
    ],
)
def test_first_action_status(stored, status, moved) -> None:
    action = first_action(THEN["recommendation"], stored)
    assert (action.code, action.title, action.status, action.moved) == (
        "nommer_pilote",
        "Nommer un pilote",
        status,
        moved,
    )


def test_no_first_action_without_an_earlier_recommendation() -> None:
    assert first_action({}, answer(FIRST_ACTION_QUESTION, "oui")) is None


def test_to_dict_is_the_export_format() -> None:
    now_answers = {
        FIRST_ACTION_QUESTION: answer(FIRST_ACTION_QUESTION, "en_partie"),
        "q1": answer("q1", "oui"),
    }
    exported = compute_progress(THEN, NOW, {"q1": answer("q1", "non")}, now_answers).to_dict()
    assert json.loads(json.dumps(exported)) == exported
    assert exported["overall"] == {"label": "overall", "then": 40.0, "now": 55.4, "delta": 15.4}
    assert exported["axes"]["strategie"] == {"label": "Stratégie", "then": 50.0, "now": 62.5, "delta": 12.5}
    assert exported["changes"] == [
        {
            "question_id": "q1",
            "then": {"value": "non", "status": "answered"},
            "now": {"value": "oui", "status": "answered"},
        }
    ]
    assert exported["first_action"] == {
        "code": "nommer_pilote",
        "title": "Nommer un pilote",
        "status": "en_partie",
        "moved": True,
    }
