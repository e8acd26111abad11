"""Staff accounts: argon2 hashes, password rules, lock-out after failures, per-address throttle."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from bot.review import AccountError, LoginThrottle, StaffAccounts
from bot.storage.review_models import StaffUserRow
from tests.review.conftest import FAST_HASHER

PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def staff(accounts: StaffAccounts, clock: Clock) -> StaffAccounts:
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
    assert users[0].last_login_at is None and users[0].failed_attempts == 0


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("pas-une-adresse", PASSWORD, "Adresse électronique invalide"),
        ("a@b.example", "court", "au moins 12"),
        ("a@b.example", " " * 12, "que d'espaces"),
        ("longue.adresse@b.example", "longue.adresse@b.example", "l'adresse"),
        ("a@b.example", "x" * 1025, "dépasser"),
    ],
)
def test_add_refuses_bad_input_in_french(
    accounts: StaffAccounts, email: str, password: str, message: str
) -> None:
    with pytest.raises(AccountError, match=message):
        accounts.add(email, password)


def test_an_address_has_one_account(staff: StaffAccounts) -> None:
    with pytest.raises(AccountError, match="existe déjà"):
        staff.add("CLAIRE@plateforme.example", "un autre mot de passe")


def test_authenticate(staff: StaffAccounts, clock: Clock) -> None:
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


def test_five_failures_lock_the_account_for_fifteen_minutes(staff: StaffAccounts, clock: Clock) -> None:
    email = "claire@plateforme.example"
    for _ in range(4):
        assert staff.authenticate(email, "mauvais mot de passe") is None
    assert staff.by_email(email).failed_attempts == 4
    assert staff.authenticate(email, "mauvais mot de passe") is None
    locked = staff.by_email(email)
    assert locked.is_locked(clock.now) and locked.locked_until == clock.now + timedelta(minutes=15)
    assert staff.authenticate(email, PASSWORD) is None  # even the right password
    clock.now += timedelta(minutes=14)
    assert staff.authenticate(email, PASSWORD) is None
    clock.now += timedelta(minutes=2)
    user = staff.authenticate(email, PASSWORD)
    assert user is not None and user.failed_attempts == 0 and user.locked_until is None


def test_a_success_resets_the_failure_count(staff: StaffAccounts) -> None:
    email = "claire@plateforme.example"
    for _ in range(4):
        staff.authenticate(email, "mauvais mot de passe")
    staff.authenticate(email, PASSWORD)
    for _ in range(4):
        staff.authenticate(email, "mauvais mot de passe")
    assert not staff.by_email(email).is_locked()


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


def test_set_password_and_remove(staff: StaffAccounts) -> None:
    email = "claire@plateforme.example"
    staff.set_password(email, "un nouveau mot de passe")
    assert staff.authenticate(email, PASSWORD) is None
    user = staff.authenticate(email, "un nouveau mot de passe")
    assert user is not None
    assert staff.remove(email)
    assert staff.get(user.id) is None and not staff.remove(email)
    with pytest.raises(AccountError, match="Aucun compte"):
        staff.set_password(email, "encore un mot de passe")


def test_default_hasher_is_argon2id(accounts: StaffAccounts) -> None:
    assert StaffAccounts(accounts.engine).hasher.type.name == "ID"
    assert FAST_HASHER.type.name == "ID"


# --- per-address throttle ------------------------------------------------------------------------


def test_login_throttle_per_address() -> None:
    now = [0.0]
    throttle = LoginThrottle(max_failures=3, window_seconds=60, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.retry_after("10.0.0.1") is None
        throttle.failure("10.0.0.1")
    assert throttle.retry_after("10.0.0.1") == pytest.approx(60)
    assert throttle.retry_after("10.0.0.2") is None
    now[0] = 30.0
    assert throttle.retry_after("10.0.0.1") == pytest.approx(30)
    now[0] = 60.5
    assert throttle.retry_after("10.0.0.1") is None
    throttle.failure("10.0.0.2")
    throttle.success("10.0.0.2")
    assert throttle.retry_after("10.0.0.2") is None


def test_login_throttle_memory_is_bounded() -> None:
    throttle = LoginThrottle(max_failures=1, window_seconds=60, max_keys=2)
    for key in ("a", "b", "c"):
        throttle.failure(key)
    assert throttle.retry_after("a") is None  # forgotten first
    assert throttle.retry_after("c") is not None
    with pytest.raises(ValueError):
        LoginThrottle(max_failures=0)
