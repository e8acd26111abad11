"""The client address the door trusts (bot/web/client_address.py)."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from starlette.requests import Request

from bot.web.client_address import client_address, parse_address

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128"))


def scope(peer: str | None, *forwarded: str) -> dict[str, Any]:
    return {
        "type": "http",
        "client": (peer, 50000) if peer is not None else None,
        "headers": [(b"x-forwarded-for", value.encode("latin-1")) for value in forwarded],
    }


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert client_address(scope("192.0.2.7", "203.0.113.9"), ()) == "192.0.2.7"


def test_a_peer_outside_the_trusted_proxies_is_the_client() -> None:
    assert client_address(scope("192.0.2.7", "203.0.113.9"), PROXIES) == "192.0.2.7"


def test_behind_a_trusted_proxy_the_right_most_untrusted_entry_is_the_client() -> None:
    # The client wrote "1.1.1.1" itself; the proxy appended the address it saw.
    assert client_address(scope("10.0.0.2", "1.1.1.1, 203.0.113.9"), PROXIES) == "203.0.113.9"
    # Two trusted hops (10.x) after the client.
    assert client_address(scope("10.0.0.2", "1.1.1.1, 203.0.113.9, 10.0.0.5"), PROXIES) == "203.0.113.9"
    # Several header lines are one list, in order.
    assert client_address(scope("10.0.0.2", "1.1.1.1", "203.0.113.9"), PROXIES) == "203.0.113.9"


def test_a_trusted_proxy_without_header_is_the_client() -> None:
    assert client_address(scope("10.0.0.2"), PROXIES) == "10.0.0.2"


def test_when_every_hop_is_trusted_the_furthest_one_is_the_client() -> None:
    assert client_address(scope("10.0.0.2", "10.0.0.9, 10.0.0.5"), PROXIES) == "10.0.0.9"


def test_addresses_are_normalised() -> None:
    assert client_address(scope("::ffff:192.0.2.7"), ()) == "192.0.2.7"
    assert client_address(scope("2001:DB8:0:0::1"), ()) == "2001:db8::1"
    assert client_address(scope("::1", "[2001:db8::5]:4711"), PROXIES) == "2001:db8::5"
    assert client_address(scope("::1", "198.51.100.4:8080"), PROXIES) == "198.51.100.4"


def test_odd_values_give_a_bounded_key() -> None:
    assert client_address(scope(None), ()) == "inconnu"
    assert client_address(scope("testclient"), PROXIES) == "testclient"
    assert client_address(scope("10.0.0.2", "203.0.113.9, unknown"), PROXIES) == "unknown"
    assert len(client_address(scope("10.0.0.2", "x" * 10_000), PROXIES)) <= 100
    assert client_address(scope("10.0.0.2", " , ,"), PROXIES) == "10.0.0.2"


def test_a_request_is_accepted_as_well_as_a_scope() -> None:
    request = Request(scope("10.0.0.2", "203.0.113.9"))
    assert client_address(request, PROXIES) == "203.0.113.9"


@pytest.mark.parametrize("text", ["", "inconnu", "1.2.3", "::g", "[::1", "1.2.3.4:x:y"])
def test_parse_address_refuses_what_is_not_an_address(text: str) -> None:
    assert parse_address(text) is None
