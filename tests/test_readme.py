"""The README's table of contents matches its headings, and no section is written twice."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
TOC_TITLE = "**Sommaire**"
HEADING = re.compile(r"^(#{2,3}) (.+?)\s*$")
TOC_ENTRY = re.compile(r"^( *)- \[(.+)\]\(#([^)]*)\)$")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _lines() -> list[str]:
    return README.read_text(encoding="utf-8").splitlines()


def headings(lines: list[str]) -> list[tuple[int, str]]:
    """The ``##`` and ``###`` headings, in order, outside fenced code blocks."""
    found: list[tuple[int, str]] = []
    in_fence = False
    for line in lines:
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        match = None if in_fence else HEADING.match(line)
        if match:
            found.append((len(match.group(1)), match.group(2)))
    return found


def github_slugs(titles: list[str]) -> list[str]:
    """GitHub's anchors: lower case, punctuation other than hyphens and spaces dropped
    (accented letters kept), spaces turned into hyphens, repeats numbered -1, -2…"""
    seen: Counter[str] = Counter()
    slugs = []
    for title in titles:
        text = LINK.sub(r"\1", title).replace("`", "").lower()
        base = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
        slugs.append(base if not seen[base] else f"{base}-{seen[base]}")
        seen[base] += 1
    return slugs


def table_of_contents(lines: list[str]) -> list[tuple[int, str, str]]:
    """The entries (level, text, anchor) of the list that follows « Sommaire »."""
    assert TOC_TITLE in lines, "README.md has no table of contents (« Sommaire »)"
    start = lines.index(TOC_TITLE) + 1
    while not lines[start].strip():
        start += 1
    entries = []
    for line in lines[start:]:
        if not line.strip():
            break
        match = TOC_ENTRY.match(line)
        assert match, f"not a table-of-contents entry: {line!r}"
        indent, text, anchor = match.groups()
        assert indent in ("", "  "), f"entry indented by neither 0 nor 2 spaces: {line!r}"
        entries.append((2 if not indent else 3, text, anchor))
    return entries


def test_table_of_contents_lists_every_heading_in_order_with_its_anchor() -> None:
    lines = _lines()
    found = headings(lines)
    anchors = github_slugs([title for _, title in found])
    expected = [(level, title, anchor) for (level, title), anchor in zip(found, anchors, strict=True)]
    assert table_of_contents(lines) == expected


def test_table_of_contents_comes_before_the_first_section() -> None:
    lines = _lines()
    first_section = next(i for i, line in enumerate(lines) if line.startswith("## "))
    assert lines.index(TOC_TITLE) < first_section


def test_no_section_heading_appears_twice() -> None:
    counts = Counter(title for level, title in headings(_lines()) if level == 2)
    assert [title for title, count in counts.items() if count > 1] == []


def test_slugs_follow_github() -> None:
    assert github_slugs(
        [
            "Démarrage : deux commandes",
            "L'espace équipe (relecture)",
            "La topologie : `deploy/`",
            "Tests",
            "Tests",
        ]
    ) == ["démarrage--deux-commandes", "lespace-équipe-relecture", "la-topologie--deploy", "tests", "tests-1"]
