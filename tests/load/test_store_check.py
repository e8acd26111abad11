"""The store check of the load benchmark (scripts/bench_load.py, `make bench-load`).

The benchmark itself takes about 20 minutes; this checks, on a small fabricated run, that its
verdict on the diagnostic store catches what it is there to catch: an answer lost, stored
twice, stored out of order, or stored under another conversation's diagnostic; and that its
report still renders from the committed figures (benchmarks/load.json).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.storage import DiagnosticStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "scripts" / "bench_load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_load"] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("bench_load", None)


def turns(conversation: str, sender: str, sent: list[tuple[str, str]], last_next: str = "result") -> list:
    """The records scripts/load_users.py writes for a conversation that answered ``sent`` in turn."""
    records: list[dict[str, Any]] = [
        {"conversation": conversation, "sender": sender, "turn": 1, "sent": "bonjour", "answers": None,
         "next": None, "error": None, "button": False},
        {"conversation": conversation, "sender": sender, "turn": 2, "sent": "commencer", "answers": None,
         "next": sent[0][0], "error": None, "button": False},
    ]  # fmt: skip
    for index, (question, text) in enumerate(sent):
        following = sent[index + 1][0] if index + 1 < len(sent) else last_next
        records.append({
            "conversation": conversation, "sender": sender, "turn": index + 3, "sent": text,
            "answers": question, "next": following, "error": None, "button": False,
        })  # fmt: skip
    return records


A = [("type_collectivite", "Commune"), ("population", "10001"), ("nom_collectivite", "Saint-Martin-10001")]
B = [("type_collectivite", "Commune"), ("population", "10002"), ("nom_collectivite", "Saint-Martin-10002")]


def store_with(path: Path, stored: dict[str, list[tuple[str, str]]]) -> Path:
    store = DiagnosticStore.from_url(f"sqlite:///{path}")
    for sender, answers in stored.items():
        diagnostic = store.create(sender)
        for question, text in answers:
            store.save_answer(diagnostic.id, question, text, "answered", text)
    store.engine.dispose()
    return path


def test_a_run_stored_as_sent_passes(bench, tmp_path: Path) -> None:
    database = store_with(tmp_path / "d.db", {"s-a": A, "s-b": B})
    verdict = bench.check_store(database, turns("c1", "s-a", A) + turns("c2", "s-b", B))
    assert verdict["ok"], verdict
    assert verdict["counts"]["taken"] == 6 and verdict["counts"]["stored"] == 6


def test_lost_twice_mixed_and_out_of_order_answers_are_caught(bench, tmp_path: Path) -> None:
    run = turns("c1", "s-a", A) + turns("c2", "s-b", B)
    lost = bench.check_store(store_with(tmp_path / "lost.db", {"s-a": A[:2], "s-b": B}), run)
    assert not lost["ok"] and lost["counts"]["lost"] == 1
    mixed = bench.check_store(store_with(tmp_path / "mixed.db", {"s-a": A[:1] + B[1:], "s-b": B}), run)
    assert not mixed["ok"] and mixed["counts"]["wrong_text"] == 2
    swapped = bench.check_store(store_with(tmp_path / "order.db", {"s-a": [A[1], A[0], A[2]], "s-b": B}), run)
    assert not swapped["ok"] and swapped["counts"]["out_of_order"] == 1
    twice = bench.check_store(store_with(tmp_path / "twice.db", {"s-a": [*A, A[2]], "s-b": B}), run)
    assert not twice["ok"] and twice["counts"]["revisions"] == 1
    foreign = bench.check_store(store_with(tmp_path / "foreign.db", {"s-a": A, "s-b": B, "s-c": B[:1]}), run)
    assert not foreign["ok"] and foreign["counts"]["foreign_diagnostics"] == 1


def test_an_answer_asked_again_or_failed_is_not_expected(bench, tmp_path: Path) -> None:
    run = turns("c1", "s-a", A)
    # The population was not understood the first time: the same question came back.
    run.insert(3, {**run[3], "sent": "beaucoup", "next": "population"})
    for index, record in enumerate(run, start=1):
        record["turn"] = index
    # The last turn failed (a timeout): stored or not, both are fine.
    run[-1] = {**run[-1], "error": "ReadTimeout", "next": None}
    assert bench.check_store(store_with(tmp_path / "a.db", {"s-a": A}), run)["ok"]
    assert bench.check_store(store_with(tmp_path / "b.db", {"s-a": A[:2]}), run)["ok"]


def test_percentiles_are_nearest_rank(bench) -> None:
    values = list(range(1, 101))
    assert [bench.percentile(values, share) for share in (0.5, 0.95, 0.99)] == [50, 95, 99]
    assert bench.percentile([], 0.5) is None


def test_the_report_renders_from_the_committed_figures(bench) -> None:
    figures = json.loads((ROOT / "benchmarks" / "load.json").read_text(encoding="utf-8"))
    report = bench.render(figures)
    sections = ("## L'assistant", "## Chaque service", "tour 3 contre tour 30", "## La base des diagnostics")
    assert all(section in report for section in sections)
    assert [level["users"] for level in figures["assistant"]["levels"]] == list(bench.LEVELS)


def test_a_refused_socketio_connection_is_an_error(bench) -> None:
    level = bench.Level(assistant="diagnostic", users=2, duration=10)
    level.locust = {"entries": {"socketio connect": {"requests": 3, "failures": 2}}}
    summary = bench.summarize(level)
    assert summary["errors"] == 2
    assert summary["error_kinds"] == {"connexion Socket.IO refusée": 2}


def test_postgresql_statements_are_shown_per_turn_and_escaped(bench) -> None:
    def run(ms: float) -> dict[str, Any]:
        busiest = [{"database": "tracker", "query": "SELECT a || b FROM events WHERE `x` = $1",
                    "calls_per_turn": 2.0, "ms_per_turn": ms, "mean_ms": ms / 2}]  # fmt: skip
        totals = {"turns": 100, "calls_per_turn": 9.5, "ms_per_turn": ms * 2}
        return {"statements": {**totals, "busiest": busiest}}

    lines = bench.statement_table(run(1.5), run(4.0))
    text = "\n".join(lines)
    assert "**9,5 instructions et 3,00 ms** avec un processus de chaque" in " ".join(text.split())
    assert "**9,5 instructions et 8,00 ms** réparti" in " ".join(text.split())
    rows = [line for line in lines if line.startswith("| un de chaque") or line.startswith("| réparti")]
    assert rows == [
        "| un de chaque | tracker | `SELECT a \\|\\| b FROM events WHERE 'x' = $1` | 2,00 | 1,500 | 0,750 |",
        "| réparti | tracker | `SELECT a \\|\\| b FROM events WHERE 'x' = $1` | 2,00 | 4,000 | 2,000 |",
    ]
    assert bench.statement_table({}, {}) == []
