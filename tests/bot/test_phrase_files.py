"""Every content file of sentences is complete and checked when loaded: each sentence formats with
its placeholders, and a file with a sentence missing, an unknown placeholder, a sentence too many
or a stray brace is refused with a French message that names it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.charts.text import CHART_PHRASES
from bot.messages import ENGINE_PHRASES, MessagesError, PhraseFile, load_messages
from bot.staff_text import STAFF_PHRASES
from bot.web_text import WEB_PHRASES

# File name -> its path, its keys and placeholders, and how the product loads it.
FILES: dict[str, PhraseFile] = {
    "messages.yml": ENGINE_PHRASES,
    "web.yml": WEB_PHRASES,
    "charts.yml": CHART_PHRASES,
    "staff.yml": STAFF_PHRASES,
}
Change = Callable[[dict[str, Any]], Any]
BROKEN: list[tuple[str, Change, str]] = [
    ("messages.yml", lambda d: d.pop("welcome"), "phrase manquante : welcome"),
    ("messages.yml", lambda d: d.update(answer_noted="Noté : {valeur}"), "paramètre inconnu valeur"),
    ("messages.yml", lambda d: d.update(extra="Bonjour"), "inutilisées : extra"),
    ("messages.yml", lambda d: d.update(goodbye="Au revoir {"), "accolade"),
    ("web.yml", lambda d: d.pop("error_404"), "phrase manquante : error_404"),
    ("web.yml", lambda d: d.update(too_large="Trop gros ({taille} octets)."), "paramètre inconnu taille"),
    ("web.yml", lambda d: d.update(extra="Bonjour"), "inutilisées : extra"),
    ("web.yml", lambda d: d.update(error_400="Requête {"), "accolade"),
    ("charts.yml", lambda d: d.pop("radar_title"), "phrase manquante : radar_title"),
    ("charts.yml", lambda d: d.update(radar_axis="{label} : {note}"), "paramètre inconnu note"),
    ("charts.yml", lambda d: d.update(extra="Bonjour"), "inutilisées : extra"),
    ("staff.yml", lambda d: d.pop("accounts_none"), "phrase manquante : accounts_none"),
    (
        "staff.yml",
        lambda d: d.update(account_unknown="Aucun compte pour {adresse}."),
        "paramètre inconnu adresse",
    ),
    ("staff.yml", lambda d: d.update(extra="Bonjour"), "inutilisées : extra"),
    ("staff.yml", lambda d: d.update(delete_nothing="Rien {"), "accolade"),
]


@pytest.mark.parametrize("name", FILES)
def test_every_sentence_formats_with_its_fields(name: str) -> None:
    phrases = FILES[name]
    messages = phrases.messages()
    for key, fields in phrases.required.items():
        text = messages.say(key, **{field: "X" for field in fields})
        assert text and "{" not in text, (name, key)


@pytest.mark.parametrize(("name", "change", "message"), BROKEN)
def test_broken_files_are_refused(tmp_path: Path, name: str, change: Change, message: str) -> None:
    phrases = FILES[name]
    data = yaml.safe_load(phrases.path.read_text(encoding="utf-8"))
    change(data)
    broken = tmp_path / name
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MessagesError, match=message):
        load_messages(broken, phrases.required)
