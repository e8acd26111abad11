"""Settings of the staff review, read from DIAGNOSTIC_REVIEW_* variables, with defaults.

=====================================  ==============================================  ============
variable                               meaning                                         default
=====================================  ==============================================  ============
DIAGNOSTIC_REVIEW_ABANDON_DAYS         an unfinished diagnostic untouched for this     7
                                       many days is shown as abandoned
DIAGNOSTIC_REVIEW_CONFIDENCE           a user turn whose intent confidence is below    0.6
                                       this is a low-confidence turn
DIAGNOSTIC_REVIEW_TIMEZONE             time zone of dates, days and weeks              Europe/Paris
=====================================  ==============================================  ============
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REPO_ROOT = Path(__file__).resolve().parents[2]
FALLBACK_INTENT = "nlu_fallback"


class ReviewSettingsError(ValueError):
    """A DIAGNOSTIC_REVIEW_* variable has an unusable value; the message says which."""


@dataclass(frozen=True)
class ReviewSettings:
    abandon_after_days: int = 7
    confidence_threshold: float = 0.6
    timezone: str = "Europe/Paris"
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
