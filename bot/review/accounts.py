"""Staff accounts: creation, argon2 password hashes, authentication with throttling.

- Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher``); hashes made with
  older parameters are upgraded at the next successful login.
- ``authenticate`` takes as long for an unknown address as for a known one (it verifies
  a dummy hash), and says nothing about why it failed.
- After ``max_failures`` wrong passwords in a row, an account is locked for
  ``lock_minutes``: during that time even the right password is refused.
- :class:`LoginThrottle` counts failures per client address (in memory, one process) for
  the web layer, which asks it before calling ``authenticate``.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.storage.engine import make_engine
from bot.storage.migrate import migrate
from bot.storage.models import as_utc, utcnow
from bot.storage.review_models import MAX_EMAIL_LENGTH, StaffUserRow

staff_users = StaffUserRow.__table__

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
MAX_FAILURES = 5
LOCK_MINUTES = 15
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """An account operation was refused; the message (French) says why."""


@dataclass(frozen=True)
class StaffUser:
    id: int
    email: str
    created_at: datetime
    last_login_at: datetime | None
    failed_attempts: int
    locked_until: datetime | None

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or utcnow())


def normalise_email(email: str) -> str:
    """Trimmed, lower case; raises :class:`AccountError` if it does not look like an address."""
    value = (email or "").strip().lower()
    if not _EMAIL.match(value) or len(value) > MAX_EMAIL_LENGTH:
        raise AccountError(f"Adresse électronique invalide : {email!r}")
    return value


def check_password(password: str, email: str | None = None) -> None:
    """Raises :class:`AccountError` (French) unless the password is acceptable."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"Le mot de passe ne peut dépasser {MAX_PASSWORD_LENGTH} caractères.")
    if not password.strip():
        raise AccountError("Le mot de passe ne peut pas être fait que d'espaces.")
    if email is not None and password.strip().lower() == email.strip().lower():
        raise AccountError("Le mot de passe ne peut pas être l'adresse électronique.")
    if "\x00" in password:
        raise AccountError("Le mot de passe contient un caractère interdit.")


def _user(row) -> StaffUser:
    return StaffUser(
        id=row.id,
        email=row.email,
        created_at=as_utc(row.created_at),
        last_login_at=as_utc(row.last_login_at),
        failed_attempts=row.failed_attempts,
        locked_until=as_utc(row.locked_until),
    )


