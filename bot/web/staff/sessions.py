"""Server-side staff sessions: the cookie holds a random token, everything else stays here.

- At login the browser gets ``equipe_session`` = 32 random bytes (URL-safe base64), path
  /equipe, HttpOnly, SameSite=Strict, Secure when the public address is https. The server
  keeps, under the token's SHA-256 (never the token itself), the account id, the account's
  session version, the time of login, the last request, the CSRF token and the message
  for the next page (:class:`SessionData`).
- Where: the diagnostic store by default (table ``staff_sessions``,
  :class:`DatabaseSessionStore`), Redis when DIAGNOSTIC_REDIS_URL is set
  (:class:`RedisSessionStore`), so that every process of the site sees the same sessions.
- A session ends at logout, when its account's password changes (every session of the
  account: the account's session version moves on, see bot/review/accounts.py), when its
  account is removed, after DIAGNOSTIC_STAFF_SESSION_HOURS (absolute) and after
  DIAGNOSTIC_STAFF_IDLE_MINUTES without a request (idle). Ended sessions are deleted; the
  expired ones are purged at each login (Redis expires its keys by itself).
- Before login, the login form's CSRF token is an HMAC of a random value kept in the
  ``equipe_csrf`` cookie (nothing is stored for anonymous visitors).
- :class:`StaffSessionMiddleware` (bot/web/app.py) loads the session of each /equipe
  request into ``scope["staff_session"]`` (a :class:`RequestSession`) and, when the response
  starts, saves what changed and sets or clears the cookies. Times come from the staff
  accounts' clock (``app.state.accounts.clock``) unless ``app.state.staff_sessions`` is set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.review import StaffUser
from bot.settings import Settings
from bot.storage.models import as_utc
from bot.storage.review_models import StaffSessionRow

PREFIX = "/equipe"
SESSION_COOKIE = "equipe_session"
CSRF_COOKIE = "equipe_csrf"
TOKEN_BYTES = 32
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
# The last request's time is written at most this often (not at every page).
TOUCH_EVERY = timedelta(minutes=1)
REDIS_PREFIX = "diagnostic:equipe:"
REDIS_TIMEOUT_SECONDS = 2.0
FLASH_KINDS = ("ok", "erreur")

staff_sessions = StaffSessionRow.__table__


def derived_key(secret_key: str, label: bytes) -> bytes:
    """A key for one purpose (``label``), derived from DIAGNOSTIC_SECRET_KEY."""
    return hmac.new(secret_key.encode(), label, hashlib.sha256).digest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass(frozen=True)
class SessionData:
    """What the server knows of a signed-in browser."""

    user_id: int
    session_version: int
    created_at: datetime
    seen_at: datetime
    csrf: str
    flash: tuple[str, str] | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "user_id": self.user_id,
                "session_version": self.session_version,
                "created_at": self.created_at.isoformat(),
                "seen_at": self.seen_at.isoformat(),
                "csrf": self.csrf,
                "flash": list(self.flash) if self.flash else None,
            }
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> SessionData:
        value = json.loads(raw)
        return cls(
            user_id=int(value["user_id"]),
            session_version=int(value["session_version"]),
            created_at=as_utc(datetime.fromisoformat(value["created_at"])),
            seen_at=as_utc(datetime.fromisoformat(value["seen_at"])),
            csrf=str(value["csrf"]),
            flash=_flash(value.get("flash")),
        )


def _flash(value: Any) -> tuple[str, str] | None:
    if isinstance(value, (list, tuple)) and len(value) == 2 and value[0] in FLASH_KINDS:
        return (str(value[0]), str(value[1]))
    return None


# --- where sessions are kept ---------------------------------------------------------------


class SessionStore(Protocol):
    """Sessions by the hash of their token. ``expires_at``: when the store may forget one."""

    def create(self, key: str, data: SessionData, expires_at: datetime) -> None: ...

    def read(self, key: str) -> SessionData | None: ...

    def update(self, key: str, data: SessionData, expires_at: datetime) -> None:
        """Replace a session's data; does nothing if it is gone (never brings one back)."""

    def delete(self, key: str) -> None: ...

    def delete_user(self, user_id: int) -> None:
        """Delete every session of an account."""

    def purge(self, now: datetime) -> int:
        """Delete the sessions expired at ``now``; how many."""


