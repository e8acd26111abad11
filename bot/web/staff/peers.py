"""Staff leave a diagnostic out of the comparison with peers (a test), or put it back."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.web.errors import error_response, web_text
from bot.web.staff.auth import Staff, conversation_path, flash, redirect

NOT_FOUND = web_text("staff_peers_no_diagnostic")


def set_excluded(request: Request, staff: Staff) -> Response:
    """POST ``sender_id`` and ``exclure`` ("1" to leave out, "0" to put back): the current diagnostic."""
    sender_id = staff.text("sender_id")
    detail = request.app.state.review.conversation_detail(sender_id) if sender_id else None
    if detail is None or detail.summary is None or detail.summary.diagnostic_id is None:
        return error_response(request, 404, NOT_FOUND)
    excluded = staff.text("exclure") == "1"
    diagnostic_id = detail.summary.diagnostic_id
    request.app.state.store.set_peer_flags(diagnostic_id, excluded_from_peers=excluded)
    request.app.state.review.audit(
        staff.email,
        "exclude_from_peers" if excluded else "include_in_peers",
        sender_id,
        {"diagnostic_id": diagnostic_id},
    )
    flash(
        request,
        web_text("staff_peers_excluded" if excluded else "staff_peers_included"),
    )
    return redirect(conversation_path(sender_id) + "#comparaison")
