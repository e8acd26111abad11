"""Finding 6: five wrong passwords locked an account for 15 minutes, even for its owner —
anyone who knew an address could keep the staff out.

Now no account is ever locked. Login attempts are counted (default limits) per client
address, per (client address, account) and per account for unknown devices, and per device
for a browser that has signed in to that account before (a signed device cookie, OWASP's
"device cookies"). A stranger guessing from one client is slowed (429 with Retry-After); a
stranger hammering from many clients slows the unknown devices, never the owner on their
known device.
"""

# ruff: noqa: F811  (fixtures imported from tests/web/)

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from starlette.testclient import TestClient

from bot.settings import Rate
from bot.web.staff.devices import DEVICE_COOKIE
from tests.review.conftest import Stores
from tests.web.conftest import fake_rasa, settings, store  # noqa: F401  (fixtures)
from tests.web.staff_support import (  # noqa: F401  (fixtures)
    EMAIL,
    PASSWORD,
    accounts,
    client_from,
    log_in,
    make_staff_client,
    seeded,
    stores,
    token,
)

WRONG = "ce n'est pas le bon mot de passe"


def test_strangers_on_many_clients_do_not_keep_the_owner_out(
    make_staff_client: Callable[..., TestClient], seeded: Stores
) -> None:
    owner = make_staff_client(client=("192.0.2.10", 50000))
    assert log_in(owner).status_code == 303
    assert owner.post("/equipe/deconnexion", data={"csrf": token(owner)}).status_code == 200
    # 40 clients, 5 wrong passwords each: 200 guesses at the owner's address.
    seen: Counter[int] = Counter()
    for number in range(1, 41):
        stranger = client_from(owner.app, f"203.0.113.{number}")
        for _ in range(5):
            seen[log_in(stranger, EMAIL, WRONG).status_code] += 1
    response = log_in(owner)
    assert response.status_code == 303, "the owner, on a device used before, gets in"
    assert owner.get("/equipe/", follow_redirects=False).status_code == 200
    assert set(seen) <= {401, 429} and seen[429] > 0, seen
    # Unknown devices trying that account wait (and are told why), whatever their address.
    newcomer = client_from(owner.app, "198.51.100.20")
    refused = log_in(newcomer)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "appareils inconnus" in refused.text


def test_guessing_from_one_client_is_slowed(
    make_staff_client: Callable[..., TestClient], seeded: Stores
) -> None:
    guesser = make_staff_client(client=("203.0.113.99", 50000))
    statuses = [log_in(guesser, EMAIL, f"{WRONG} {attempt}").status_code for attempt in range(8)]
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429] * 3, statuses
    response = log_in(guesser, EMAIL, WRONG)
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60
    assert "Trop de tentatives de connexion à ce compte" in response.text
    assert 'lang="fr"' in response.text
    # Other accounts from the same client still get their own, per-address, allowance.
    assert log_in(guesser, "autre@plateforme.example", WRONG).status_code == 401


def test_a_known_device_is_limited_on_its_own(
    make_staff_client: Callable[..., TestClient], seeded: Stores
) -> None:
    owner = make_staff_client(client=("192.0.2.10", 50000))
    assert log_in(owner).status_code == 303
    # A typo or two, then the right password: the device's count starts again.
    for _ in range(4):
        assert log_in(owner, EMAIL, WRONG).status_code == 401
    assert log_in(owner).status_code == 303
    for _ in range(5):
        assert log_in(owner, EMAIL, WRONG).status_code == 401
    assert log_in(owner).status_code == 429, "a stolen device cookie guesses slowly too"


def test_the_device_cookie_is_safe_and_bound_to_the_account(
    make_staff_client: Callable[..., TestClient], seeded: Stores
) -> None:
    owner = make_staff_client(client=("192.0.2.10", 50000), login_rate_client=Rate(2, 900))
    response = log_in(owner)
    [cookie] = [line for line in response.headers.get_list("set-cookie") if line.startswith(DEVICE_COOKIE)]
    lowered = cookie.lower()
    for attribute in ("httponly", "samesite=strict", "secure", "path=/equipe/connexion"):
        assert attribute in lowered, cookie
    value = owner.cookies.get(DEVICE_COOKIE)
    assert EMAIL not in value

    def three_guesses(device_cookie: str, address: str, email: str = EMAIL) -> list[int]:
        browser = client_from(owner.app, address)
        browser.cookies.set(DEVICE_COOKIE, device_cookie)
        return [log_in(browser, email, WRONG).status_code for _ in range(3)]

    # A known device is not held to the per-address limit (2 here)...
    assert three_guesses(value, "203.0.113.1") == [401, 401, 401]
    # ...but only for its own account, and only with the cookie this site signed.
    assert three_guesses(value, "203.0.113.2", "autre@plateforme.example") == [401, 401, 429]
    nonce, issued, signature = value.split(".")
    forgeries = (
        f"{nonce}.{issued}.{'A' * 43}",
        f"{nonce}.{int(issued) + 1}.{signature}",
        f"{'B' * 22}.{issued}.{signature}",
        "n'importe quoi",
    )
    for number, forged in enumerate(forgeries, start=10):
        assert three_guesses(forged, f"203.0.113.{number}") == [401, 401, 429], forged
