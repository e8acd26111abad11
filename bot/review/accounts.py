"""Staff accounts: creation, roles, argon2 password hashes, password policy, authentication.

- Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher``); hashes made with
  older parameters are upgraded at the next successful login. A new password must pass
  :func:`bot.review.passwords.check_password` (length, zxcvbn's strength estimate).
- ``authenticate`` takes as long for an unknown address as for a known one (it verifies
  a dummy hash), and says nothing about why it failed. It never locks an account: a
  stranger who knows an address must not be able to keep its owner out. Guessing is
  slowed by the web layer instead (rate limits per client, account and device,
  bot/web/staff/login.py).
- Each account has a role (:data:`ROLES`): a reviewer reads, tags, notes and corrects; an
  administrator also exports, deletes, purges and manages the accounts.
- Each account has a session version, raised at every password change: the staff sessions
  (bot/web/staff/sessions.py) remember the version they were opened under, and one opened
  before the change is worthless. Changing the password or removing the account also
  deletes the account's sessions kept in this database.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.records import from_attributes
from bot.review import passwords
from bot.review.passwords import MAX_PASSWORD_LENGTH, PasswordError
from bot.staff_text import staff_text
from bot.storage.engine import make_engine
from bot.storage.migrate import migrate
from bot.storage.models import as_utc, utcnow
from bot.storage.review_models import MAX_EMAIL_LENGTH, STAFF_ROLES, StaffSessionRow, StaffUserRow

staff_users = StaffUserRow.__table__
staff_sessions = StaffSessionRow.__table__

REVIEWER, ADMINISTRATOR = STAFF_ROLES
ROLES = STAFF_ROLES
# How each role is called on the pages and on the command line.
ROLE_LABELS = {REVIEWER: staff_text("role_reviewer"), ADMINISTRATOR: staff_text("role_administrator")}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """An account operation was refused; the message (French) says why."""


@dataclass(frozen=True)
class StaffUser:
    id: int
    email: str
    role: str
    created_at: datetime
    last_login_at: datetime | None
    session_version: int

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def is_admin(self) -> bool:
        return self.role == ADMINISTRATOR

    def may(self, role: str) -> bool:
        """Whether this account has ``role``'s rights (an administrator has every right)."""
        return ROLES.index(self.role) >= ROLES.index(role)


def parse_role(value: str) -> str:
    """A role from its French label (« relecteur », « administrateur ») or its code."""
    wanted = (value or "").strip().lower()
    for role, label in ROLE_LABELS.items():
        if wanted in (role, label):
            return role
    raise AccountError(staff_text("role_unknown", value=repr(value), roles=", ".join(ROLE_LABELS.values())))


def normalise_email(email: str) -> str:
    """Trimmed, lower case; raises :class:`AccountError` if it does not look like an address."""
    value = (email or "").strip().lower()
    if not _EMAIL.match(value) or len(value) > MAX_EMAIL_LENGTH:
        raise AccountError(staff_text("email_invalid", email=repr(email)))
    return value


def check_password(password: str, email: str | None = None) -> None:
    """Raises :class:`AccountError` (French) unless the password is acceptable (see passwords.py)."""
    try:
        passwords.check_password(password, email)
    except PasswordError as error:
        raise AccountError(str(error)) from None


def _user(row) -> StaffUser:
    return from_attributes(
        StaffUser, row, created_at=as_utc(row.created_at), last_login_at=as_utc(row.last_login_at)
    )


class StaffAccounts:
    """Staff accounts in the diagnostic store (table ``staff_users``).

    ``clock`` gives the time of account creation and login; the staff sessions use it too.
    """

    def __init__(
        self,
        engine: Engine,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.hasher = hasher or PasswordHasher()
        self.clock = clock
        self._dummy_hash: str | None = None

    @classmethod
    def from_url(cls, url: str | None = None, **options) -> StaffAccounts:
        engine = make_engine(url)
        migrate(engine)
        return cls(engine, **options)

    # --- management (command line, administrators' page) ---------------------------------

    def add(self, email: str, password: str, role: str = REVIEWER) -> StaffUser:
        address = normalise_email(email)
        role = parse_role(role)
        check_password(password, address)
        password_hash = self.hasher.hash(password)
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(staff_users).values(
                        email=address,
                        password_hash=password_hash,
                        role=role,
                        created_at=self.clock(),
                        session_version=0,
                    )
                )
        except IntegrityError:
            raise AccountError(staff_text("account_exists", email=address)) from None
        user = self.by_email(address)
        assert user is not None
        return user

    def set_password(self, email: str, password: str) -> StaffUser:
        """Replace the password; every session of the account becomes worthless."""
        address = normalise_email(email)
        check_password(password, address)
        password_hash = self.hasher.hash(password)
        with self.engine.begin() as connection:
            user_id = connection.scalar(select(staff_users.c.id).where(staff_users.c.email == address))
            if user_id is None:
                raise AccountError(staff_text("account_unknown", email=address))
            connection.execute(
                update(staff_users)
                .where(staff_users.c.id == user_id)
                .values(password_hash=password_hash, session_version=staff_users.c.session_version + 1)
            )
            _delete_sessions(connection, user_id)
        user = self.by_email(address)
        assert user is not None
        return user

    def set_role(self, email: str, role: str) -> StaffUser:
        address = normalise_email(email)
        role = parse_role(role)
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(staff_users).where(staff_users.c.email == address).values(role=role)
            ).rowcount
        if not changed:
            raise AccountError(staff_text("account_unknown", email=address))
        user = self.by_email(address)
        assert user is not None
        return user

    def remove(self, email: str) -> bool:
        """Delete the account and its sessions; False if there was no such account."""
        address = normalise_email(email)
        with self.engine.begin() as connection:
            user_id = connection.scalar(select(staff_users.c.id).where(staff_users.c.email == address))
            if user_id is None:
                return False
            _delete_sessions(connection, user_id)
            connection.execute(delete(staff_users).where(staff_users.c.id == user_id))
        return True

    def list_users(self) -> list[StaffUser]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(staff_users).order_by(staff_users.c.email)).all()
        return [_user(row) for row in rows]

    def count(self, role: str) -> int:
        with self.engine.connect() as connection:
            return connection.scalar(
                select(func.count()).select_from(staff_users).where(staff_users.c.role == role)
            )

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
        """The account if the password is right, else None (never says why)."""
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
        try:
            valid = self.hasher.verify(row.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            valid = False
        if not valid:
            return None
        values = {"last_login_at": self.clock()}
        if self.hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = self.hasher.hash(password)
        with self.engine.begin() as connection:
            connection.execute(update(staff_users).where(staff_users.c.id == row.id).values(**values))
        return self.get(row.id)

    def password_matches(self, user_id: int, password: str) -> bool:
        """Whether ``password`` is the account's (to confirm a password change); no side effect."""
        with self.engine.connect() as connection:
            stored = connection.scalar(select(staff_users.c.password_hash).where(staff_users.c.id == user_id))
        if stored is None or not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
            return False
        try:
            return self.hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def _delete_sessions(connection: Connection, user_id: int) -> None:
    connection.execute(delete(staff_sessions).where(staff_sessions.c.user_id == user_id))
