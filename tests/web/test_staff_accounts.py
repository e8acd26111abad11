"""The staff's own password page, and the administrators' accounts and retention pages."""

# ruff: noqa: F811  (fixtures imported from tests/web/staff_support.py)

from __future__ import annotations

import html
import re
from collections.abc import Callable

from starlette.testclient import TestClient

from bot.review import StaffAccounts
from bot.settings import Rate
from tests.review.conftest import Stores
from tests.web.staff_support import (  # noqa: F401  (fixtures)
    EMAIL,
    PASSWORD,
    REVIEWER_EMAIL,
    accounts,
    concrete_path,
    log_in,
    make_staff_client,
    review,
    reviewer,
    seeded,
    session_cookie,
    staff,
    staff_routes,
    stores,
    token,
)

NEW_PASSWORD = "une toute nouvelle phrase secrète"


def post(client: TestClient, path: str, **data: str):
    return client.post(path, data={"csrf": token(client), **data}, follow_redirects=False)


def flash_after(client: TestClient, response, path: str) -> str:
    assert response.status_code == 303, response.text
    assert response.headers["location"] == path
    page = client.get(path).text
    found = re.search(r'<p class="flash flash--(ok|erreur)"[^>]*>([^<]*)</p>', page)
    assert found is not None, "no message on the page"
    return f"{found.group(1)}: {html.unescape(found.group(2))}"


# --- one's own password ----------------------------------------------------------------------------


def test_changing_ones_password(reviewer: TestClient, accounts: StaffAccounts) -> None:
    page = reviewer.get("/equipe/mot-de-passe")
    assert page.status_code == 200 and 'autocomplete="new-password"' in page.text
    wrong = post(
        reviewer, "/equipe/mot-de-passe", actuel="pas le bon", nouveau=NEW_PASSWORD, confirmation=NEW_PASSWORD
    )
    assert wrong.status_code == 400 and "Le mot de passe actuel est incorrect." in wrong.text
    differ = post(
        reviewer, "/equipe/mot-de-passe", actuel=PASSWORD, nouveau=NEW_PASSWORD, confirmation="autre"
    )
    assert differ.status_code == 400 and "différents" in differ.text
    assert accounts.authenticate(REVIEWER_EMAIL, PASSWORD) is not None
    done = post(
        reviewer, "/equipe/mot-de-passe", actuel=PASSWORD, nouveau=NEW_PASSWORD, confirmation=NEW_PASSWORD
    )
    assert flash_after(reviewer, done, "/equipe/mot-de-passe").startswith("ok: Mot de passe changé.")
    assert accounts.authenticate(REVIEWER_EMAIL, NEW_PASSWORD) is not None
    assert accounts.authenticate(REVIEWER_EMAIL, PASSWORD) is None


