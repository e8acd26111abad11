"""The engine's French phrases, loaded from ``bot/content/messages.yml`` and checked at load."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.content_files import CONTENT_DIR, read_yaml_mapping


def required_phrases(spec: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """Every phrase's key with the placeholders it may use, as the checks read them."""
    return {key: frozenset(fields) for key, fields in spec.items()}


class PhraseFile:
    """A content file of sentences: its path, and every key with the placeholders it may use.

    The sentences are loaded and checked at first use (``messages()``, see :func:`load_messages`);
    ``text(key, **fields)`` is one of them, filled in. The engine's, the door's, the staff's, the
    charts' and the peers' sentences are each one ``PhraseFile``.
    """

    def __init__(self, path: Path, required: Mapping[str, Iterable[str]]) -> None:
        self.path = Path(path)
        self.required = required_phrases(required)
        self._messages: Messages | None = None

    def messages(self) -> Messages:
        if self._messages is None:
            self._messages = load_messages(self.path, self.required)
        return self._messages

    def text(self, key: str, **fields: object) -> str:
        return self.messages().say(key, **fields)


# Every phrase the engine uses, with the placeholders it fills in.
ENGINE_PHRASES = PhraseFile(
    CONTENT_DIR / "messages.yml",
    {
        "welcome": (),
        "welcome_start_prompt": (),
        "start_button": (),
        "diagnostic_intro": (),
        "welcome_back": ("position", "total"),
        "already_finished": (),
        "restart_button": (),
        "restarted": (),
        "answer_noted": ("value",),
        "answer_corrected": ("value",),
        "dont_know_noted": (),
        "skipped": (),
        "skip_button": (),
        "dont_know_button": (),
        "partly_button": (),
        "no_choice_label": (),
        "not_understood": ("hint",),
        "confirm_which": ("options",),
        "still_not_understood": (),
        "too_long": ("length",),
        "empty_message": (),
        "hint_oui_partiel_non": (),
        "hint_choix": ("examples",),
        "hint_choix_multiple": ("examples",),
        "hint_nombre": (),
        "hint_nombre_bounds": ("minimum", "maximum"),
        "hint_echelle": ("minimum", "maximum"),
        "hint_texte": ("max_length",),
        "why_prefix": ("why",),
        "why_no_question": (),
        "definition_unknown": ("terms",),
        "correction_prompt": ("position", "value"),
        "correction_nothing": (),
        "correction_cancelled": (),
        "paused": ("position", "total"),
        "goodbye": (),
        "not_started": (),
        "storage_error": (),
        "engine_error": (),
        "stale_answer": (),
        "off_topic": (),
        "other_language": (),
        "thank": (),
        "bot_challenge": (),
        "insult": (),
        "help": (),
        "unknown_value": (),
        "skipped_value": (),
        "skipped_label": (),
        "result_intro": (),
        "result_overall": ("level", "rank", "score", "description"),
        "result_overall_unknown": (),
        "result_coverage": ("coverage",),
        "result_axes_title": (),
        "result_axis_line": ("label", "score", "level"),
        "result_axis_line_unknown": ("label",),
        "result_recommendation": ("title", "summary"),
        "result_reasons": ("reasons",),
        "result_first_step": ("first_step",),
        "result_fact": ("text", "source"),
        "result_alternatives": ("alternatives",),
        "result_report": ("url",),
        "authority_confirm": ("authority", "population"),
        "authority_confirm_without_population": ("authority",),
        "authority_which": ("name", "example"),
        "authority_noted": ("authority", "kind", "population"),
        "authority_noted_without_population": ("authority", "kind"),
        "authority_declined": (),
        "authority_is_it_you": (),
        "authority_is_it_you_why": (),
        "yes_button": (),
        "no_button": (),
        "none_of_these_button": (),
        # A repeat of an earlier diagnostic (issue 14, progress over time).
        "repeat_intro": (),
        "repeat_recall": ("value",),
        "repeat_recall_skipped": ("value",),
        "keep_button": (),
        "repeat_kept": ("value",),
        "repeat_nothing_to_keep": (),
        "repeat_first_action_question": ("title",),
        "repeat_first_action_why": (),
        "reminder_summary": (),
        "reminder_description": ("url",),
    },
)


class MessagesError(ValueError):
    """The messages file is missing a phrase or uses an unknown placeholder."""


class Messages:
    """Read-only access to the phrases: ``messages.say("answer_noted", value="Oui")``."""

    def __init__(self, texts: dict[str, str]) -> None:
        self._texts = dict(texts)

    def say(self, key: str, **fields: Any) -> str:
        return self._texts[key].format(**fields)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def load_messages(path: Path | str, required: dict[str, frozenset[str]]) -> Messages:
    """The phrases of ``path``: exactly the keys of ``required``, each with only its placeholders
    (a :class:`PhraseFile` passes its own)."""
    path = Path(path)
    raw = read_yaml_mapping(path, MessagesError)
    problems = message_problems(raw, required)
    if problems:
        raise MessagesError(f"{path} est invalide :\n" + "\n".join(problems))
    return messages_of(raw, required)


def message_problems(texts: Mapping[str, Any], required: Mapping[str, frozenset[str]]) -> list[str]:
    """What is wrong with ``texts`` (in French): a missing phrase, an unknown placeholder, an
    unused phrase. A content file that holds phrases among other things checks its own with it."""
    problems = []
    for key, allowed in required.items():
        text = texts.get(key)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"phrase manquante : {key}")
            continue
        try:
            unknown = _placeholders(text) - allowed
        except ValueError as exc:
            problems.append(f"{key} : accolade mal formée ({exc})")
            continue
        if unknown:
            problems.append(f"{key} : paramètre inconnu {', '.join(sorted(unknown))}")
    extra = sorted(set(texts) - set(required))
    if extra:
        problems.append(f"phrases inutilisées : {', '.join(extra)}")
    return problems


def messages_of(texts: Mapping[str, Any], required: Mapping[str, frozenset[str]]) -> Messages:
    """The phrases of ``texts`` that ``message_problems`` found right, each on one line."""
    return Messages({key: " ".join(str(texts[key]).split()) for key in required})


default_messages = ENGINE_PHRASES.messages
