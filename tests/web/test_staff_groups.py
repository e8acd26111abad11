"""Group diagnostics in the staff area: the list of groups and each group's members."""

from __future__ import annotations

from starlette.testclient import TestClient

from bot.storage.groups import GroupStore
from tests.review.conftest import Stores
from tests.web.staff_support import (  # noqa: F401  (fixtures)
    accounts,
    make_staff_client,
    review,
    reviewer,
    seeded,
    staff,
    stores,
)


def test_staff_see_groups_and_their_members_conversations(seeded: Stores, reviewer: TestClient) -> None:  # noqa: F811
    store = seeded.diagnostics
    founder = store.latest_for_sender("alice")
    groups = GroupStore(store)
    group = groups.create(founder.id)
    member = groups.join(group.id, "collegue <b>")
    groups.set_role(member.id, "finances")
    listing = reviewer.get("/equipe/groupes")
    assert listing.status_code == 200
    assert f'href="/equipe/groupes/{group.id}"' in listing.text
    page = reviewer.get(f"/equipe/groupes/{group.id}")
    assert page.status_code == 200
    assert 'href="/equipe/conversations/alice"' in page.text
    assert 'href="/equipe/conversations/collegue%20%3Cb%3E"' in page.text
    assert "Finances</th>" in page.text and "coordination" in page.text
    assert "<b>" not in page.text
    unknown = reviewer.get("/equipe/groupes/999", follow_redirects=False)
    assert unknown.status_code == 303 and unknown.headers["location"] == "/equipe/groupes"


def test_anonymous_visitors_cannot_see_groups(make_staff_client) -> None:  # noqa: F811
    response = make_staff_client().get("/equipe/groupes", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/equipe/connexion")
