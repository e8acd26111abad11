"""The reminder to come back in six months, as a calendar file (.ics, RFC 5545) holding the report link.

The issue asks for a well-kept library (PyPI "ics"); it is not installed in this environment yet,
so :func:`reminder_ics` writes the few lines of RFC 5545 an all-day event needs itself (escaped
text, CRLF line ends, lines folded at 75 octets). It is the only place that does: once the
library is installed, only this function changes.
"""

from __future__ import annotations

import calendar
import hashlib
from datetime import date, datetime, timedelta, timezone

REMINDER_MONTHS = 6
PRODUCT = "-//Autodiagnostic territoire intelligent//Rappel//FR"
MAX_LINE_OCTETS = 75


def months_later(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day (31 August -> 28/29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _text(value: str) -> str:
    """An RFC 5545 TEXT value: backslash, semicolon, comma and line ends escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """A content line folded at 75 octets (continuations start with a space), never inside a character."""
    parts: list[str] = []
    current, size = "", 0
    for character in line:
        octets = len(character.encode("utf-8"))
        limit = MAX_LINE_OCTETS if not parts else MAX_LINE_OCTETS - 1
        if size + octets > limit:
            parts.append(current)
            current, size = "", 0
        current += character
        size += octets
    parts.append(current)
    return "\r\n ".join(parts)


def reminder_ics(report_url: str, summary: str, description: str, now: datetime) -> str:
    """A calendar holding one all-day event, six months after ``now`` (UTC), with the report link."""
    now = now.astimezone(timezone.utc)
    day = months_later(now.date(), REMINDER_MONTHS)
    uid = hashlib.sha256(f"{report_url} {day.isoformat()}".encode()).hexdigest()[:32]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}@autodiagnostic",
        f"DTSTAMP:{now:%Y%m%dT%H%M%SZ}",
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{_text(summary)}",
        f"DESCRIPTION:{_text(description)}",
        f"URL:{report_url}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)
