"""The group's description (bot/group_report.py) and ``python -m bot export-group``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.group_content import default_group_content
from bot.group_dialogue import GroupConversation
from bot.group_report import GroupReporter
from bot.groups import ROADMAP_ACTION
from bot.messages import default_messages
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue
from bot.storage import DiagnosticStore
from tests.bot.test_group_dialogue import answer_all, say

Q = default_questionnaire()


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'd.db'}"


@pytest.fixture
def engine(url: str) -> GroupConversation:
    return GroupConversation(
        store=DiagnosticStore.from_url(url),
        questionnaire=Q,
        catalogue=default_catalogue(),
        messages=default_messages(),
        public_url="http://diag.test",
    )


def reporter(engine: GroupConversation) -> GroupReporter:
    return GroupReporter(engine.groups, Q, default_catalogue(), default_group_content())


def test_three_services_disagree_and_the_group_gets_the_shared_roadmap(engine, url, capsys) -> None:
    # The founder (DGS) says yes to everything; the DSI says no; finances say yes.
    engine.start("dgs")
    engine.answer("dgs", "Uzès")
    invitation = say(engine, "dgs", "je voudrais associer mes collègues")[0].custom["invitation_url"]
    replies = answer_all(engine, "dgs", engine.current_question("dgs"))
    group = engine.groups.of_diagnostic(engine.store.latest_for_sender("dgs").id)
    # The founder's usual role (the first choice: élu) gives their service.
    say(engine, "dsi", invitation)
    answer_all(engine, "dsi", engine.answer("dsi", None, choice="numerique"), value="non")
    say(engine, "fin", invitation)
    answer_all(engine, "fin", engine.answer("fin", None, choice="finances"), value="oui")
    say(engine, "com", invitation)  # joined, not finished: listed, not counted

    group = engine.groups.get(group.id)  # its profile was completed when colleagues joined
    assert group.authority_name == "Uzès" and group.agents is not None
    described = reporter(engine).describe(group)
    assert [(r["role"], r["status"], r["coordinator"]) for r in described["respondents"]] == [
        ("elu", "termine", True),
        ("numerique", "termine", False),
        ("finances", "termine", False),
        ("autre", "en_cours", False),
    ]
    assert described["finished"] == 3
    # Yes, no, yes on every yes/no question: the median is yes.
    strategy = described["maturity"]["axes"]["strategie"]
    assert strategy["score"] == 100.0
    assert [role["role"] for role in described["roles"]] == ["elu", "numerique", "finances"]
    assert described["roles"][1]["maturity"]["axes"]["strategie"]["score"] == 0.0
    first = described["divergences"][0]
    assert first["spread"] == 100.0
    assert {a["label"]: a["answer"] for a in first["answers"]} == {
        "Élu ou élue": "Oui",
        "Numérique / DSI": "Non",
        "Finances": "Oui",
    }
    top = described["recommendation"]["top"]
    assert top["code"] == ROADMAP_ACTION
    assert top["reasons"][0].startswith("Les services ne répondent pas de la même façon à « ")
    assert "Numérique / DSI : Non" in top["reasons"][0]
    assert replies  # the founder's own result was given

    assert main(["--database-url", url, "export-group", str(group.id)]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported == json.loads(json.dumps(described))
    assert main(["--database-url", url, "export-group", "999"]) == 1
    assert "Aucun groupe" in capsys.readouterr().err


def test_a_group_without_finished_members_has_no_result_yet(engine) -> None:
    engine.start("dgs")
    say(engine, "dgs", "associer mes collègues")
    group = engine.groups.of_diagnostic(engine.store.latest_for_sender("dgs").id)
    described = reporter(engine).describe(group)
    assert described["finished"] == 0
    assert described["maturity"] is None and described["recommendation"] is None
    assert [r["status"] for r in described["respondents"]] == ["en_cours"]
