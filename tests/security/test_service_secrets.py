"""The secrets of the private services: made once (scripts/make-secrets.sh), required in
production (settings), sent by the web application to Rasa (bot/web/rasa_client.py)."""

from __future__ import annotations

import asyncio
import re
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from bot.service_secret import SECRET_HEADER
from bot.settings import SettingsError, load_settings
from bot.web.rasa_client import RasaClient
from tests.servers import ROOT

NAMES = ("DIAGNOSTIC_RASA_SECRET", "DIAGNOSTIC_ACTIONS_SECRET", "DIAGNOSTIC_SECRET_KEY")
KEY = "k" * 40


def make_secrets(file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "make-secrets.sh")],
        env={"PATH": "/usr/bin:/bin", "DIAGNOSTIC_SECRETS_FILE": str(file)},
        capture_output=True,
        text=True,
        check=True,
    )


def values(file: Path) -> dict[str, str]:
    return dict(re.findall(r"^export (\w+)=(\S+)$", file.read_text(), flags=re.MULTILINE))


def test_the_secrets_file_is_made_once_private_and_random(tmp_path: Path) -> None:
    first_file, second_file = tmp_path / "var" / "secrets.env", tmp_path / "other.env"
    make_secrets(first_file)
    first = values(first_file)

    assert stat.S_IMODE(first_file.stat().st_mode) == 0o600
    assert set(first) == set(NAMES)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{64}", value) for value in first.values())
    assert len(set(first.values())) == 3

    content = first_file.read_text()
    assert make_secrets(first_file).stdout == ""
    assert first_file.read_text() == content, "an existing file is never rewritten"

    make_secrets(second_file)
    assert set(values(second_file).values()).isdisjoint(first.values())


def test_a_missing_secret_is_added_and_the_others_kept(tmp_path: Path) -> None:
    file = tmp_path / "secrets.env"
    file.write_text("export DIAGNOSTIC_SECRET_KEY=une-cle-choisie-par-la-deploiement-de-32-car\n")
    file.chmod(0o644)

    completed = make_secrets(file)

    found = values(file)
    assert found["DIAGNOSTIC_SECRET_KEY"] == "une-cle-choisie-par-la-deploiement-de-32-car"
    assert set(found) == set(NAMES)
    assert "DIAGNOSTIC_RASA_SECRET" in completed.stdout and "DIAGNOSTIC_SECRET_KEY" not in completed.stdout
    assert stat.S_IMODE(file.stat().st_mode) == 0o600


def test_production_requires_the_rasa_secret() -> None:
    production = {"DIAGNOSTIC_ENV": "production", "DIAGNOSTIC_SECRET_KEY": KEY}
    with pytest.raises(SettingsError, match="DIAGNOSTIC_RASA_SECRET est obligatoire en production"):
        load_settings(production)
    with pytest.raises(SettingsError, match="DIAGNOSTIC_RASA_SECRET doit compter au moins 32 caractères"):
        load_settings({**production, "DIAGNOSTIC_RASA_SECRET": "court"})
    with pytest.raises(SettingsError, match="au moins 32"):
        load_settings({"DIAGNOSTIC_RASA_SECRET": "court"})
    settings = load_settings({**production, "DIAGNOSTIC_RASA_SECRET": "r" * 40})
    assert settings.rasa_secret == "r" * 40 and "r" * 40 not in repr(settings)
    assert load_settings({}).rasa_secret is None, "development: Rasa then refuses the door's calls"


@pytest.mark.parametrize("secret", ["r" * 40, None])
def test_the_web_application_sends_its_secret_to_rasa(secret: str | None) -> None:
    seen: list[httpx.Request] = []

    def rasa(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[{"recipient_id": "x", "text": "Bonjour"}])

    async def send() -> None:
        client = RasaClient("http://rasa.test", transport=httpx.MockTransport(rasa), secret=secret)
        try:
            await client.send("conversation-0001", "bonjour")
        finally:
            await client.aclose()

    asyncio.run(send())
    assert seen[0].headers.get(SECRET_HEADER) == secret
