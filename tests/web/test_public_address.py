"""The Host check and the public address (bot/web/security.py), unit by unit."""

from __future__ import annotations

import pytest

from bot.web.security import host_name


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("diagnostic.example.fr", "diagnostic.example.fr"),
        ("Diagnostic.Example.FR.:443", "diagnostic.example.fr"),
        ("127.0.0.1:8000", "127.0.0.1"),
        ("[::1]:8000", "::1"),
        ("[::1]", "::1"),
        ("", ""),
        ("[::1", ""),
        ("[::1]x", ""),
        ("[::1]:", ""),
        ("localhost:", ""),
        ("localhost:80:80", ""),
        ("::1", ""),  # an IPv6 address must be in brackets
        ("pirate.example:http", ""),
    ],
)
def test_host_name(header: str, name: str) -> None:
    assert host_name(header) == name
