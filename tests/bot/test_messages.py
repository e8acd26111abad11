"""The engine's phrases are all present and use only the placeholders the engine fills."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.messages import MESSAGES_PATH, REQUIRED_MESSAGES, MessagesError, load_messages


def test_every_phrase_formats_with_its_fields() -> None:
    messages = load_messages()
    for key, fields in REQUIRED_MESSAGES.items():
        text = messages.say(key, **{name: "X" for name in fields})
        assert text and "{" not in text, key


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("welcome"), "phrase manquante : welcome"),
        (lambda d: d.update(answer_noted="Noté : {valeur}"), "paramètre inconnu valeur"),
        (lambda d: d.update(extra="Bonjour"), "inutilisées : extra"),
        (lambda d: d.update(goodbye="Au revoir {"), "accolade"),
    ],
)
def test_broken_files_are_refused(tmp_path: Path, change, message: str) -> None:
    data = yaml.safe_load(MESSAGES_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "messages.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MessagesError, match=message):
        load_messages(path)
