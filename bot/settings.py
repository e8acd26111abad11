"""Settings read from the environment (variables prefixed DIAGNOSTIC_), with local defaults.

Web application (issue 3):

=============================  ======================================  ==========================
variable                       meaning                                 default
=============================  ======================================  ==========================
DIAGNOSTIC_PUBLIC_URL          address people use to reach the site    http://127.0.0.1:8000
DIAGNOSTIC_WEB_HOST            interface the web application binds     127.0.0.1
DIAGNOSTIC_WEB_PORT            port of the web application             8000
DIAGNOSTIC_DEMO_PORT           port of the demo commune website        8001
DIAGNOSTIC_RASA_URL            Rasa server(s) (REST channel): one      http://127.0.0.1:5005
                               address, or several separated by
                               commas that share the tracker store
                               and the lock store (turns go to each
                               in turn, bot/web/rasa_client.py)
DIAGNOSTIC_RASA_TIMEOUT        seconds to wait for Rasa's answer       15
                               (then 504; the request goes on, a
                               retry gets its answer)
DIAGNOSTIC_CORS_ORIGINS        sites allowed to embed the widget,      the demo site's origins
                               comma-separated ("*" for any)
DIAGNOSTIC_RATE_LIMIT          messages per conversation per minute    30
DIAGNOSTIC_RATE_LIMIT_IP       messages per client address per minute  300
DIAGNOSTIC_MAX_MESSAGE_LENGTH  characters in one message               2000
DIAGNOSTIC_MAX_BODY_BYTES      bytes in one request body               16384
=============================  ======================================  ==========================

Staff area (issue 4):

=============================  ======================================  ==========================
variable                       meaning                                 default
=============================  ======================================  ==========================
DIAGNOSTIC_ENV                 "production" or "development"           development
DIAGNOSTIC_SECRET_KEY          keys the door's HMACs (staff device     production: required (at
                               cookies, login CSRF tokens,             least 32 characters);
                               conversation ids; at least 32 chars)    development: random per
                                                                       process
DIAGNOSTIC_STAFF_SESSION_HOURS lifetime of a staff session             8
DIAGNOSTIC_STAFF_IDLE_MINUTES  a staff session unused this long ends   60
=============================  ======================================  ==========================

Private services (issue 9): Rasa and the action server refuse every call without their secret.

=============================  ======================================  ==========================
variable                       meaning                                 default
=============================  ======================================  ==========================
DIAGNOSTIC_RASA_SECRET         sent to Rasa's REST channel (header     production: required (at
                               X-Diagnostic-Secret), which refuses     least 32 characters);
                               any call without it                     development: none (Rasa
                                                                       then refuses the door)
=============================  ======================================  ==========================

DIAGNOSTIC_ACTIONS_SECRET (what Rasa sends to the action server) is read by the action
server and endpoints.yml, not here. ``scripts/make-secrets.sh`` writes both, and
DIAGNOSTIC_SECRET_KEY, into var/secrets.env, which ``make run`` uses.

Rate limits, client address and shared state (issue 9):

=====================================  ================================  ===========================
variable                               meaning                           default
=====================================  ================================  ===========================
DIAGNOSTIC_TRUSTED_PROXIES             proxies (IPs or CIDRs, comma-     none: the client address
                                       separated) whose X-Forwarded-For  is the TCP peer
                                       is believed
DIAGNOSTIC_REDIS_URL                   Redis shared by every process     unset: in memory (one
                                       (redis://, rediss://, unix://)    process)
DIAGNOSTIC_ALLOWED_HOSTS               other names the site answers for  none (the public address's
                                       (comma-separated), besides the    name and the loopback
                                       public address's and loopback     names are always accepted)
DIAGNOSTIC_RATE_LIMIT_SOCKET           Socket.IO connections per client  30/1min
                                       address
DIAGNOSTIC_RATE_LIMIT_LOGIN_IP         staff login attempts per client   20/15min
                                       address
DIAGNOSTIC_RATE_LIMIT_LOGIN_ACCOUNT    staff login attempts per account  100/1h
DIAGNOSTIC_RATE_LIMIT_LOGIN_PAIR       staff login attempts per client   5/15min
                                       address and account
=====================================  ================================  ===========================

Synthetic diagnostics (issue 14):

============================  =========================================  =====================
variable                      meaning                                    default
============================  =========================================  =====================
DIAGNOSTIC_INCLUDE_SYNTHETIC  "oui" counts the synthetic diagnostics of  "non": synthetic
                              ``python -m bot demo-data`` in the         diagnostics are never
                              statistics (the report's comparison with   mixed with real ones
                              peers, the staff dashboard): a
                              demonstration install; "non" leaves them
                              out
============================  =========================================  =====================

Staff review (issue 4):

=====================================  ==============================================  ============
variable                               meaning                                         default
=====================================  ==============================================  ============
DIAGNOSTIC_REVIEW_ABANDON_DAYS         an unfinished diagnostic untouched for this     7
                                       many days is shown as abandoned
DIAGNOSTIC_REVIEW_CONFIDENCE           a user turn whose intent confidence is below    0.6
                                       this is a low-confidence turn
DIAGNOSTIC_REVIEW_TIMEZONE             time zone of dates, days and weeks              Europe/Paris
=====================================  ==============================================  ============

A rate is written ``N/DURATION``: N requests per DURATION, a number of seconds or a number
followed by s, min, h or d (``5/15min``, ``300/60``, ``1000/1d``). DIAGNOSTIC_RATE_LIMIT and
DIAGNOSTIC_RATE_LIMIT_IP stay plain numbers (per minute).

In development without a key, a random key is drawn once per process: staff sessions then
end when the web application restarts. In production the application refuses to start
without a key (``SettingsError``).
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DEFAULT_WEB_HOST = "127.0.0.1"
DEFAULT_WEB_PORT = 8000
DEFAULT_DEMO_PORT = 8001
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
ENVIRONMENTS = ("development", "production")
MIN_SECRET_KEY_LENGTH = 32
_PROCESS_SECRET_KEY: str | None = None


class SettingsError(ValueError):
    """An environment variable has a value that cannot be used; the message says which."""


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_DURATION_UNITS = {"": 1, "s": 1, "min": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*(s|min|h|d)?\s*$", re.IGNORECASE)
REDIS_SCHEMES = ("redis", "rediss", "unix")


@dataclass(frozen=True)
class Rate:
    """At most ``amount`` requests per ``seconds`` seconds (a rate-limit rule's value)."""

    amount: int
    seconds: int


@dataclass(frozen=True)
class Settings:
    # Address at which people reach the web application (report links are built on it).
    public_url: str = DEFAULT_PUBLIC_URL
    web_host: str = DEFAULT_WEB_HOST
    web_port: int = DEFAULT_WEB_PORT
    demo_port: int = DEFAULT_DEMO_PORT
    # One Rasa server, or several separated by commas (rasa_addresses; bot/web/rasa_client.py).
    rasa_url: str = DEFAULT_RASA_URL
    rasa_timeout: float = 15.0
    # Sent to Rasa's REST channel in X-Diagnostic-Secret (bot.service_secret).
    rasa_secret: str | None = field(default=None, repr=False)
    # Origins (scheme://host:port) of the sites whose pages may call the chat API.
    cors_origins: tuple[str, ...] = (f"http://127.0.0.1:{DEFAULT_DEMO_PORT}", f"http://localhost:{DEFAULT_DEMO_PORT}")
    rate_limit: int = 30
    rate_limit_ip: int = 300
    rate_window_seconds: float = 60.0
    max_message_length: int = 2000
    max_body_bytes: int = 16384
    # Staff area: "production" demands a secret key; without one, development uses a per-process key.
    production: bool = False
    secret_key: str | None = field(default=None, repr=False)
    staff_session_seconds: int = 8 * 3600
    staff_idle_seconds: int = 3600
    # Proxies whose X-Forwarded-For is believed (none: the client address is the TCP peer).
    trusted_proxies: tuple[IPNetwork, ...] = ()
    # Host names accepted besides the public URL's and the loopback names (a proxy's upstream name).
    allowed_hosts: tuple[str, ...] = ()
    # Redis shared by every process (rate limits, staff sessions); None: in memory, one process.
    redis_url: str | None = field(default=None, repr=False)
    socket_rate: Rate = Rate(30, 60)
    login_rate_client: Rate = Rate(20, 15 * 60)
    login_rate_account: Rate = Rate(100, 3600)
    login_rate_pair: Rate = Rate(5, 15 * 60)
    # Count the synthetic diagnostics (python -m bot demo-data) in the statistics: peers, dashboard.
    include_synthetic: bool = False


def process_secret_key() -> str:
    """A random key drawn once per process (development only: sessions end with the process)."""
    global _PROCESS_SECRET_KEY
    if _PROCESS_SECRET_KEY is None:
        _PROCESS_SECRET_KEY = secrets.token_urlsafe(48)
    return _PROCESS_SECRET_KEY


def session_secret(settings: Settings) -> str:
    """The key that signs staff sessions; raises :class:`SettingsError` in production without one."""
    if settings.secret_key:
        return settings.secret_key
    if settings.production:
        raise SettingsError(
            "DIAGNOSTIC_SECRET_KEY est obligatoire en production (DIAGNOSTIC_ENV=production) : "
            f"indiquez une clé aléatoire d'au moins {MIN_SECRET_KEY_LENGTH} caractères, par exemple "
            "la sortie de « python -c 'import secrets; print(secrets.token_urlsafe(48))' »."
        )
    return process_secret_key()


def _environment(environ: Mapping[str, str]) -> bool:
    raw = environ.get("DIAGNOSTIC_ENV", "").strip().lower() or "development"
    if raw not in ENVIRONMENTS:
        raise SettingsError(f"DIAGNOSTIC_ENV doit valoir « production » ou « development » (reçu : {raw!r})")
    return raw == "production"


_YES = ("oui", "yes", "true", "1")
_NO = ("non", "no", "false", "0", "")


def _flag(environ: Mapping[str, str], name: str) -> bool:
    """A yes/no variable: "oui" (or yes, true, 1) or "non" (or no, false, 0, empty)."""
    raw = environ.get(name, "").strip().lower()
    if raw not in _YES + _NO:
        raise SettingsError(f"{name} doit valoir « oui » ou « non » (reçu : {raw!r})")
    return raw in _YES


def _secret_key(environ: Mapping[str, str], production: bool) -> str | None:
    key = environ.get("DIAGNOSTIC_SECRET_KEY", "").strip() or None
    if key is not None and len(key) < MIN_SECRET_KEY_LENGTH:
        raise SettingsError(
            f"DIAGNOSTIC_SECRET_KEY doit compter au moins {MIN_SECRET_KEY_LENGTH} caractères "
            f"(reçu : {len(key)})."
        )
    if key is None and production:
        session_secret(Settings(production=True))  # raises the French message
    return key


def _rasa_secret(environ: Mapping[str, str], production: bool) -> str | None:
    secret = environ.get("DIAGNOSTIC_RASA_SECRET", "").strip() or None
    if secret is None and not production:
        return None
    hint = (
        "indiquez la même valeur aléatoire au site et au serveur Rasa, par exemple la sortie de "
        "« python -c 'import secrets; print(secrets.token_urlsafe(48))' »."
    )
    if secret is None:
        raise SettingsError(
            f"DIAGNOSTIC_RASA_SECRET est obligatoire en production (DIAGNOSTIC_ENV=production) : {hint}"
        )
    if len(secret) < MIN_SECRET_KEY_LENGTH:
        raise SettingsError(
            f"DIAGNOSTIC_RASA_SECRET doit compter au moins {MIN_SECRET_KEY_LENGTH} caractères "
            f"(reçu : {len(secret)}) : {hint}"
        )
    return secret


def int_variable(environ: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    """The whole number in ``environ[name]`` (``default`` when unset); SettingsError when unusable."""
    value = _parsed(environ, name, int, "un nombre entier")
    if value is None:
        return default
    if value < minimum:
        raise SettingsError(f"{name} doit valoir au moins {minimum} (reçu : {value})")
    return value


def _float(environ: Mapping[str, str], name: str, default: float) -> float:
    value = _parsed(environ, name, float, "un nombre")
    if value is None:
        return default
    if not value > 0:
        raise SettingsError(f"{name} doit être positif (reçu : {value})")
    return value


_Number = TypeVar("_Number", int, float)


def _parsed(
    environ: Mapping[str, str], name: str, parse: Callable[[str], _Number], kind: str
) -> _Number | None:
    """``environ[name]`` read by ``parse`` (None when unset); SettingsError, saying it must be
    ``kind``, when it cannot be read."""
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return parse(raw)
    except ValueError:
        raise SettingsError(f"{name} doit être {kind} (reçu : {raw!r})") from None


def _rate(environ: Mapping[str, str], name: str, default: Rate) -> Rate:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    match = _RATE.fullmatch(raw)
    amount = int(match.group(1)) if match else 0
    seconds = int(match.group(2)) * _DURATION_UNITS[(match.group(3) or "").lower()] if match else 0
    if amount < 1 or seconds < 1:
        raise SettingsError(
            f"{name} doit s'écrire N/DURÉE, avec N et DURÉE positifs : par exemple « 5/15min », "
            f"« 300/60 » (secondes) ou « 1000/1d » (unités s, min, h, d ; reçu : {raw!r})"
        )
    return Rate(amount, seconds)


def _trusted_proxies(environ: Mapping[str, str]) -> tuple[IPNetwork, ...]:
    raw = environ.get("DIAGNOSTIC_TRUSTED_PROXIES", "")
    networks: list[IPNetwork] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingsError(
                "DIAGNOSTIC_TRUSTED_PROXIES doit lister des adresses IP ou des réseaux CIDR séparés "
                f"par des virgules, par exemple « 10.0.0.5, 192.168.0.0/24 » (reçu : {item!r})"
            ) from None
    return tuple(networks)


def _allowed_hosts(environ: Mapping[str, str]) -> tuple[str, ...]:
    raw = environ.get("DIAGNOSTIC_ALLOWED_HOSTS", "")
    names = tuple(name.strip().lower() for name in raw.split(",") if name.strip())
    for name in names:
        if not re.fullmatch(r"[a-z0-9.-]+|\[?[0-9a-f:.]+\]?", name):
            raise SettingsError(
                "DIAGNOSTIC_ALLOWED_HOSTS doit lister des noms d'hôte sans schéma ni port, séparés par "
                f"des virgules, par exemple « diagnostic-web, 10.0.0.7 » (reçu : {name!r})"
            )
    return names


def _redis_url(environ: Mapping[str, str]) -> str | None:
    raw = environ.get("DIAGNOSTIC_REDIS_URL", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in REDIS_SCHEMES or not (parts.netloc or parts.path):
        raise SettingsError(
            "DIAGNOSTIC_REDIS_URL doit être une adresse redis://, rediss:// ou unix://, par exemple "
            "« redis://127.0.0.1:6379/0 »."
        )
    return raw


def rasa_addresses(raw: str) -> tuple[str, ...]:
    """The Rasa servers of a DIAGNOSTIC_RASA_URL value (comma-separated, without trailing "/")."""
    return tuple(dict.fromkeys(item.strip().rstrip("/") for item in raw.split(",") if item.strip()))


def _rasa_url(environ: Mapping[str, str]) -> str:
    """DIAGNOSTIC_RASA_URL checked: one http(s) address or several, comma-separated, each once."""
    raw = environ.get("DIAGNOSTIC_RASA_URL", "").strip() or DEFAULT_RASA_URL
    items = [item.strip().rstrip("/") for item in raw.split(",") if item.strip()]
    for item in items:
        parts = urlsplit(item)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise SettingsError(
                "DIAGNOSTIC_RASA_URL doit donner l'adresse http:// ou https:// d'un serveur Rasa, ou "
                "de plusieurs séparées par des virgules, par exemple « http://127.0.0.1:5005 » ou "
                f"« http://rasa-1:5005, http://rasa-2:5005 » (reçu : {item!r})"
            )
    if not items:
        raise SettingsError(f"DIAGNOSTIC_RASA_URL ne donne aucune adresse de serveur Rasa (reçu : {raw!r})")
    if len(set(items)) < len(items):
        raise SettingsError(
            "DIAGNOSTIC_RASA_URL doit lister chaque serveur Rasa une seule fois, séparés par des "
            f"virgules (reçu : {raw!r})"
        )
    return ",".join(items)


def _origins(environ: Mapping[str, str], host: str, demo_port: int) -> tuple[str, ...]:
    raw = environ.get("DIAGNOSTIC_CORS_ORIGINS")
    if raw is None or not raw.strip():
        hosts = dict.fromkeys((host, "127.0.0.1", "localhost"))
        return tuple(f"http://{name}:{demo_port}" for name in hosts)
    return tuple(origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip())


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    host = environ.get("DIAGNOSTIC_WEB_HOST", "").strip() or DEFAULT_WEB_HOST
    demo_port = int_variable(environ, "DIAGNOSTIC_DEMO_PORT", DEFAULT_DEMO_PORT)
    production = _environment(environ)
    return Settings(
        public_url=(environ.get("DIAGNOSTIC_PUBLIC_URL", "").strip() or DEFAULT_PUBLIC_URL).rstrip("/"),
        web_host=host,
        web_port=int_variable(environ, "DIAGNOSTIC_WEB_PORT", DEFAULT_WEB_PORT),
        demo_port=demo_port,
        rasa_url=_rasa_url(environ),
        rasa_timeout=_float(environ, "DIAGNOSTIC_RASA_TIMEOUT", 15.0),
        cors_origins=_origins(environ, host, demo_port),
        rate_limit=int_variable(environ, "DIAGNOSTIC_RATE_LIMIT", 30),
        rate_limit_ip=int_variable(environ, "DIAGNOSTIC_RATE_LIMIT_IP", 300),
        max_message_length=int_variable(environ, "DIAGNOSTIC_MAX_MESSAGE_LENGTH", 2000),
        max_body_bytes=int_variable(environ, "DIAGNOSTIC_MAX_BODY_BYTES", 16384, minimum=256),
        production=production,
        secret_key=_secret_key(environ, production),
        rasa_secret=_rasa_secret(environ, production),  # after the key: its error is said first
        staff_session_seconds=int_variable(environ, "DIAGNOSTIC_STAFF_SESSION_HOURS", 8) * 3600,
        staff_idle_seconds=int_variable(environ, "DIAGNOSTIC_STAFF_IDLE_MINUTES", 60) * 60,
        trusted_proxies=_trusted_proxies(environ),
        allowed_hosts=_allowed_hosts(environ),
        redis_url=_redis_url(environ),
        socket_rate=_rate(environ, "DIAGNOSTIC_RATE_LIMIT_SOCKET", Settings.socket_rate),
        login_rate_client=_rate(environ, "DIAGNOSTIC_RATE_LIMIT_LOGIN_IP", Settings.login_rate_client),
        login_rate_account=_rate(environ, "DIAGNOSTIC_RATE_LIMIT_LOGIN_ACCOUNT", Settings.login_rate_account),
        login_rate_pair=_rate(environ, "DIAGNOSTIC_RATE_LIMIT_LOGIN_PAIR", Settings.login_rate_pair),
        include_synthetic=_flag(environ, "DIAGNOSTIC_INCLUDE_SYNTHETIC"),
    )


def report_path(public_id: str) -> str:
    """Where the report of a diagnostic is served (its id is unguessable)."""
    return f"/rapport/{public_id}"


def report_url(public_url: str) -> Callable[[str], str]:
    """The function the engine builds report addresses with, on the site at ``public_url``."""
    return lambda public_id: public_url + report_path(public_id)


def report_json_path(public_id: str) -> str:
    """The same report as JSON, at a sibling address."""
    return f"/rapport/{public_id}.json"


def group_invitation_path(token: str) -> str:
    """Where colleagues join a group diagnostic (the invitation token is unguessable)."""
    return f"/groupe/{token}"


def group_report_path(token: str) -> str:
    """Where the group's report is served (its own unguessable token)."""
    return f"/rapport-groupe/{token}"


def group_report_json_path(token: str) -> str:
    return f"/rapport-groupe/{token}.json"


# The time zone of the dates people read (reports, staff pages); the staff review may set its own.
TIMEZONE = "Europe/Paris"


# --- the databases --------------------------------------------------------------------

VAR_DIR = Path(__file__).resolve().parents[1] / "var"
DATABASE_URL_ENV = "DIAGNOSTIC_DATABASE_URL"
DEFAULT_DATABASE_NAME = "diagnostic.db"
DEFAULT_TRACKER_DB = "tracker.db"


def database_url(environ: Mapping[str, str] = os.environ) -> str:
    """``$DIAGNOSTIC_DATABASE_URL``, or a SQLite file ``<repo>/var/diagnostic.db`` (absolute path).

    The ``var/`` directory is created when the default is used.
    """
    url = environ.get(DATABASE_URL_ENV, "").strip()
    if url:
        return url
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(VAR_DIR / DEFAULT_DATABASE_NAME).resolve()}"


@dataclass(frozen=True)
class TrackerStoreSettings:
    """Rasa's tracker store as ``endpoints.yml`` names it: TRACKER_DIALECT, TRACKER_URL, TRACKER_DB
    (unset: the Makefile's defaults, sqlite and ``<repo>/var/tracker.db``)."""

    dialect: str
    host: str | None
    db: str


def tracker_store_settings(environ: Mapping[str, str] = os.environ) -> TrackerStoreSettings:
    return TrackerStoreSettings(
        dialect=environ.get("TRACKER_DIALECT", "").strip() or "sqlite",
        host=environ.get("TRACKER_URL", "").strip() or None,
        db=environ.get("TRACKER_DB", "").strip() or str(VAR_DIR / DEFAULT_TRACKER_DB),
    )


# --- the staff review ---------------------------------------------------------------

REPO_ROOT = VAR_DIR.parent
FALLBACK_INTENT = "nlu_fallback"


class ReviewSettingsError(ValueError):
    """A DIAGNOSTIC_REVIEW_* variable has an unusable value; the message says which."""


@dataclass(frozen=True)
class ReviewSettings:
    abandon_after_days: int = 7
    confidence_threshold: float = 0.6
    timezone: str = TIMEZONE
    # Training data and domain, for the intents offered and for duplicate detection.
    nlu_dir: Path = REPO_ROOT / "data" / "nlu"
    domain_path: Path = REPO_ROOT / "domain.yml"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_review_settings(environ: Mapping[str, str] = os.environ) -> ReviewSettings:
    defaults = ReviewSettings()
    raw_days = environ.get("DIAGNOSTIC_REVIEW_ABANDON_DAYS", "").strip()
    raw_confidence = environ.get("DIAGNOSTIC_REVIEW_CONFIDENCE", "").strip()
    timezone = environ.get("DIAGNOSTIC_REVIEW_TIMEZONE", "").strip() or defaults.timezone
    days = defaults.abandon_after_days
    if raw_days:
        try:
            days = int(raw_days)
        except ValueError:
            raise ReviewSettingsError(
                f"DIAGNOSTIC_REVIEW_ABANDON_DAYS doit être un nombre entier de jours (reçu : {raw_days!r})"
            ) from None
        if days < 1:
            raise ReviewSettingsError(
                f"DIAGNOSTIC_REVIEW_ABANDON_DAYS doit valoir au moins 1 (reçu : {days})"
            )
    confidence = defaults.confidence_threshold
    if raw_confidence:
        try:
            confidence = float(raw_confidence.replace(",", "."))
        except ValueError:
            raise ReviewSettingsError(
                f"DIAGNOSTIC_REVIEW_CONFIDENCE doit être un nombre entre 0 et 1 (reçu : {raw_confidence!r})"
            ) from None
        if not 0 <= confidence <= 1:
            raise ReviewSettingsError(
                f"DIAGNOSTIC_REVIEW_CONFIDENCE doit être entre 0 et 1 (reçu : {raw_confidence!r})"
            )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReviewSettingsError(
            f"DIAGNOSTIC_REVIEW_TIMEZONE : fuseau horaire inconnu ({timezone!r})"
        ) from None
    return ReviewSettings(abandon_after_days=days, confidence_threshold=confidence, timezone=timezone)
