"""The staff's sentences written by the code (bot/content/staff.yml) are all present and checked."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from bot.review import cli as review_cli
from bot.review.accounts import REVIEWER, StaffUser
from bot.staff_text import staff_text


def test_password_prompts_keep_their_trailing_space(monkeypatch) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str, stream=None) -> str:
        prompts.append(prompt)
        return "quatre mots sans lien"

    monkeypatch.delenv(review_cli.PASSWORD_ENV, raising=False)
    monkeypatch.setattr(review_cli.getpass, "getpass", fake_getpass)
    assert review_cli._read_password() == "quatre mots sans lien"
    assert prompts == [
        "Mot de passe (12 caractères au moins, difficile à deviner : plusieurs mots peu courants) : ",
        "Le même mot de passe, encore une fois : ",
    ]


def test_delete_asks_before_deleting_and_says_nothing_was(monkeypatch, capsys) -> None:
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "n")
    args = argparse.Namespace(yes=False, sender_id="abc-123")
    assert review_cli._delete(args) == 1
    assert asked == ["Supprimer définitivement la conversation « abc-123 » des deux stockages ? [o/N] "]
    assert capsys.readouterr().err == "Rien n'a été supprimé.\n"


def test_account_listing_is_tab_separated(monkeypatch, capsys) -> None:
    created = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
    users = [
        StaffUser(
            id=1,
            email="claire@plateforme.example",
            role=REVIEWER,
            created_at=created,
            last_login_at=None,
            session_version=1,
        )
    ]

    class Accounts:
        engine = type("Engine", (), {"dispose": lambda self: None})()

        def list_users(self) -> list[StaffUser]:
            return users

    monkeypatch.setattr(review_cli.StaffAccounts, "from_url", classmethod(lambda cls, url: Accounts()))
    assert review_cli._staff_list(argparse.Namespace(database_url=None)) == 0
    assert capsys.readouterr().out == (
        "claire@plateforme.example\trelecteur\tcréé le 2026-11-02\tdernière connexion : jamais\n"
    )
    users.clear()
    review_cli._staff_list(argparse.Namespace(database_url=None))
    assert capsys.readouterr().out == staff_text("accounts_none") + "\n"
