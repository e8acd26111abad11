"""The group store (bot/storage/groups.py) on SQLite and PostgreSQL, with a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from bot.storage import DiagnosticStore
from bot.storage.groups import GROUP_SOURCE, GroupClosedError, GroupNotFoundError, GroupStore


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> datetime:
        self.now += timedelta(minutes=5)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def groups(storage_url: str, clock: Clock) -> Iterator[GroupStore]:
    store = DiagnosticStore.from_url(storage_url, clock=clock)
    try:
        yield GroupStore(store)
    finally:
        store.engine.dispose()


def founder(store: DiagnosticStore) -> int:
    record = store.create("fondatrice")
    for question_id, value in [
        ("type_collectivite", "commune"),
        ("nom_collectivite", "Uzès"),
        ("population", 8519),
        ("nombre_agents", 120),
        ("role_repondant", "direction_generale"),
    ]:
        store.save_answer(record.id, question_id, value, "answered", str(value))
    return record.id


def test_a_group_copies_the_founders_profile_and_tokens_are_unguessable(
    groups: GroupStore, clock: Clock
) -> None:
    founder_id = founder(groups.store)
    group = groups.create(founder_id, "direction_generale")
    assert (group.authority_type, group.authority_name, group.population, group.agents) == (
        "commune", "Uzès", 8519, 120,
    )  # fmt: skip
    assert group.coordinator_id == founder_id and group.created_at == clock.now and not group.is_closed
    assert len(group.invitation_token) >= 32 and len(group.report_token) >= 32
    assert group.invitation_token != group.report_token
    # Creating again returns the same group; the founder belongs to it with their role.
    assert groups.create(founder_id, "elu") == group
    founder_record = groups.store.get(founder_id)
    assert (founder_record.group_id, founder_record.group_role) == (group.id, "direction_generale")
    assert groups.by_invitation(group.invitation_token) == group
    assert groups.by_report_token(group.report_token) == group
    assert groups.by_invitation(group.report_token) is None
    assert groups.of_diagnostic(founder_id) == group


def test_joining_shares_the_profile_but_not_the_role(groups: GroupStore, clock: Clock) -> None:
    group = groups.create(founder(groups.store), "direction_generale")
    clock.tick()
    member = groups.join(group.id, "collegue")
    assert member.group_id == group.id and member.group_role is None
    assert (member.authority_name, member.population, member.agents) == ("Uzès", 8519, 120)
    answers = groups.store.answers(member.id)
    assert {qid: (a.value, a.source) for qid, a in answers.items()} == {
        "type_collectivite": ("commune", GROUP_SOURCE),
        "nom_collectivite": ("Uzès", GROUP_SOURCE),
        "population": (8519, GROUP_SOURCE),
        "nombre_agents": (120, GROUP_SOURCE),
    }
    member = groups.set_role(member.id, "finances")
    assert member.group_role == "finances"
    members = groups.members(group.id)
    assert [(m.diagnostic.sender_id, m.diagnostic.group_role, m.is_coordinator) for m in members] == [
        ("fondatrice", "direction_generale", True),
        ("collegue", "finances", False),
    ]
    assert groups.all() == [(group, 2)]


def test_a_closed_group_refuses_new_members(groups: GroupStore, clock: Clock) -> None:
    group = groups.create(founder(groups.store), "elu")
    closed_at = clock.tick()
    assert groups.close(group.id).closed_at == closed_at
    clock.tick()
    assert groups.close(group.id).closed_at == closed_at  # the first closing date is kept
    with pytest.raises(GroupClosedError):
        groups.join(group.id, "en-retard")
    assert groups.store.latest_for_sender("en-retard") is None
    assert len(groups.members(group.id)) == 1


def test_unknown_groups_and_bad_roles(groups: GroupStore) -> None:
    with pytest.raises(GroupNotFoundError):
        groups.get(404)
    with pytest.raises(GroupNotFoundError):
        groups.join(404, "personne")
    with pytest.raises(ValueError):
        groups.create(founder(groups.store), "")
    assert groups.by_invitation("inconnu") is None


def test_a_group_created_before_the_profile_takes_it_when_someone_joins(groups: GroupStore) -> None:
    store = groups.store
    early = store.create("pressee")
    group = groups.create(early.id)
    assert group.authority_name is None
    store.save_answer(early.id, "nom_collectivite", "Sens", "answered", "Sens")
    member = groups.join(group.id, "collegue")
    assert member.authority_name == "Sens"
    assert groups.get(group.id).authority_name == "Sens"
    assert "type_collectivite" not in store.answers(member.id)  # unknown to the group: asked