class StaffAccounts:
    """Staff accounts in the diagnostic store (table ``staff_users``)."""

    def __init__(
        self,
        engine: Engine,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], datetime] = utcnow,
        max_failures: int = MAX_FAILURES,
        lock_minutes: int = LOCK_MINUTES,
    ) -> None:
        self.engine = engine
        self.hasher = hasher or PasswordHasher()
        self.clock = clock
        self.max_failures = max_failures
        self.lock_duration = timedelta(minutes=lock_minutes)
        self._dummy_hash: str | None = None

    @classmethod
    def from_url(cls, url: str | None = None, **options) -> StaffAccounts:
        engine = make_engine(url)
        migrate(engine)
        return cls(engine, **options)

    # --- management (command line) ---------------------------------------------------

    def add(self, email: str, password: str) -> StaffUser:
        address = normalise_email(email)
        check_password(password, address)
        password_hash = self.hasher.hash(password)
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(staff_users).values(
                        email=address, password_hash=password_hash, created_at=self.clock(), failed_attempts=0
                    )
                )
        except IntegrityError:
            raise AccountError(f"Un compte existe déjà pour {address}.") from None
        user = self.by_email(address)
        assert user is not None
        return user

    def set_password(self, email: str, password: str) -> StaffUser:
        """Replace the password; also unlocks the account."""
        address = normalise_email(email)
        check_password(password, address)
        password_hash = self.hasher.hash(password)
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(staff_users)
                .where(staff_users.c.email == address)
                .values(password_hash=password_hash, failed_attempts=0, locked_until=None)
            ).rowcount
        if not changed:
            raise AccountError(f"Aucun compte pour {address}.")
        user = self.by_email(address)
        assert user is not None
        return user

    def remove(self, email: str) -> bool:
        address = normalise_email(email)
        with self.engine.begin() as connection:
            return bool(
                connection.execute(delete(staff_users).where(staff_users.c.email == address)).rowcount
            )

    def list_users(self) -> list[StaffUser]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(staff_users).order_by(staff_users.c.email)).all()
        return [_user(row) for row in rows]

    def get(self, user_id: int) -> StaffUser | None:
        """The account of a session (None once removed: the session is then worthless)."""
        with self.engine.connect() as connection:
            row = connection.execute(select(staff_users).where(staff_users.c.id == user_id)).first()
        return None if row is None else _user(row)

    def by_email(self, email: str) -> StaffUser | None:
        try:
            address = normalise_email(email)
        except AccountError:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(select(staff_users).where(staff_users.c.email == address)).first()
        return None if row is None else _user(row)

    # --- login -----------------------------------------------------------------------

    def _verify_dummy(self, password: str) -> None:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash("mot de passe factice, jamais valide")
        with contextlib.suppress(VerificationError):
            self.hasher.verify(self._dummy_hash, password)

    def authenticate(self, email: str, password: str) -> StaffUser | None:
        """The account if the password is right and the account not locked, else None."""
        if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
            password = ""
        try:
            address = normalise_email(email if isinstance(email, str) else "")
        except AccountError:
            address = None
        row = None
        if address is not None:
            with self.engine.connect() as connection:
                row = connection.execute(select(staff_users).where(staff_users.c.email == address)).first()
        if row is None:
            self._verify_dummy(password)
            return None
        now = self.clock()
        try:
            valid = self.hasher.verify(row.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            valid = False
        locked = row.locked_until is not None and as_utc(row.locked_until) > now
        if locked:
            return None
        if not valid:
            self._record_failure(row.id, now)
            return None
        values = {"last_login_at": now, "failed_attempts": 0, "locked_until": None}
        if self.hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = self.hasher.hash(password)
        with self.engine.begin() as connection:
            connection.execute(update(staff_users).where(staff_users.c.id == row.id).values(**values))
        return self.get(row.id)

    def _record_failure(self, user_id: int, now: datetime) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(staff_users)
                .where(staff_users.c.id == user_id)
                .values(failed_attempts=staff_users.c.failed_attempts + 1)
            )
            attempts = connection.scalar(
                select(staff_users.c.failed_attempts).where(staff_users.c.id == user_id)
            )
            if attempts is not None and attempts >= self.max_failures:
                connection.execute(
                    update(staff_users)
                    .where(staff_users.c.id == user_id)
                    .values(failed_attempts=0, locked_until=now + self.lock_duration)
                )


class LoginThrottle:
    """Failed logins per key (a client address), over a sliding window; in memory, one process.

    ``retry_after(key)`` is None while the key may try again, else the seconds to wait;
    ``failure(key)`` counts a failed attempt; ``success(key)`` forgets the key. At most
    ``max_keys`` keys are tracked (the least recently seen are forgotten first).
    """

    def __init__(
        self,
        max_failures: int = 20,
        window_seconds: float = 15 * 60,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        if max_failures < 1 or window_seconds <= 0 or max_keys < 1:
            raise ValueError("max_failures, window_seconds et max_keys doivent être positifs")
        self.max_failures = max_failures
        self.window = window_seconds
        self._clock = clock
        self._max_keys = max_keys
        self._failures: OrderedDict[Hashable, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: Hashable, now: float) -> deque[float] | None:
        failures = self._failures.get(key)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures

    def retry_after(self, key: Hashable) -> float | None:
        with self._lock:
            now = self._clock()
            failures = self._recent(key, now)
            if failures is None or len(failures) < self.max_failures:
                return None
            return max(failures[0] + self.window - now, 0.001)

    def failure(self, key: Hashable) -> None:
        with self._lock:
            now = self._clock()
            failures = self._recent(key, now)
            if failures is None:
                failures = self._failures[key] = deque()
                while len(self._failures) > self._max_keys:
                    self._failures.popitem(last=False)
            else:
                self._failures.move_to_end(key)
            failures.append(now)

    def success(self, key: Hashable) -> None:
        with self._lock:
            self._failures.pop(key, None)
