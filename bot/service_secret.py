"""The shared secrets that open the private services (Rasa's REST channel, the action server).

Only the deployment's own processes may call them: the web application sends
``DIAGNOSTIC_RASA_SECRET`` to Rasa's REST channel and Rasa sends ``DIAGNOSTIC_ACTIONS_SECRET``
to the action server, both in the header ``X-Diagnostic-Secret``. Each service compares the
header in constant time, and refuses every call when its own secret is not configured
(fails closed) after logging why once, at start-up.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from bot.settings import MIN_SECRET_KEY_LENGTH
from bot.web_text import web_text

SECRET_HEADER = "X-Diagnostic-Secret"
RASA_SECRET = "DIAGNOSTIC_RASA_SECRET"
ACTIONS_SECRET = "DIAGNOSTIC_ACTIONS_SECRET"
MIN_SECRET_LENGTH = MIN_SECRET_KEY_LENGTH
GENERATE_HINT = (
    "« bash scripts/make-secrets.sh » les crée dans var/secrets.env ; en production, indiquez une "
    "valeur aléatoire, par exemple la sortie de « python -c 'import secrets; "
    "print(secrets.token_urlsafe(48))' »."
)

logger = logging.getLogger(__name__)


def configured_secret(environ: Mapping[str, str], name: str) -> str | None:
    """The secret named ``name``, or None (with an error logged) when it is unset or too short."""
    value = environ.get(name, "").strip()
    if not value:
        logger.error("%s n'est pas défini : toutes les requêtes sont refusées. %s", name, GENERATE_HINT)
        return None
    if len(value) < MIN_SECRET_LENGTH:
        logger.error(
            "%s compte moins de %d caractères : toutes les requêtes sont refusées. %s",
            name,
            MIN_SECRET_LENGTH,
            GENERATE_HINT,
        )
        return None
    return value


@dataclass(frozen=True)
class Refusal:
    """A private service's answer to a call without the secret: ``{"error": code, "message"}``."""

    status: int
    code: str
    message: str


def secret_refusal(expected: str | None, provided: str | None) -> Refusal | None:
    """None when ``provided`` is the secret; else a 503 when no secret is configured (every call
    refused), a 401 when the header is missing or wrong."""
    if expected is None:
        return Refusal(503, "service_non_configure", web_text("private_unconfigured"))
    if not secret_matches(expected, provided):
        return Refusal(401, "secret_invalide", web_text("private_bad_secret", header=SECRET_HEADER))
    return None


def secret_matches(expected: str | None, provided: str | None) -> bool:
    """Whether the header value ``provided`` is the secret (never when no secret is configured)."""
    if not expected or provided is None:
        return False
    # surrogatepass: a header with a lone surrogate is compared, never an error nor a lookalike.
    return hmac.compare_digest(expected.encode("utf-8"), provided.encode("utf-8", errors="surrogatepass"))
