"""The staff's password policy: length, then zxcvbn's estimate of how guessable it is.

zxcvbn (Dropbox's estimator, the PyPI package ``zxcvbn``) matches a password against lists
of common passwords, words and names, keyboard runs, repeats, sequences and dates, and
scores it from 0 (guessable in a few tries) to 4. A password is refused below
:data:`MIN_SCORE`, or when it contains the local part of the account's address; the
address, its parts and the site's own words are given to zxcvbn as guessable words too.
"""

from __future__ import annotations

import re

from zxcvbn import zxcvbn

from bot.staff_text import staff_text

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
# zxcvbn's scores: 3 = "safely unguessable: moderate protection from offline slow-hash scenario".
MIN_SCORE = 3
# zxcvbn refuses longer input (its matching is quadratic in the length): it scores a prefix.
SCORED_LENGTH = 72
SITE_WORDS = (
    "diagnostic", "autodiagnostic", "equipe", "équipe", "relecture", "plateforme", "territoire",
    "intelligent", "collectivite", "collectivité", "mairie", "commune", "motdepasse", "azerty",
)  # fmt: skip
TOO_WEAK = staff_text("password_too_weak")


class PasswordError(ValueError):
    """The password was refused; the message (French) says why."""


def _guessable_words(email: str | None) -> list[str]:
    words = list(SITE_WORDS)
    if email:
        address = email.strip().lower()
        words.append(address)
        words.extend(part for part in re.split(r"[^\w]+", address) if len(part) >= 3)
    return words


def check_password(password: object, email: str | None = None) -> None:
    """Raises :class:`PasswordError` (French) unless ``password`` may protect a staff account."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(staff_text("password_too_short", minimum=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordError(staff_text("password_too_long", maximum=MAX_PASSWORD_LENGTH))
    if not password.strip():
        raise PasswordError(staff_text("password_only_spaces"))
    if "\x00" in password:
        raise PasswordError(staff_text("password_forbidden_character"))
    if email:
        address = email.strip().lower()
        local = address.split("@", 1)[0]
        folded = password.lower()
        if address in folded or (len(local) >= 3 and local in folded):
            raise PasswordError(staff_text("password_contains_email"))
    result = zxcvbn(password[:SCORED_LENGTH], user_inputs=_guessable_words(email))
    if result["score"] < MIN_SCORE:
        raise PasswordError(TOO_WEAK)
