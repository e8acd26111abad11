"""Settings read from the environment (variables prefixed DIAGNOSTIC_), with local defaults.

Web application (issue 3):

=============================  ======================================  ==========================
variable                       meaning                                 default
=============================  ======================================  ==========================
DIAGNOSTIC_PUBLIC_URL          address people use to reach the site    http://127.0.0.1:8000
DIAGNOSTIC_WEB_HOST            interface the web application binds     127.0.0.1
DIAGNOSTIC_WEB_PORT            port of the web application             8000
DIAGNOSTIC_DEMO_PORT           port of the demo commune website        8001
DIAGNOSTIC_RASA_URL            Rasa server (REST channel)              http://127.0.0.1:5005
DIAGNOSTIC_RASA_TIMEOUT        seconds to wait for Rasa's answer       30
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
DIAGNOSTIC_SECRET_KEY          signs the staff session cookies         production: required (at
                               (at least 32 characters)                least 32 characters);
                                                                       development: random per
                                                                       process
DIAGNOSTIC_STAFF_SESSION_HOURS lifetime of a staff session             8
=============================  ======================================  ==========================

In development without a key, a random key is drawn once per process: staff sessions then
end when the web application restarts. In production the application refuses to start
without a key (``SettingsError``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Settings:
    # Address at which people reach the web application (report links are built on it).
    public_url: str = DEFAULT_PUBLIC_URL
    web_host: str = DEFAULT_WEB_HOST
    web_port: int = DEFAULT_WEB_PORT
    demo_port: int = DEFAULT_DEMO_PORT
    rasa_url: str = DEFAULT_RASA_URL
    rasa_timeout: float = 30.0
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


def _int(environ: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} doit être un nombre entier (reçu : {raw!r})") from None
    if value < minimum:
        raise SettingsError(f"{name} doit valoir au moins {minimum} (reçu : {value})")
    return value


def _float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} doit être un nombre (reçu : {raw!r})") from None
    if not value > 0:
        raise SettingsError(f"{name} doit être positif (reçu : {value})")
    return value


def _origins(environ: Mapping[str, str], host: str, demo_port: int) -> tuple[str, ...]:
    raw = environ.get("DIAGNOSTIC_CORS_ORIGINS")
    if raw is None or not raw.strip():
        hosts = dict.fromkeys((host, "127.0.0.1", "localhost"))
        return tuple(f"http://{name}:{demo_port}" for name in hosts)
    return tuple(origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip())


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    host = environ.get("DIAGNOSTIC_WEB_HOST", "").strip() or DEFAULT_WEB_HOST
    demo_port = _int(environ, "DIAGNOSTIC_DEMO_PORT", DEFAULT_DEMO_PORT)
    production = _environment(environ)
    return Settings(
        public_url=(environ.get("DIAGNOSTIC_PUBLIC_URL", "").strip() or DEFAULT_PUBLIC_URL).rstrip("/"),
        web_host=host,
        web_port=_int(environ, "DIAGNOSTIC_WEB_PORT", DEFAULT_WEB_PORT),
        demo_port=demo_port,
        rasa_url=(environ.get("DIAGNOSTIC_RASA_URL", "").strip() or DEFAULT_RASA_URL).rstrip("/"),
        rasa_timeout=_float(environ, "DIAGNOSTIC_RASA_TIMEOUT", 30.0),
        cors_origins=_origins(environ, host, demo_port),
        rate_limit=_int(environ, "DIAGNOSTIC_RATE_LIMIT", 30),
        rate_limit_ip=_int(environ, "DIAGNOSTIC_RATE_LIMIT_IP", 300),
        max_message_length=_int(environ, "DIAGNOSTIC_MAX_MESSAGE_LENGTH", 2000),
        max_body_bytes=_int(environ, "DIAGNOSTIC_MAX_BODY_BYTES", 16384, minimum=256),
        production=production,
        secret_key=_secret_key(environ, production),
        staff_session_seconds=_int(environ, "DIAGNOSTIC_STAFF_SESSION_HOURS", 8) * 3600,
    )


def report_path(public_id: str) -> str:
    """Where the report of a diagnostic is served (its id is unguessable)."""
    return f"/rapport/{public_id}"


def report_json_path(public_id: str) -> str:
    """The same report as JSON, at a sibling address."""
    return f"/rapport/{public_id}.json"
