"""Recognises markup and code pasted where an answer is expected.

A fragment such as ``<img src=x onerror=alert(1)>`` or ``1 OR 1=1; SELECT ...``
contains digits and words that the answer rules would otherwise read as a value
("1 habitant", "oui"). Such input is refused rather than interpreted; free-text
questions keep it as written (it is escaped wherever it is shown).
"""

from __future__ import annotations

import re

_HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]*>")
_SCRIPT_URL = re.compile(r"\b(?:javascript|data|vbscript)\s*:", re.IGNORECASE)
_SQL = re.compile(
    r"\b(?:select\b.+\bfrom|drop\s+table|insert\s+into|delete\s+from|update\b.+\bset|union\s+select"
    r"|or\s+\d+\s*=\s*\d+|and\s+\d+\s*=\s*\d+)\b",
    re.IGNORECASE | re.DOTALL,
)
_SQL_COMMENT = re.compile(r"(?:--|/\*|\*/|;)\s*$|'\s*;|;\s*--")
# Program statements: a call of a known function, a block, statements chained by ";".
_PROGRAM = re.compile(
    r"\b(?:print|console\.log|alert|eval|exec|system|echo|printf)\s*\("
    r"|[{};]\s*(?:return|print|if|for|while|var|let|const|def|import|echo)\b"
    r"|\b(?:if|for|while)\s*\([^()]*\)\s*\{"
    r"|\bimport\s+[\w.]+\s*;",
    re.IGNORECASE,
)


def looks_like_code(text: str) -> bool:
    """True for HTML tags, script URLs, SQL fragments and program statements."""
    sample = text[:2000]
    return bool(
        _HTML_TAG.search(sample)
        or _SCRIPT_URL.search(sample)
        or _SQL.search(sample)
        or _SQL_COMMENT.search(sample)
        or _PROGRAM.search(sample)
    )
