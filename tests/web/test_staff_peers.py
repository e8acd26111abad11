"""The staff area and the comparison with peers: synthetic badge and filter, exclusion (admin, CSRF)."""

# ruff: noqa: F811  (fixtures imported from tests/web/staff_support.py)

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from bot.storage.models import Diagnostic
from tests.review.conftest import NOW, Stores
from tests.web.staff_support import (  # noqa: F401  (fixtures)
    EMAIL,
    accounts,
    make_staff_client,
    review,
    reviewer,
    seeded,
    staff,
    stores,
    token,
)
from tests.web.test_staff_pages import post, senders


def _flags(stores: Stores, sender_id: str) -> tuple[bool, bool]:
    with Session(stores.diagnostics.engine) as session:
        row = session.scalars(select(Diagnostic).where(Diagnostic.sender_id == sender_id)).one()
        return row.synthetic, row.excluded_from_peers


def _make_bob_synthetic(stores: Stores) -> None:
    detail = stores.review.conversation_detail("bob")
    stores.diagnostics.set_peer_flags(detail.summary.diagnostic_id, synthetic=True)


def test_synthetic_diagnostics_have_a_badge_and_a_filter(staff: TestClient, seeded: Stores) -> None:
    _make_bob_synthetic(seeded)
    listing = staff.get("/equipe/").text
    assert listing.count('<span class="tag tag--synthetique">synthétique</span>') == 1
    assert "Origine des diagnostics" in listing
    assert senders(staff.get("/equipe/", params={"origin": "synthetique"}).text) == ["bob"]
    real = senders(staff.get("/equipe/", params={"origin": "reel"}).text)
    assert "bob" not in real and "alice" in real
    refused = staff.get("/equipe/", params={"origin": "inventee"}).text
    assert "Valeur inconnue." in refused
    assert "diagnostic de démonstration" in staff.get("/equipe/conversations/bob").text


def test_an_administrator_excludes_a_diagnostic_then_puts_it_back(staff: TestClient, seeded: Stores) -> None:
    page = staff.get("/equipe/conversations/alice").text
    assert "Exclure de la comparaison" in page and 'action="/equipe/relecture/comparaison"' in page
    response = post(staff, "/equipe/relecture/comparaison", sender_id="alice", exclure="1")
    assert response.status_code == 303
    assert response.headers["location"] == "/equipe/conversations/alice#comparaison"
    assert _flags(seeded, "alice") == (False, True)
    page = staff.get("/equipe/conversations/alice").text
    assert "Diagnostic exclu de la comparaison avec les pairs." in page
    assert "Remettre dans la comparaison" in page
    assert senders(staff.get("/equipe/", params={"origin": "exclu"}).text) == ["alice"]
    entry = seeded.review.audit_log()[0]
    assert (entry.actor, entry.action, entry.target) == (EMAIL, "exclude_from_peers", "alice")
    post(staff, "/equipe/relecture/comparaison", sender_id="alice", exclure="0")
    assert _flags(seeded, "alice") == (False, False)


def test_exclusion_needs_the_csrf_token_a_diagnostic_and_an_administrator(
    staff: TestClient, reviewer: TestClient, seeded: Stores
) -> None:
    forged = staff.post(
        "/equipe/relecture/comparaison", data={"sender_id": "alice", "exclure": "1"}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert post(staff, "/equipe/relecture/comparaison", sender_id="personne", exclure="1").status_code == 404
    assert "Exclure de la comparaison" not in reviewer.get("/equipe/conversations/alice").text
    refused = post(reviewer, "/equipe/relecture/comparaison", sender_id="alice", exclure="1")
    assert refused.status_code == 403
    assert _flags(seeded, "alice") == (False, False)


def test_the_dashboard_leaves_synthetic_diagnostics_out_unless_asked(seeded: Stores) -> None:
    before = seeded.review.dashboard(now=NOW)
    alice = seeded.review.conversation_detail("alice").summary.diagnostic_id
    seeded.diagnostics.set_peer_flags(alice, synthetic=True)  # alice's diagnostic is completed
    after = seeded.review.dashboard(now=NOW)
    assert (after.diagnostics, after.completed) == (before.diagnostics - 1, before.completed - 1)
    included = seeded.review.dashboard(now=NOW, include_synthetic=True)
    assert (included.diagnostics, included.completed) == (before.diagnostics, before.completed)


def test_the_exports_say_which_diagnostics_are_synthetic_or_excluded(seeded: Stores) -> None:
    _make_bob_synthetic(seeded)
    alice = seeded.review.conversation_detail("alice").summary.diagnostic_id
    seeded.diagnostics.set_peer_flags(alice, excluded_from_peers=True)
    rows = {row["sender_id"]: row for row in json.loads("".join(seeded.review.diagnostics_json()))}
    assert (rows["bob"]["synthetic"], rows["bob"]["excluded_from_peers"]) == (True, False)
    assert (rows["alice"]["synthetic"], rows["alice"]["excluded_from_peers"]) == (False, True)
    assert (rows["carol"]["synthetic"], rows["carol"]["excluded_from_peers"]) == (False, False)
