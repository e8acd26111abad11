"""Every content file of sentences is complete and checked when loaded: each sentence formats with
its placeholders, and a file with a sentence missing, an unknown placeholder, a sentence too many
or a stray brace is refused with a French message that names it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.charts.text import CHARTS_PATH, REQUIRED_CHART_TEXTS, chart_texts
from bot.messages import MESSAGES_PATH, REQUIRED_MESSAGES, Messages, MessagesError, load_messages
from bot.staff_text import REQUIRED_STAFF_MESSAGES, STAFF_MESSAGES_PATH, staff_messages
from bot.web_text import REQUIRED_WEB_MESSAGES, WEB_MESSAGES_PATH, web_messages

# File name -> (its path, its keys and placeholders, how the product loads it).
FILES: dict[str, tuple[Path, dict[str, frozenset[str]], Callable[[], Messages]]] = {
    "messages.yml": (MESSAGES_PATH, REQUIRED_MESSAGES, load_messages),
    "web.yml": (WEB_MESSAGES_PATH, REQUIRED_WEB_MESSAGES, web_messages),
    "charts.yml": (CHARTS_PATH, REQUIRED_CHART_TEXTS, chart_texts),
    "staff.yml": (STAFF_MESSAGES_PATH, REQUIRED_STAFF_MESSAGES, staff_messages),
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
    _, required, loaded = FILES[name]
    messages = loaded()
    for key, fields in required.items():
        text = messages.say(key, **{field: "X" for field in fields})
        assert text and "{" not in text, (name, key)


@pytest.mark.parametrize(("name", "change", "message"), BROKEN)
def test_broken_files_are_refused(tmp_path: Path, name: str, change: Change, message: str) -> None:
    path, required, _ = FILES[name]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    broken = tmp_path / name
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MessagesError, match=message):
        load_messages(broken, required)
