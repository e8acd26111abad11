"""The text inside charts: labels wrapped to fit the drawing, scores written the French way."""

from __future__ import annotations

from bot.formatting import number


def wrap(text: str, width: int, max_lines: int | None = None) -> list[str]:
    """``text`` on lines of at most ``width`` characters, cut between words (a word longer than
    a line is cut too); past ``max_lines``, the last line ends with "…"."""
    words: list[str] = []
    for word in str(text).split():
        words.extend(word[start : start + width] for start in range(0, len(word), width))
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if max_lines is not None and len(lines) > max_lines:
        last = lines[max_lines - 1]
        lines = [*lines[: max_lines - 1], (last if len(last) < width else last[: width - 1].rstrip()) + "…"]
    return lines or [""]


def score_text(score: float | None) -> str:
    """ "42,5/100", or "non évalué" for an axis without a score."""
    return "non évalué" if score is None else f"{number(score)}/100"
