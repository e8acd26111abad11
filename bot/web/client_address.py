"""The address of the client a request comes from, as the deployment trusts it.

By default it is the TCP peer. Only when the peer is one of the configured trusted proxies
(DIAGNOSTIC_TRUSTED_PROXIES) is ``X-Forwarded-For`` believed, and then only its right-most
entry that is not itself a trusted proxy: every entry to its left was written by the client
and may be anything. Uvicorn must run with ``proxy_headers=False`` so that the peer it
reports is the real one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from starlette.requests import HTTPConnection

from bot.settings import IPNetwork

UNKNOWN = "inconnu"
_MAX_ENTRY = 100  # an entry that is not an address is kept, shortened, as the proxy gave it
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(text: str) -> IPAddress | None:
    """An IP address from a peer or X-Forwarded-For entry (``[v6]:port`` and ``v4:port`` too)."""
    text = text.strip()
    if text.startswith("["):
        text, closed, rest = text[1:].partition("]")
        if not closed or (rest and not rest[1:].isdigit()):
            return None
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress | None, trusted: Sequence[IPNetwork]) -> bool:
    return address is not None and any(address in network for network in trusted)


def _forwarded_for(scope: Any) -> list[str]:
    entries: list[str] = []
    for name, value in scope.get("headers") or ():
        if name.lower() == b"x-forwarded-for":
            entries.extend(value.decode("latin-1").split(","))
    return [entry.strip() for entry in entries if entry.strip()]


def client_address(scope_or_request: HTTPConnection | Any, trusted: Sequence[IPNetwork]) -> str:
    """The client's address: the peer, or what trusted proxies say the client is (see module doc)."""
    scope = scope_or_request.scope if isinstance(scope_or_request, HTTPConnection) else scope_or_request
    client = scope.get("client")
    peer_text = str(client[0]) if client else ""
    peer = parse_address(peer_text)
    if not _is_trusted(peer, trusted):
        return str(peer) if peer is not None else (peer_text[:_MAX_ENTRY] or UNKNOWN)
    entries = _forwarded_for(scope)
    for entry in reversed(entries):
        address = parse_address(entry)
        if address is None:
            # Our proxy wrote something that is not an address (e.g. "unknown"): stop there.
            return entry[:_MAX_ENTRY]
        if not _is_trusted(address, trusted):
            return str(address)
    # Every hop is a trusted proxy: the left-most is the furthest one known.
    if entries:
        first = parse_address(entries[0])
        return str(first) if first is not None else str(peer)
    return str(peer)