class DatabaseSessionStore:
    """Sessions in the diagnostic store's ``staff_sessions`` table (migration 0004)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @staticmethod
    def _values(data: SessionData, expires_at: datetime) -> dict[str, Any]:
        return {
            "user_id": data.user_id,
            "session_version": data.session_version,
            "created_at": data.created_at,
            "seen_at": data.seen_at,
            "expires_at": expires_at,
            "csrf": data.csrf,
            "flash": list(data.flash) if data.flash else None,
        }

    def create(self, key: str, data: SessionData, expires_at: datetime) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                insert(staff_sessions).values(token_hash=key, **self._values(data, expires_at))
            )

    def read(self, key: str) -> SessionData | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(staff_sessions).where(staff_sessions.c.token_hash == key)).first()
        if row is None:
            return None
        return SessionData(
            user_id=row.user_id,
            session_version=row.session_version,
            created_at=as_utc(row.created_at),
            seen_at=as_utc(row.seen_at),
            csrf=row.csrf,
            flash=_flash(row.flash),
        )

    def update(self, key: str, data: SessionData, expires_at: datetime) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(staff_sessions)
                .where(staff_sessions.c.token_hash == key)
                .values(**self._values(data, expires_at))
            )

    def delete(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(staff_sessions).where(staff_sessions.c.token_hash == key))

    def delete_user(self, user_id: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(staff_sessions).where(staff_sessions.c.user_id == user_id))

    def purge(self, now: datetime) -> int:
        with self.engine.begin() as connection:
            return connection.execute(
                delete(staff_sessions).where(staff_sessions.c.expires_at <= now)
            ).rowcount


class RedisSessionStore:
    """Sessions in Redis: one key per session (JSON, with a TTL) and one set per account."""

    def __init__(self, client: Any, prefix: str = REDIS_PREFIX) -> None:
        self.client = client
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str) -> RedisSessionStore:
        import redis

        client = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        )
        return cls(client)

    def _session(self, key: str) -> str:
        return f"{self.prefix}session:{key}"

    def _account(self, user_id: int) -> str:
        return f"{self.prefix}compte:{user_id}"

    @staticmethod
    def _ttl(data: SessionData, expires_at: datetime) -> int:
        return max(1, math.ceil((expires_at - data.seen_at).total_seconds()))

    def create(self, key: str, data: SessionData, expires_at: datetime) -> None:
        account = self._account(data.user_id)
        # The account's set forgets the sessions Redis has already expired.
        members = [_text(member) for member in self.client.smembers(account)]
        pipe = self.client.pipeline()
        for member in members:
            pipe.exists(self._session(member))
        gone = [member for member, alive in zip(members, pipe.execute(), strict=True) if not alive]
        pipe = self.client.pipeline()
        if gone:
            pipe.srem(account, *gone)
        pipe.set(self._session(key), data.to_json(), ex=self._ttl(data, expires_at))
        pipe.sadd(account, key)
        pipe.execute()

    def read(self, key: str) -> SessionData | None:
        raw = self.client.get(self._session(key))
        return None if raw is None else SessionData.from_json(raw)

    def update(self, key: str, data: SessionData, expires_at: datetime) -> None:
        self.client.set(self._session(key), data.to_json(), ex=self._ttl(data, expires_at), xx=True)

    def delete(self, key: str) -> None:
        raw = self.client.get(self._session(key))
        pipe = self.client.pipeline()
        pipe.delete(self._session(key))
        if raw is not None:
            pipe.srem(self._account(SessionData.from_json(raw).user_id), key)
        pipe.execute()

    def delete_user(self, user_id: int) -> None:
        account = self._account(user_id)
        keys = [_text(member) for member in self.client.smembers(account)]
        pipe = self.client.pipeline()
        for key in keys:
            pipe.delete(self._session(key))
        pipe.delete(account)
        pipe.execute()

    def purge(self, now: datetime) -> int:
        """Redis forgets expired sessions by itself (each key has a TTL)."""
        return 0


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


# --- the sessions' rules ---------------------------------------------------------------------


class StaffSessions:
    """Opens, reads, saves and ends sessions on a store, with an absolute and an idle limit."""

    def __init__(
        self,
        store: SessionStore,
        clock: Callable[[], datetime],
        lifetime: timedelta = timedelta(hours=8),
        idle: timedelta = timedelta(hours=1),
    ) -> None:
        self.store = store
        self.clock = clock
        self.lifetime = lifetime
        self.idle = idle

    def expires_at(self, data: SessionData) -> datetime:
        return min(data.created_at + self.lifetime, data.seen_at + self.idle)

    def open(self, user: StaffUser) -> tuple[str, SessionData]:
        """A new session for the account: a new token and a new CSRF token (purges expired ones)."""
        now = self.clock()
        self.store.purge(now)
        token = new_token()
        data = SessionData(
            user_id=user.id,
            session_version=user.session_version,
            created_at=now,
            seen_at=now,
            csrf=secrets.token_urlsafe(32),
        )
        self.store.create(token_hash(token), data, self.expires_at(data))
        return token, data

    def load(self, token: str) -> tuple[SessionData | None, bool]:
        """The session of a cookie's token (None if unknown or expired) and whether to save it.

        An expired session is deleted. The last request's time moves on at most every minute.
        """
        if not _TOKEN.match(token):
            return None, False
        key = token_hash(token)
        data = self.store.read(key)
        if data is None:
            return None, False
        now = self.clock()
        if now >= self.expires_at(data) or data.created_at > now + TOUCH_EVERY:
            self.store.delete(key)
            return None, False
        if now - data.seen_at >= TOUCH_EVERY:
            return replace(data, seen_at=now), True
        return data, False

    def save(self, token: str, data: SessionData) -> None:
        self.store.update(token_hash(token), data, self.expires_at(data))

    def close(self, token: str) -> None:
        if _TOKEN.match(token):
            self.store.delete(token_hash(token))

    def close_user(self, user_id: int) -> None:
        """End every session of an account (password changed, account removed)."""
        self.store.delete_user(user_id)

    def purge(self) -> int:
        return self.store.purge(self.clock())


# --- one request's session ------------------------------------------------------------------------


@dataclass
class RequestSession:
    """The session of one request, as the staff views see it (``scope["staff_session"]``)."""

    manager: StaffSessions
    csrf_key: bytes = field(repr=False)
    device_key: bytes = field(repr=False)
    token: str | None = None
    data: SessionData | None = None
    anonymous_nonce: str | None = None
    dirty: bool = False
    new_cookie: bool = False
    clear_cookie: bool = False
    new_nonce: bool = False

    def sign_in(self, user: StaffUser) -> None:
        """A new session (new token, new CSRF token): nothing survives from before login."""
        if self.token is not None:
            self.manager.close(self.token)
        self.token, self.data = self.manager.open(user)
        self.new_cookie, self.clear_cookie, self.dirty = True, False, False

    def end(self) -> None:
        """End this browser's session (logout, or a session found worthless)."""
        if self.token is not None:
            self.manager.close(self.token)
        self.token, self.data, self.dirty, self.new_cookie = None, None, False, False
        self.clear_cookie = True

    def csrf_token(self) -> str:
        if self.data is not None:
            return self.data.csrf
        if self.anonymous_nonce is None:
            self.anonymous_nonce, self.new_nonce = secrets.token_urlsafe(16), True
        digest = hmac.new(self.csrf_key, self.anonymous_nonce.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def csrf_valid(self, sent: object) -> bool:
        if not isinstance(sent, str) or not sent:
            return False
        if self.data is None and self.anonymous_nonce is None:
            return False
        return hmac.compare_digest(self.csrf_token().encode(), sent.encode("utf-8", "replace"))

    def flash(self, message: str, kind: str = "ok") -> None:
        if self.data is not None:
            self.data = replace(self.data, flash=(kind if kind in FLASH_KINDS else "ok", message))
            self.dirty = True

    def pop_flash(self) -> tuple[str, str] | None:
        if self.data is None or self.data.flash is None:
            return None
        value = self.data.flash
        self.data, self.dirty = replace(self.data, flash=None), True
        return value

    def commit(self) -> None:
        if self.dirty and self.token is not None and self.data is not None:
            self.manager.save(self.token, self.data)
            self.dirty = False


# --- the middleware ---------------------------------------------------------------------------


def _cookies(scope: Scope) -> dict[str, str]:
    """The request's cookies, read as Starlette reads them (leniently, first value wins)."""
    found: dict[str, str] = {}
    for name, value in scope.get("headers") or ():
        if name == b"cookie":
            for key, morsel in cookie_parser(value.decode("latin-1")).items():
                found.setdefault(key, morsel)
    return found


def cookie_header(name: str, value: str, *, path: str, secure: bool, max_age: int | None) -> str:
    parts = [f"{name}={value}", f"Path={path}", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


class StaffSessionMiddleware:
    """Gives each /equipe request its :class:`RequestSession` and sets the cookies it needs."""

    def __init__(self, app: ASGIApp, *, settings: Settings, secret_key: str) -> None:
        self.app = app
        self.settings = settings
        self.secure = settings.public_url.startswith("https://")
        self.csrf_key = derived_key(secret_key, b"staff-csrf")
        self.device_key = derived_key(secret_key, b"staff-device-cookie")
        self.redis_store = RedisSessionStore.from_url(settings.redis_url) if settings.redis_url else None

    def sessions(self, app: Any) -> StaffSessions:
        """``app.state.staff_sessions`` if set (tests), else the configured store's sessions."""
        chosen = getattr(app.state, "staff_sessions", None)
        if chosen is not None:
            return chosen
        accounts = app.state.accounts
        store = self.redis_store or DatabaseSessionStore(accounts.engine)
        return StaffSessions(
            store,
            accounts.clock,
            lifetime=timedelta(seconds=self.settings.staff_session_seconds),
            idle=timedelta(seconds=self.settings.staff_idle_seconds),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path != PREFIX and not path.startswith(PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        session = RequestSession(
            self.sessions(scope["app"]),
            self.csrf_key,
            self.device_key,
            anonymous_nonce=cookies.get(CSRF_COOKIE),
        )
        token = cookies.get(SESSION_COOKIE)
        if token:
            data, touched = await run_in_threadpool(session.manager.load, token)
            if data is None:
                session.clear_cookie = True
            else:
                session.token, session.data, session.dirty = token, data, touched
        scope["staff_session"] = session

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                await run_in_threadpool(session.commit)
                headers = MutableHeaders(scope=message)
                for cookie in self._set_cookies(session):
                    headers.append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookies)

    def _set_cookies(self, session: RequestSession) -> list[str]:
        cookies = []
        if session.new_cookie and session.token is not None:
            cookies.append(
                cookie_header(
                    SESSION_COOKIE,
                    session.token,
                    path=PREFIX,
                    secure=self.secure,
                    max_age=self.settings.staff_session_seconds,
                )
            )
        elif session.clear_cookie:
            cookies.append(cookie_header(SESSION_COOKIE, "", path=PREFIX, secure=self.secure, max_age=0))
        if session.new_nonce and session.anonymous_nonce is not None:
            cookies.append(
                cookie_header(
                    CSRF_COOKIE, session.anonymous_nonce, path=PREFIX, secure=self.secure, max_age=None
                )
            )
        return cookies


def request_session(scope_or_request: Any) -> RequestSession:
    """The :class:`RequestSession` of a /equipe request (set by :class:`StaffSessionMiddleware`)."""
    scope = getattr(scope_or_request, "scope", scope_or_request)
    return scope["staff_session"]
