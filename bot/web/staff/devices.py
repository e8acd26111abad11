"""Device cookies: a browser that has signed in to an account is recognised at its next login.

After a successful login the browser gets ``equipe_appareil`` = ``NONCE.ISSUED.SIGNATURE``,
where SIGNATURE is an HMAC (key derived from DIAGNOSTIC_SECRET_KEY) of the nonce, the time
of issue and the account's address; the address itself is not in the cookie. At the next
login the cookie is valid only with the same address, for :data:`DEVICE_DAYS` days.

This is OWASP's defence against password guessing without lock-out ("Slow brute force
attacks: device cookies"): attempts from a known device are limited per device, attempts
from anywhere else per client address, per account and per (address, account) — so a
stranger who hammers an address slows down the unknown devices only, never its owner on a
device they have used before (bot/web/staff/login.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

DEVICE_COOKIE = "equipe_appareil"
DEVICE_PATH = "/equipe/connexion"
DEVICE_DAYS = 180
_COOKIE = re.compile(r"^([A-Za-z0-9_-]{22})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$")


def _signature(key: bytes, nonce: str, issued: int, email: str) -> str:
    message = f"{nonce}\n{issued}\n{email.strip().lower()}".encode("utf-8", "replace")
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue(key: bytes, email: str, now: datetime) -> str:
    """A new device cookie's value for the account ``email``."""
    nonce, issued = secrets.token_urlsafe(16), int(now.timestamp())
    return f"{nonce}.{issued}.{_signature(key, nonce, issued, email)}"


def known_device(key: bytes, cookie: str | None, email: str, now: datetime) -> str | None:
    """The device's nonce if ``cookie`` was issued by this site for ``email`` and is still valid."""
    found = _COOKIE.match(cookie or "")
    if found is None:
        return None
    nonce, issued = found.group(1), int(found.group(2))
    age = now - datetime.fromtimestamp(issued, tz=now.tzinfo)
    if not timedelta(minutes=-5) <= age <= timedelta(days=DEVICE_DAYS):
        return None
    if not hmac.compare_digest(found.group(3), _signature(key, nonce, issued, email)):
        return None
    return nonce
