"""The staff area's gate: login, server-side sessions, throttling, CSRF, settings of the key.

The findings of issue 9 (revocation, lock-out, roles, weak passwords) are in tests/security/.
"""

# ruff: noqa: F811  (fixtures imported from tests/web/staff_support.py)

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.review import StaffAccounts
from bot.settings import Rate, Settings, SettingsError, load_settings
from bot.storage.review_models import StaffSessionRow
from bot.web.app import create_app
from bot.web.staff import SESSION_COOKIE
from tests.review.conftest import Stores
from tests.servers import ROOT
from tests.web.staff_support import (  # noqa: F401  (fixtures)
    EMAIL,
    PASSWORD,
    StaffClock,
    accounts,
    anonymous,
    concrete_path,
    csrf_of,
    log_in,
    make_staff_client,
    review,
    seeded,
    session_cookie,
    staff,
    staff_clock,
    staff_routes,
    stores,
    token,
)

KEY = "k" * 40


def test_the_staff_area_has_the_expected_routes(anonymous: TestClient) -> None:
    names = {route.name for route in staff_routes(anonymous.app)}
    assert {
        "staff_login", "staff_logout", "staff_list", "staff_conversation", "staff_mark", "staff_tags",
        "staff_note", "staff_correct", "staff_delete", "staff_corrections", "staff_delete_correction",
        "staff_export_nlu", "staff_dashboard", "staff_exports", "staff_export_csv", "staff_export_json",
        "staff_export_transcripts", "staff_password", "staff_accounts", "staff_account_add",
        "staff_account_role", "staff_account_remove", "staff_retention", "staff_purge",
    } <= names  # fmt: skip


def test_every_staff_route_refuses_anonymous_visitors(anonymous: TestClient, seeded: Stores) -> None:
    before = seeded.review.review_state("alice")
    # A CSRF token of an anonymous session must not open anything either.
    anonymous_token = csrf_of(anonymous.get("/equipe/connexion").text)
    checked = 0
    for route in staff_routes(anonymous.app):
        if route.name == "staff_login":
            continue
        path = concrete_path(route)
        for method in sorted(route.methods - {"HEAD"}):
            data = {"csrf": anonymous_token, "sender_id": "alice", "relu": "1", "confirmer": "oui"}
            response = anonymous.request(
                method, path, data=data if method == "POST" else None, follow_redirects=False
            )
            if method == "GET":
                assert response.status_code == 303, (method, path)
                assert response.headers["location"].startswith("/equipe/connexion"), path
            else:
                assert response.status_code == 401, (method, path)
                assert "Connectez-vous" in response.text
            assert "alice" not in response.text.replace("sender_id", "")
            checked += 1
    assert checked >= 16
    assert seeded.review.review_state("alice") == before
    assert seeded.review.conversation_detail("alice") is not None
    assert anonymous.get("/equipe", follow_redirects=True).url.path == "/equipe/connexion"


def set_cookies(response) -> dict[str, str]:
    return {line.split("=", 1)[0]: line for line in response.headers.get_list("set-cookie")}


def test_login_opens_a_session_with_a_safe_cookie(
    anonymous: TestClient, seeded: Stores, accounts: StaffAccounts
) -> None:
    response = log_in(anonymous)
    assert response.status_code == 303
    assert response.headers["location"] == "/equipe/"
    cookie = set_cookies(response)[SESSION_COOKIE]
    lowered = cookie.lower()
    for attribute in ("httponly", "samesite=strict", "secure", "path=/equipe;", "max-age=28800"):
        assert attribute in lowered, cookie
    # The cookie is an opaque random token; the server keeps only its hash.
    value = session_cookie(anonymous)
    assert len(value) == 43 and EMAIL not in value
    with accounts.engine.connect() as connection:
        hashes = connection.scalars(select(StaffSessionRow.token_hash)).all()
    assert hashes == [hashlib.sha256(value.encode()).hexdigest()]
    page = anonymous.get("/equipe/")
    assert page.status_code == 200
    assert EMAIL in page.text and "Se déconnecter" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_no_secure_flag_over_plain_http(make_staff_client: Callable[..., TestClient]) -> None:
    client = make_staff_client(public_url="http://127.0.0.1:8000")
    cookie = client.get("/equipe/connexion").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie


def test_a_wrong_password_is_refused_without_saying_why(anonymous: TestClient) -> None:
    for email, password in (
        (EMAIL, "mauvais mot de passe"),
        ("personne@ailleurs.example", PASSWORD),
        ("", ""),
    ):
        response = log_in(anonymous, email, password)
        assert response.status_code == 401
        assert "Adresse électronique ou mot de passe incorrect" in response.text
    assert anonymous.get("/equipe/", follow_redirects=False).status_code == 303


def test_login_attempts_are_throttled_per_client_address(
    make_staff_client: Callable[..., TestClient],
) -> None:
    client = make_staff_client(login_rate_client=Rate(3, 900))
    for address in ("a@b.example", "c@d.example", "e@f.example"):
        assert log_in(client, address, "mauvais mot de passe").status_code == 401
    response = log_in(client)
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60
    assert "Trop de tentatives de connexion depuis votre adresse" in response.text
    assert client.get("/equipe/", follow_redirects=False).status_code == 303


def test_login_attempts_are_throttled_per_client_and_account(
    make_staff_client: Callable[..., TestClient],
) -> None:
    client = make_staff_client(login_rate_pair=Rate(2, 900))
    for _ in range(2):
        assert log_in(client, password="mauvais mot de passe").status_code == 401
    response = log_in(client)
    assert response.status_code == 429, "even the right password waits"
    assert "Trop de tentatives de connexion à ce compte" in response.text
    assert log_in(client, "autre@plateforme.example", "mauvais mot de passe").status_code == 401


