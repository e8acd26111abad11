"""Finding 9: a 12-character password made of one letter repeated was accepted, and there
were no roles — every staff account could export and delete everything.

Now every password that is set (command line, password page, accounts page) goes through
zxcvbn's strength estimate (score 3 at least) and may not contain the account's address;
and each account is a reviewer (reads, tags, notes, corrections) or an administrator
(exports, deletion, purge, accounts), enforced on every staff route.
"""

# ruff: noqa: F811  (fixtures imported from tests/web/)

from __future__ import annotations

import secrets

import pytest
from starlette.testclient import TestClient

from bot.__main__ import main
from bot.review import AccountError, StaffAccounts
from tests.review.conftest import Stores
from tests.web.conftest import fake_rasa, settings, store  # noqa: F401  (fixtures)
from tests.web.staff_support import (  # noqa: F401  (fixtures)
    EMAIL,
    PASSWORD,
    REVIEWER_EMAIL,
    accounts,
    concrete_path,
    log_in,
    make_staff_client,
    reviewer,
    seeded,
    staff,
    staff_routes,
    stores,
    token,
)

TRIVIAL = ["aaaaaaaaaaaa", "motdepasse123", "azertyuiop12"]
ADMIN_ROUTES = {
    "staff_delete", "staff_export_nlu", "staff_exports", "staff_export_csv", "staff_export_json",
    "staff_export_transcripts", "staff_accounts", "staff_account_add", "staff_account_role",
    "staff_account_remove", "staff_retention", "staff_purge", "staff_peers_exclusion",
}  # fmt: skip
REVIEWER_ROUTES = {
    "staff_login", "staff_list", "staff_conversation", "staff_mark", "staff_tags", "staff_note",
    "staff_correct", "staff_corrections", "staff_delete_correction", "staff_dashboard", "staff_password",
    "staff_logout", "staff_groups", "staff_group",
}  # fmt: skip
# Run last, in this order: they open a new session, or end it.
LAST = ("staff_login", "staff_password", "staff_logout")
NEW_PASSWORD = "une toute nouvelle phrase secrète"


# --- passwords ----------------------------------------------------------------------------------


@pytest.mark.parametrize("password", TRIVIAL)
def test_trivial_passwords_are_refused_wherever_one_is_set(
    accounts: StaffAccounts, staff: TestClient, password: str, tmp_path, capsys, monkeypatch
) -> None:
    with pytest.raises(AccountError, match="trop facile à deviner"):
        accounts.add("nouvelle@plateforme.example", password)
    with pytest.raises(AccountError, match="trop facile à deviner"):
        accounts.set_password(EMAIL, password)
    # The command line.
    monkeypatch.setenv("DIAGNOSTIC_STAFF_PASSWORD", password)
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--database-url", database, "staff", "add", "nouvelle@plateforme.example"]) == 1
    assert "trop facile à deviner" in capsys.readouterr().err
    # The password page.
    form = {"actuel": PASSWORD, "nouveau": password, "confirmation": password}
    response = staff.post("/equipe/mot-de-passe", data={"csrf": token(staff), **form}, follow_redirects=False)
    assert response.status_code == 400 and "trop facile à deviner" in response.text
    # The accounts page.
    data = {"email": "nouvelle@plateforme.example", "role": "relecteur", "password": password}
    staff.post("/equipe/comptes/ajout", data={"csrf": token(staff), **data}, follow_redirects=False)
    assert accounts.by_email("nouvelle@plateforme.example") is None
    assert "trop facile à deviner" in staff.get("/equipe/comptes").text
    assert accounts.authenticate(EMAIL, PASSWORD) is not None, "the old password still works"


def test_a_password_may_not_contain_the_address(accounts: StaffAccounts) -> None:
    with pytest.raises(AccountError, match="adresse électronique"):
        accounts.add("camille.durand@plateforme.example", "Camille.Durand et ses 3 chats")


@pytest.mark.parametrize("password", ["lanterne vitrail orage cerfeuil", secrets.token_urlsafe(24)])
def test_a_long_random_passphrase_is_accepted(accounts: StaffAccounts, password: str) -> None:
    accounts.add("nouvelle@plateforme.example", password)
    assert accounts.authenticate("nouvelle@plateforme.example", password) is not None


# --- roles --------------------------------------------------------------------------------------


