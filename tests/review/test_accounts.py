"""Staff accounts: argon2 hashes, password policy (zxcvbn), roles, no lock-out, session versions."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher
from sqlalchemy import insert, select

from bot.review import AccountError, StaffAccounts
from bot.review.accounts import ADMINISTRATOR, REVIEWER, parse_role
from bot.storage.review_models import StaffSessionRow, StaffUserRow
from tests.clocks import FrozenClock
from tests.review.conftest import FAST_HASHER

PASSWORD = "correct horse battery"


@pytest.fixture
def clock() -> FrozenClock[datetime]:
    return FrozenClock(datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc))


@pytest.fixture
def staff(accounts: StaffAccounts, clock: FrozenClock[datetime]) -> StaffAccounts:
    accounts.clock = clock
    accounts.add(" Claire@Plateforme.Example ", PASSWORD)
    return accounts


def stored_hash(accounts: StaffAccounts, email: str) -> str:
    with accounts.engine.connect() as connection:
        return connection.scalar(select(StaffUserRow.password_hash).where(StaffUserRow.email == email))


def test_add_stores_an_argon2_hash_never_the_password(staff: StaffAccounts) -> None:
    users = staff.list_users()
    assert [user.email for user in users] == ["claire@plateforme.example"]
    password_hash = stored_hash(staff, "claire@plateforme.example")
    assert password_hash.startswith("$argon2id$") and PASSWORD not in password_hash
    assert users[0].last_login_at is None and users[0].session_version == 0
    assert users[0].role == REVIEWER and not users[0].is_admin, "least privilege by default"


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("pas-une-adresse", PASSWORD, "Adresse électronique invalide"),
        ("a@b.example", "court", "au moins 12"),
        ("a@b.example", " " * 12, "que d'espaces"),
        ("longue.adresse@b.example", "longue.adresse@b.example", "l'adresse"),
        ("claire.martin@b.example", "Claire.Martin-sa-phrase-2026", "l'adresse"),
        ("a@b.example", "x" * 1025, "dépasser"),
        ("a@b.example", "aaaaaaaaaaaa", "trop facile à deviner"),
        ("a@b.example", "motdepasse123", "trop facile à deviner"),
        ("a@b.example", "azertyuiop12", "trop facile à deviner"),
        ("a@b.example", "123456789012", "trop facile à deviner"),
        ("a@b.example", "Password2026!", "trop facile à deviner"),
        ("a@b.example", "diagnostic2026", "trop facile à deviner"),
    ],
)
def test_add_refuses_bad_input_in_french(
    accounts: StaffAccounts, email: str, password: str, message: str
) -> None:
    with pytest.raises(AccountError, match=message):
        accounts.add(email, password)


@pytest.mark.parametrize(
    "password",
    ["lanterne vitrail orage cerfeuil", "cheval-batterie-agrafe-correcte", secrets.token_urlsafe(18)],
)
def test_long_random_passphrases_are_accepted(accounts: StaffAccounts, password: str) -> None:
    assert accounts.add("a@b.example", password).email == "a@b.example"


def test_an_address_has_one_account(staff: StaffAccounts) -> None:
    with pytest.raises(AccountError, match="existe déjà"):
        staff.add("CLAIRE@plateforme.example", "un autre mot de passe")


def test_authenticate(staff: StaffAccounts, clock: FrozenClock[datetime]) -> None:
    user = staff.authenticate("claire@plateforme.example", PASSWORD)
    assert user is not None and user.last_login_at == clock.now
    assert staff.authenticate("CLAIRE@PLATEFORME.EXAMPLE ", PASSWORD) is not None
    assert staff.get(user.id) == staff.by_email("claire@plateforme.example")
    for email, password in [
        ("claire@plateforme.example", PASSWORD.upper()),
        ("claire@plateforme.example", ""),
        ("inconnue@plateforme.example", PASSWORD),
        ("' OR 1=1 --", PASSWORD),
        (None, None),
    ]:
        assert staff.authenticate(email, password) is None


def test_failures_never_lock_the_account(staff: StaffAccounts) -> None:
    email = "claire@plateforme.example"
    for _ in range(50):
        assert staff.authenticate(email, "mauvais mot de passe") is None
    assert staff.authenticate(email, PASSWORD) is not None, "throttling is the web layer's job"


class CountingHasher(PasswordHasher):
    calls: list[str]

    def verify(self, hash, password) -> bool:
        CountingHasher.calls.append(hash)
        return super().verify(hash, password)


def test_unknown_addresses_cost_a_hash_verification(staff: StaffAccounts) -> None:
    calls = CountingHasher.calls = []
    staff.hasher = CountingHasher(time_cost=1, memory_cost=1024, parallelism=1)
    assert staff.authenticate("inconnue@plateforme.example", PASSWORD) is None
    assert staff.authenticate("pas une adresse", PASSWORD) is None
    assert len(calls) == 2 and all(h.startswith("$argon2id$") for h in calls)


def test_old_hashes_are_upgraded_at_login(staff: StaffAccounts) -> None:
    email = "claire@plateforme.example"
    before = stored_hash(staff, email)
    staff.hasher = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    assert staff.authenticate(email, PASSWORD) is not None
    after = stored_hash(staff, email)
    assert after != before and "m=2048,t=2" in after
    assert staff.authenticate(email, PASSWORD) is not None


def session_rows(accounts: StaffAccounts) -> list[int]:
    with accounts.engine.connect() as connection:
        return list(connection.scalars(select(StaffSessionRow.user_id)))


def add_session(accounts: StaffAccounts, user_id: int, key: str, clock: FrozenClock[datetime]) -> None:
    with accounts.engine.begin() as connection:
        connection.execute(
            insert(StaffSessionRow).values(
                token_hash=key, user_id=user_id, session_version=0, created_at=clock.now,
                seen_at=clock.now, expires_at=clock.now + timedelta(hours=1), csrf="c" * 43,
            )
        )  # fmt: skip


def test_set_password_and_remove(staff: StaffAccounts, clock: FrozenClock[datetime]) -> None:
    email = "claire@plateforme.example"
    other = staff.add("bruno@plateforme.example", "un autre mot de passe")
    before = staff.by_email(email)
    add_session(staff, before.id, "a" * 64, clock)
    add_session(staff, other.id, "b" * 64, clock)
    with pytest.raises(AccountError, match="trop facile"):
        staff.set_password(email, "aaaaaaaaaaaa")
    assert staff.by_email(email).session_version == before.session_version
    staff.set_password(email, "un nouveau mot de passe")
    assert staff.by_email(email).session_version == before.session_version + 1
    assert session_rows(staff) == [other.id], "the account's sessions are gone, no one else's"
    assert staff.authenticate(email, PASSWORD) is None
    user = staff.authenticate(email, "un nouveau mot de passe")
    assert user is not None
    add_session(staff, user.id, "c" * 64, clock)
    assert staff.remove(email)
    assert session_rows(staff) == [other.id]
    assert staff.get(user.id) is None and not staff.remove(email)
    with pytest.raises(AccountError, match="Aucun compte"):
        staff.set_password(email, "encore un mot de passe")


def test_password_matches_has_no_side_effect(staff: StaffAccounts) -> None:
    user = staff.by_email("claire@plateforme.example")
    assert staff.password_matches(user.id, PASSWORD)
    assert not staff.password_matches(user.id, "mauvais mot de passe")
    assert not staff.password_matches(user.id, "x" * 2000)
    assert not staff.password_matches(9999, PASSWORD)
    assert staff.by_email(user.email).last_login_at is None


def test_roles(staff: StaffAccounts) -> None:
    admin = staff.add("admin@plateforme.example", "un autre mot de passe", role="administrateur")
    assert admin.role == ADMINISTRATOR and admin.role_label == "administrateur" and admin.is_admin
    assert admin.may(REVIEWER) and admin.may(ADMINISTRATOR)
    reviewer = staff.by_email("claire@plateforme.example")
    assert reviewer.role_label == "relecteur" and reviewer.may(REVIEWER) and not reviewer.may(ADMINISTRATOR)
    assert staff.set_role("claire@plateforme.example", "administrateur").is_admin
    assert staff.count(ADMINISTRATOR) == 2 and staff.count(REVIEWER) == 0
    assert staff.set_role("admin@plateforme.example", REVIEWER).role == REVIEWER
    assert [parse_role(v) for v in ("relecteur", "Administrateur ", "reviewer")] == [
        REVIEWER, ADMINISTRATOR, REVIEWER,
    ]  # fmt: skip
    for bad in ("admin", "", "root"):
        with pytest.raises(AccountError, match="Rôle inconnu"):
            parse_role(bad)
    with pytest.raises(AccountError, match="Aucun compte"):
        staff.set_role("personne@plateforme.example", REVIEWER)
    with pytest.raises(AccountError, match="Rôle inconnu"):
        staff.add("x@plateforme.example", "un autre mot de passe", role="superviseur")


def test_default_hasher_is_argon2id(accounts: StaffAccounts) -> None:
    assert StaffAccounts(accounts.engine).hasher.type.name == "ID"
    assert FAST_HASHER.type.name == "ID"
