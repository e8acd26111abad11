"""Understanding free French answers: folding, numbers, answer normalisation, look-ups.

Pure Python (no Rasa): the actions call these functions with the person's text and
the question being asked, and store what comes back.
"""

from bot.understanding.answers import interpret, is_dont_know, normalise
from bot.understanding.lookup import find_glossary_entry, find_question_by_topic
from bot.understanding.numbers import parse_number
from bot.understanding.text import fold

__all__ = [
    "find_glossary_entry",
    "find_question_by_topic",
    "fold",
    "interpret",
    "is_dont_know",
    "normalise",
    "parse_number",
]
