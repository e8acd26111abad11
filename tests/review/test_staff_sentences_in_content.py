"""No sentence a staff member reads is written in the staff code: they are in bot/content/staff.yml.

A string constant of three words or more with a French function word, outside docstrings and
log calls, is a sentence; the few listed below are not read by staff.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAFF_CODE = (
    *sorted((ROOT / "bot" / "review").glob("*.py")),
    *sorted((ROOT / "bot" / "web" / "staff").glob("*.py")),
    ROOT / "bot" / "__main__.py",
    ROOT / "bot" / "authorities" / "cli.py",
    ROOT / "bot" / "demo_data.py",
)
FRENCH = re.compile(r"\b(vous|votre|le|la|les|des|une|du|est|pas|aucun|aucune|pour|avec|sur|dans)\b", re.I)
NOT_READ_BY_STAFF = {
    # Hashed once so that an unknown address costs as much as a known one (review/accounts.py).
    "mot de passe factice, jamais valide",
    # A caller's mistake (create_demo_data); the command line checks the count first.
    "le nombre de diagnostics doit être au moins 1",
}
# Errors about the developers' files (the Rasa domain, data/nlu/), like the questionnaire's.
DEVELOPER_ERRORS = re.compile(r"^impossible de lire( le domaine)? $")


def _sentences(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skipped.add(id(first.value))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"debug", "info", "warning", "error", "exception"}
        ):
            skipped.update(id(inner) for inner in ast.walk(node))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skipped
        and len(node.value.split()) >= 3
        and FRENCH.search(node.value)
        and node.value not in NOT_READ_BY_STAFF
        and not DEVELOPER_ERRORS.match(node.value)
    ]


def test_the_staff_code_writes_no_sentence_itself() -> None:
    found = {
        f"{path.relative_to(ROOT)}:{line}": text for path in STAFF_CODE for line, text in _sentences(path)
    }
    assert found == {}


def test_the_check_finds_a_sentence(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Docstring: pas une phrase de l\'équipe."""\nMESSAGE = "Aucun compte pour cette adresse."\n'
    )
    assert _sentences(sample) == [(2, "Aucun compte pour cette adresse.")]