def test_every_staff_route_has_a_role(reviewer: TestClient) -> None:
    names = {route.name for route in staff_routes(reviewer.app)}
    assert names == ADMIN_ROUTES | REVIEWER_ROUTES, "a new route must be given a role here"


def _form_for(name: str, seeded: Stores) -> dict[str, str]:
    review = seeded.review
    flagged = review.conversation_detail("alice").flagged_turns[0].user.event_id
    return {
        "staff_login": {"email": REVIEWER_EMAIL, "password": PASSWORD},
        "staff_mark": {"sender_id": "alice", "relu": "1"},
        "staff_tags": {"sender_id": "alice", "etiquettes": "nlu"},
        "staff_note": {"sender_id": "alice", "note": "vu"},
        "staff_correct": {"sender_id": "alice", "event_id": str(flagged), "intent": "greet"},
        "staff_delete_correction": {"correction_id": "1"},
        "staff_password": {"actuel": PASSWORD, "nouveau": NEW_PASSWORD, "confirmation": NEW_PASSWORD},
        "staff_delete": {"sender_id": "alice", "confirmer": "oui"},
        "staff_peers_exclusion": {"sender_id": "alice", "exclure": "1"},
        "staff_account_add": {
            "email": "complice@plateforme.example", "role": "administrateur", "password": NEW_PASSWORD,
        },
        "staff_account_role": {"email": REVIEWER_EMAIL, "role": "administrateur"},
        "staff_account_remove": {"email": EMAIL, "confirmer": "oui"},
        "staff_purge": {"jours": "1", "confirmer": "oui"},
    }.get(name, {})  # fmt: skip


def test_a_reviewer_cannot_export_delete_purge_or_manage_accounts(
    reviewer: TestClient, seeded: Stores, accounts: StaffAccounts
) -> None:
    review = seeded.review
    review.add_correction("une phrase corrigée", "greet", EMAIL)
    users_before = [(user.email, user.role) for user in accounts.list_users()]
    routes = sorted(staff_routes(reviewer.app), key=lambda r: LAST.index(r.name) if r.name in LAST else -1)
    checked = {"admin": 0, "reviewer": 0}
    for route in routes:
        path = concrete_path(route)
        for method in sorted(route.methods - {"HEAD"}):
            data = {"csrf": token(reviewer), **_form_for(route.name, seeded)} if method == "POST" else None
            response = reviewer.request(method, path, data=data, follow_redirects=False)
            if route.name in ADMIN_ROUTES:
                assert response.status_code == 403, (method, path, response.status_code)
                assert "réservée aux administrateurs" in response.text
                checked["admin"] += 1
            else:
                assert response.status_code in (200, 303), (method, path, response.status_code)
                checked["reviewer"] += 1
    assert checked == {"admin": 13, "reviewer": 16}
    # Nothing an administrator decides happened.
    assert review.conversation_detail("alice") is not None
    assert [(user.email, user.role) for user in accounts.list_users()] == users_before
    actions = {entry.action for entry in review.audit_log()}
    assert not actions & {"delete", "purge", "export_diagnostics_csv", "export_nlu", "staff_account_add"}, (
        actions
    )
    # What a reviewer may do did happen.
    assert review.review_state("alice").note == "vu"
    assert accounts.authenticate(REVIEWER_EMAIL, NEW_PASSWORD) is not None


def test_the_navigation_shows_each_role_what_it_may_use(
    reviewer: TestClient, staff: TestClient, seeded: Stores
) -> None:
    admin_only = (
        'href="/equipe/exports"', 'href="/equipe/comptes"', 'href="/equipe/conservation"',
        "/equipe/exports/transcriptions.json", 'action="/equipe/relecture/suppression"',
        "/equipe/corrections/corrections-nlu.yml",
    )  # fmt: skip
    pages = ("/equipe/", "/equipe/conversations/alice", "/equipe/corrections", "/equipe/tableau-de-bord")
    reviewer_pages = "".join(reviewer.get(page).text for page in pages)
    admin_pages = "".join(staff.get(page).text for page in pages)
    for link in admin_only:
        assert link not in reviewer_pages, link
        assert link in admin_pages, link
    for text in ('href="/equipe/mot-de-passe"', "(relecteur)", 'action="/equipe/relecture/note"'):
        assert text in reviewer_pages
    assert "(administrateur)" in admin_pages
