"""The reminder to come back in six months, as a calendar file (.ics, RFC 5545) holding the report link.

Written with the ``icalendar`` library (escaping, CRLF line ends, lines folded at 75 octets).
"""

from __future__ import annotations

import calendar
import hashlib
from datetime import date, datetime, timedelta, timezone

from icalendar import Calendar, Event

REMINDER_MONTHS = 6
PRODUCT = "-//Autodiagnostic territoire intelligent//Rappel//FR"


def months_later(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day (31 August -> 28/29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def reminder_ics(report_url: str, summary: str, description: str, now: datetime) -> str:
    """A calendar holding one all-day event, six months after ``now`` (UTC), with the report link."""
    now = now.astimezone(timezone.utc)
    day = months_later(now.date(), REMINDER_MONTHS)
    uid = hashlib.sha256(f"{report_url} {day.isoformat()}".encode()).hexdigest()[:32]
    event = Event()
    event.add("uid", f"{uid}@autodiagnostic")
    event.add("dtstamp", now)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", report_url)
    event.add("transp", "TRANSPARENT")
    reminder = Calendar()
    reminder.add("version", "2.0")
    reminder.add("prodid", PRODUCT)
    reminder.add("calscale", "GREGORIAN")
    reminder.add("method", "PUBLISH")
    reminder.add_component(event)
    return reminder.to_ical().decode("utf-8")
