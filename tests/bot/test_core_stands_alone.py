"""The core knows nothing of its surroundings: importing it loads neither Rasa, nor the database,
nor the web (issue 15). Checked in a fresh interpreter, where nothing else was imported before."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = (
    "bot.dialogue",
    "bot.questionnaire",
    "bot.scoring",
    "bot.recommendations",
    "bot.understanding",
    "bot.records",
    "bot.formatting",
    "bot.charts.radar",
    "bot.charts.bars",
    "bot.charts.peers",
    "bot.charts.progress",
    "bot.groups",
    "bot.peers",
    "bot.progress",
)
SURROUNDINGS = ("rasa", "rasa_sdk", "sqlalchemy", "alembic", "starlette", "httpx", "redis", "sanic")


def imported_after(modules: tuple[str, ...]) -> list[str]:
    """The surroundings' packages loaded by importing ``modules`` in a fresh interpreter."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in {list(SURROUNDINGS)!r} if m in sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_core_imports_none_of_its_surroundings() -> None:
    assert imported_after(CORE) == []


def test_the_check_sees_a_module_that_does() -> None:
    assert "sqlalchemy" in imported_after(("bot.storage",))
