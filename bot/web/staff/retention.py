"""Retention (administrators): purge the conversations inactive for more than N days.

The same operation as ``python -m bot purge --older-than Nd`` (bot/review/deletion.py):
both stores, audited. A simulation counts without deleting; the real purge needs the
confirmation box.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from bot.web.errors import web_text
from bot.web.staff.auth import PREFIX, Staff, flash, redirect, render

RETENTION_PATH = f"{PREFIX}/conservation"
DEFAULT_DAYS = 365
MAX_DAYS = 36_500


def retention_page(request: Request, staff: Staff) -> Response:
    return render(request, staff, "retention.html", {"days": DEFAULT_DAYS}, active="retention")


def purge(request: Request, staff: Staff) -> Response:
    raw = staff.text("jours").strip()
    days = int(raw) if raw.isdigit() and len(raw) <= 6 else 0
    if not 1 <= days <= MAX_DAYS:
        flash(request, web_text("staff_retention_days", maximum=MAX_DAYS), "erreur")
        return redirect(RETENTION_PATH)
    dry_run = staff.text("simulation") == "1"
    if not dry_run and staff.text("confirmer") != "oui":
        flash(request, web_text("staff_retention_confirm"), "erreur")
        return redirect(RETENTION_PATH)
    report = request.app.state.review.purge(timedelta(days=days), staff.email, dry_run=dry_run)
    flash(
        request,
        web_text(
            "staff_retention_dry_run" if dry_run else "staff_retention_done",
            conversations=report.conversations,
            days=days,
            events=report.events,
            diagnostics=report.diagnostics,
        ),
    )
    return redirect(RETENTION_PATH)