def test_logout_ends_the_session(staff: TestClient) -> None:
    assert staff.post("/equipe/deconnexion", data={}, follow_redirects=False).status_code == 403
    assert staff.get("/equipe/", follow_redirects=False).status_code == 200, "no CSRF, no logout"
    response = staff.post("/equipe/deconnexion", data={"csrf": token(staff)}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/equipe/connexion?deconnexion=1"
    assert staff.get("/equipe/", follow_redirects=False).status_code == 303


def test_every_post_route_checks_the_csrf_token(staff: TestClient, seeded: Stores) -> None:
    review = seeded.review
    flagged = review.conversation_detail("alice").flagged_turns[0].user.event_id
    review.add_correction("une phrase corrigée", "greet", EMAIL)
    before = (review.review_state("alice"), review.corrections().total, len(review.audit_log()))
    data = {
        "sender_id": "alice", "relu": "1", "etiquettes": "piratée", "note": "piratée", "confirmer": "oui",
        "event_id": str(flagged), "intent": "greet", "correction_id": "1",
    }  # fmt: skip
    posts = [route for route in staff_routes(staff.app) if "POST" in route.methods]
    assert len(posts) >= 8
    for route in posts:
        for sent in ({}, {"csrf": "faux-jeton"}, {"csrf": ""}):
            response = staff.post(concrete_path(route), data={**data, **sent}, follow_redirects=False)
            assert response.status_code == 403, (route.path, sent)
            assert "jeton de sécurité" in response.text
    assert (review.review_state("alice"), review.corrections().total, len(review.audit_log())) == before
    assert review.conversation_detail("alice") is not None
    assert staff.get("/equipe/", follow_redirects=False).status_code == 200, "still signed in"


def test_login_goes_back_to_the_page_asked_for_and_only_there(anonymous: TestClient, seeded: Stores) -> None:
    response = anonymous.get("/equipe/conversations/alice", follow_redirects=False)
    assert response.headers["location"] == "/equipe/connexion?suivant=%2Fequipe%2Fconversations%2Falice"
    page = anonymous.get(response.headers["location"]).text
    assert 'name="suivant" value="/equipe/conversations/alice"' in page
    response = log_in(anonymous, suivant="/equipe/conversations/alice")
    assert response.headers["location"] == "/equipe/conversations/alice"
    for target in ("https://pirate.example/", "//pirate.example/equipe/", "/equipe/\\\\pirate", "/rapport/x"):
        anonymous.cookies.clear()
        assert log_in(anonymous, suivant=target).headers["location"] == "/equipe/"


def rows(accounts: StaffAccounts) -> int:
    with accounts.engine.connect() as connection:
        return len(connection.execute(select(StaffSessionRow)).all())


def test_sessions_end_after_8_hours_even_when_used(
    staff: TestClient, staff_clock: StaffClock, accounts: StaffAccounts
) -> None:
    for _ in range(15):
        staff_clock.advance(minutes=30)
        assert staff.get("/equipe/", follow_redirects=False).status_code == 200
    staff_clock.advance(minutes=30, seconds=5)
    response = staff.get("/equipe/", follow_redirects=False)
    assert response.status_code == 303, "sessions last 8 hours"
    assert rows(accounts) == 0, "the expired session is deleted"
    assert SESSION_COOKIE not in staff.cookies, "and its cookie cleared"


def test_sessions_end_after_an_hour_without_a_request(staff: TestClient, staff_clock: StaffClock) -> None:
    staff_clock.advance(minutes=59)
    assert staff.get("/equipe/", follow_redirects=False).status_code == 200
    staff_clock.advance(minutes=59)
    assert staff.get("/equipe/", follow_redirects=False).status_code == 200, "each request restarts it"
    staff_clock.advance(minutes=61)
    assert staff.get("/equipe/", follow_redirects=False).status_code == 303


def test_expired_sessions_are_purged_at_the_next_login(
    make_staff_client: Callable[..., TestClient], staff_clock: StaffClock, accounts: StaffAccounts
) -> None:
    for _ in range(3):
        assert log_in(make_staff_client()).status_code == 303
    assert rows(accounts) == 3
    staff_clock.advance(hours=2)
    assert log_in(make_staff_client()).status_code == 303
    assert rows(accounts) == 1


def test_a_forged_or_unknown_token_opens_nothing(anonymous: TestClient, seeded: Stores) -> None:
    for forged in ("x" * 43, "admin", '"{\\"staff_id\\": 1}"', "%C3%A9" * 43, ""):
        response = anonymous.get(
            "/equipe/", headers={"Cookie": f"{SESSION_COOKIE}={forged}"}, follow_redirects=False
        )
        assert response.status_code == 303, forged


def test_production_refuses_to_start_without_a_secret_key() -> None:
    with pytest.raises(SettingsError, match="DIAGNOSTIC_SECRET_KEY est obligatoire en production"):
        load_settings({"DIAGNOSTIC_ENV": "production"})
    with pytest.raises(SettingsError, match="DIAGNOSTIC_SECRET_KEY est obligatoire"):
        create_app(Settings(production=True))
    with pytest.raises(SettingsError, match="au moins 32 caractères"):
        load_settings({"DIAGNOSTIC_ENV": "production", "DIAGNOSTIC_SECRET_KEY": "trop courte"})
    with pytest.raises(SettingsError, match="DIAGNOSTIC_ENV"):
        load_settings({"DIAGNOSTIC_ENV": "prod"})
    settings = load_settings(
        {"DIAGNOSTIC_ENV": "production", "DIAGNOSTIC_SECRET_KEY": KEY, "DIAGNOSTIC_RASA_SECRET": KEY}
    )
    assert settings.production and settings.secret_key == KEY
    assert KEY not in repr(settings)
    assert load_settings({}).secret_key is None, "development: a random key per process"
    assert load_settings({"DIAGNOSTIC_STAFF_SESSION_HOURS": "2"}).staff_session_seconds == 7200


def test_the_server_command_refuses_production_without_a_key() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bot.web"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DIAGNOSTIC_ENV": "production"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2
    assert "DIAGNOSTIC_SECRET_KEY est obligatoire en production" in completed.stderr


def test_every_process_on_the_same_store_shares_the_sessions(
    make_staff_client: Callable[..., TestClient],
) -> None:
    first = make_staff_client(secret_key=KEY)
    assert log_in(first).status_code == 303
    second = make_staff_client(secret_key=KEY)
    second.cookies = first.cookies
    assert second.get("/equipe/", follow_redirects=False).status_code == 200
    response = second.post("/equipe/deconnexion", data={"csrf": token(second)}, follow_redirects=False)
    assert response.status_code == 303
    assert first.get("/equipe/", follow_redirects=False).status_code == 303, "logged out everywhere"


def test_reports_are_reachable_only_by_their_address(anonymous: TestClient) -> None:
    for path in (
        "/rapport/",
        "/rapport",
        "/rapport/inconnu",
        "/rapport/inconnu.json",
        "/rapport/%25",
        "/rapports",
    ):
        assert anonymous.get(path).status_code == 404, path
    assert "existe pas" in anonymous.get("/rapport/").text
