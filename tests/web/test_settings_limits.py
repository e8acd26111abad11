"""The settings of issue 9: trusted proxies, Redis, and the rates of the limiter's rules."""

from __future__ import annotations

import ipaddress

import pytest

from bot.settings import Rate, Settings, SettingsError, load_settings


def test_defaults_trust_no_proxy_and_keep_counts_in_memory() -> None:
    settings = load_settings({})
    assert settings.trusted_proxies == ()
    assert settings.redis_url is None
    assert (settings.rate_limit, settings.rate_limit_ip) == (30, 300)
    assert settings.socket_rate == Rate(30, 60)
    assert settings.login_rate_client == Rate(20, 900)
    assert settings.login_rate_account == Rate(100, 3600)
    assert settings.login_rate_pair == Rate(5, 900)


def test_read_from_the_environment() -> None:
    settings = load_settings(
        {
            "DIAGNOSTIC_TRUSTED_PROXIES": "10.0.0.5, 192.168.0.0/24,, fd00::/8",
            "DIAGNOSTIC_REDIS_URL": "redis://127.0.0.1:6379/2",
            "DIAGNOSTIC_RATE_LIMIT_SOCKET": "10/30",
            "DIAGNOSTIC_RATE_LIMIT_LOGIN_IP": "50 / 1h",
            "DIAGNOSTIC_RATE_LIMIT_LOGIN_ACCOUNT": "1000/1D",
            "DIAGNOSTIC_RATE_LIMIT_LOGIN_PAIR": "3/15min",
        }
    )
    assert settings.trusted_proxies == (
        ipaddress.ip_network("10.0.0.5/32"),
        ipaddress.ip_network("192.168.0.0/24"),
        ipaddress.ip_network("fd00::/8"),
    )
    assert settings.redis_url == "redis://127.0.0.1:6379/2"
    assert settings.socket_rate == Rate(10, 30)
    assert settings.login_rate_client == Rate(50, 3600)
    assert settings.login_rate_account == Rate(1000, 86400)
    assert settings.login_rate_pair == Rate(3, 900)


def test_the_redis_url_stays_out_of_the_settings_repr() -> None:
    assert "secret" not in repr(Settings(redis_url="redis://:secret@127.0.0.1:6379/0"))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DIAGNOSTIC_TRUSTED_PROXIES", "10.0.0.5, proxy.local"),
        ("DIAGNOSTIC_TRUSTED_PROXIES", "10.0.0.0/33"),
        ("DIAGNOSTIC_REDIS_URL", "http://127.0.0.1:6379"),
        ("DIAGNOSTIC_REDIS_URL", "127.0.0.1:6379"),
        ("DIAGNOSTIC_RATE_LIMIT_SOCKET", "30"),
        ("DIAGNOSTIC_RATE_LIMIT_LOGIN_IP", "0/1min"),
        ("DIAGNOSTIC_RATE_LIMIT_LOGIN_PAIR", "5/0"),
        ("DIAGNOSTIC_RATE_LIMIT_LOGIN_ACCOUNT", "5 per minute"),
    ],
)
def test_bad_values_are_reported_in_french(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name) as raised:
        load_settings({name: value})
    assert "doit" in str(raised.value)
