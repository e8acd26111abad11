"""The DIAGNOSTIC_ settings of the web application."""

from __future__ import annotations

import dataclasses

import pytest

from bot.settings import Settings, SettingsError, load_settings, report_json_path, report_path


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.public_url == "http://127.0.0.1:8000"
    assert (settings.web_host, settings.web_port, settings.demo_port) == ("127.0.0.1", 8000, 8001)
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert settings.cors_origins == ("http://127.0.0.1:8001", "http://localhost:8001")
    assert settings.max_message_length == 2000
    assert settings == Settings()


def test_read_from_the_environment() -> None:
    settings = load_settings(
        {
            "DIAGNOSTIC_PUBLIC_URL": "https://diagnostic.example.fr/",
            "DIAGNOSTIC_WEB_PORT": "9000",
            "DIAGNOSTIC_RASA_URL": "http://rasa:5005/",
            "DIAGNOSTIC_CORS_ORIGINS": "https://www.ville.fr, https://agglo.fr/ ,",
            "DIAGNOSTIC_RATE_LIMIT": "5",
            "DIAGNOSTIC_RASA_TIMEOUT": "2.5",
        }
    )
    assert settings.public_url == "https://diagnostic.example.fr"
    assert settings.web_port == 9000
    assert settings.rasa_url == "http://rasa:5005"
    assert settings.cors_origins == ("https://www.ville.fr", "https://agglo.fr")
    assert settings.rate_limit == 5
    assert settings.rasa_timeout == 2.5


def test_the_demo_origin_follows_the_demo_port() -> None:
    settings = load_settings({"DIAGNOSTIC_DEMO_PORT": "9001"})
    assert "http://127.0.0.1:9001" in settings.cors_origins


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DIAGNOSTIC_WEB_PORT", "huit mille"),
        ("DIAGNOSTIC_RATE_LIMIT", "0"),
        ("DIAGNOSTIC_RASA_TIMEOUT", "-1"),
    ],
)
def test_bad_values_are_reported_in_french(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        load_settings({}).public_url = "x"  # type: ignore[misc]


def test_report_addresses() -> None:
    assert report_path("abc") == "/rapport/abc"
    assert report_json_path("abc") == "/rapport/abc.json"