def test_guessing_the_current_password_is_slowed(
    make_staff_client: Callable[..., TestClient], seeded
) -> None:
    client = make_staff_client(login_rate_pair=Rate(3, 900))
    assert log_in(client, REVIEWER_EMAIL).status_code == 303
    form = {"nouveau": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
    statuses = [
        post(client, "/equipe/mot-de-passe", actuel=f"essai {n}", **form).status_code for n in range(4)
    ]
    assert statuses == [400, 400, 400, 429]


# --- accounts (administrators) --------------------------------------------------------------------


def test_an_administrator_creates_changes_and_removes_accounts(
    staff: TestClient, accounts: StaffAccounts, make_staff_client: Callable[..., TestClient], seeded: Stores
) -> None:
    page = staff.get("/equipe/comptes").text
    assert "relecteur" in page and REVIEWER_EMAIL in page and "votre compte" in page
    added = post(
        staff,
        "/equipe/comptes/ajout",
        email="Nina@Plateforme.example",
        role="relecteur",
        password=NEW_PASSWORD,
    )
    assert "Compte créé : nina@plateforme.example (relecteur)" in flash_after(staff, added, "/equipe/comptes")
    assert accounts.by_email("nina@plateforme.example").role == "reviewer"
    again = post(
        staff,
        "/equipe/comptes/ajout",
        email="nina@plateforme.example",
        role="relecteur",
        password=NEW_PASSWORD,
    )
    assert "existe déjà" in flash_after(staff, again, "/equipe/comptes")
    bad_role = post(
        staff, "/equipe/comptes/ajout", email="x@plateforme.example", role="chef", password=NEW_PASSWORD
    )
    assert "Rôle inconnu" in flash_after(staff, bad_role, "/equipe/comptes")

    # Nina signs in; her role changes at once, without a new login.
    nina = make_staff_client()
    assert log_in(nina, "nina@plateforme.example", NEW_PASSWORD).status_code == 303
    assert nina.get("/equipe/exports").status_code == 403
    promoted = post(staff, "/equipe/comptes/role", email="nina@plateforme.example", role="administrateur")
    assert "nina@plateforme.example est maintenant administrateur" in flash_after(
        staff, promoted, "/equipe/comptes"
    )
    assert nina.get("/equipe/exports").status_code == 200

    unconfirmed = post(staff, "/equipe/comptes/suppression", email="nina@plateforme.example")
    assert "Cochez la case" in flash_after(staff, unconfirmed, "/equipe/comptes")
    removed = post(staff, "/equipe/comptes/suppression", email="nina@plateforme.example", confirmer="oui")
    assert "Compte supprimé : nina@plateforme.example" in flash_after(staff, removed, "/equipe/comptes")
    assert accounts.by_email("nina@plateforme.example") is None
    assert nina.get("/equipe/", follow_redirects=False).status_code == 303, "her session ended"

    actions = [(entry.action, entry.target) for entry in seeded.review.audit_log()]
    for action in ("staff_account_add", "staff_account_role", "staff_account_remove"):
        assert (action, "nina@plateforme.example") in actions


def test_an_administrator_cannot_demote_or_remove_themselves(
    staff: TestClient, accounts: StaffAccounts
) -> None:
    for path, data in (
        ("/equipe/comptes/role", {"email": EMAIL, "role": "relecteur"}),
        ("/equipe/comptes/suppression", {"email": EMAIL, "confirmer": "oui"}),
    ):
        assert "autre administrateur" in flash_after(staff, post(staff, path, **data), "/equipe/comptes")
    assert accounts.by_email(EMAIL).is_admin
    unknown = post(staff, "/equipe/comptes/role", email="personne@plateforme.example", role="relecteur")
    assert "n'existe pas" in flash_after(staff, unknown, "/equipe/comptes")


# --- retention (administrators) -------------------------------------------------------------------


def test_an_administrator_purges_old_conversations(staff: TestClient, seeded: Stores) -> None:
    review = seeded.review
    total = review.list_conversations().total
    assert "Sans activité depuis" in staff.get("/equipe/conservation").text
    simulated = post(staff, "/equipe/conservation/purge", jours="2", simulation="1")
    message = flash_after(staff, simulated, "/equipe/conservation")
    assert "seraient supprimées" in message
    assert review.list_conversations().total == total
    unconfirmed = post(staff, "/equipe/conservation/purge", jours="2")
    assert "Cochez la case" in flash_after(staff, unconfirmed, "/equipe/conservation")
    for days in ("0", "abc", "-3", "9999999"):
        refused = post(staff, "/equipe/conservation/purge", jours=days, confirmer="oui")
        assert "nombre de jours" in flash_after(staff, refused, "/equipe/conservation")
    assert review.list_conversations().total == total
    purged = post(staff, "/equipe/conservation/purge", jours="2", confirmer="oui")
    count = int(re.search(r"(\d+) conversation", flash_after(staff, purged, "/equipe/conservation")).group(1))
    assert count > 0 and review.list_conversations().total == total - count
    assert "purge" in {entry.action for entry in review.audit_log()}


def test_an_administrator_may_use_every_staff_route(staff: TestClient, seeded: Stores) -> None:
    for route in staff_routes(staff.app):
        if "GET" in route.methods:
            response = staff.get(concrete_path(route), follow_redirects=False)
            assert response.status_code in (200, 303), (route.path, response.status_code)
