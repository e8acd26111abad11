"""The dashboard (charts with their tables) and the downloads (diagnostics, transcripts)."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from bot.review import ConversationFilters
from bot.review.filters import ReviewInputError, parse_day
from bot.web.staff.auth import Staff, render


def _day(request: Request, name: str, errors: dict[str, str]) -> date | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        return parse_day(raw)
    except ReviewInputError as exc:
        errors[name] = str(exc)
        return None


def dashboard(request: Request, staff: Staff) -> Response:
    errors: dict[str, str] = {}
    date_from, date_to = _day(request, "date_from", errors), _day(request, "date_to", errors)
    context = {
        "dashboard": request.app.state.review.dashboard(
            date_from, date_to, include_synthetic=request.app.state.settings.include_synthetic
        ),
        "errors": errors,
        "params": request.query_params,
    }
    return render(request, staff, "dashboard.html", context, active="dashboard")


def exports_page(request: Request, staff: Staff) -> Response:
    return render(request, staff, "exports.html", {}, active="exports")


def _download(chunks, media_type: str, filename: str) -> StreamingResponse:
    return StreamingResponse(
        chunks, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def diagnostics_csv(request: Request, staff: Staff) -> Response:
    review = request.app.state.review
    review.audit(staff.email, "export_diagnostics_csv")
    return _download(review.diagnostics_csv(), "text/csv; charset=utf-8", "diagnostics.csv")


def diagnostics_json(request: Request, staff: Staff) -> Response:
    review = request.app.state.review
    review.audit(staff.email, "export_diagnostics_json")
    return _download(review.diagnostics_json(), "application/json", "diagnostics.json")


def transcripts_json(request: Request, staff: Staff) -> Response:
    """The transcripts of the conversations matching the list's filters (all without filter)."""
    review = request.app.state.review
    filters, _ = ConversationFilters.from_query(request.query_params)
    review.audit(staff.email, "export_transcriptions", None, {"filtres": filters.to_query() or None})
    return _download(review.transcripts_json(filters), "application/json", "transcriptions.json")
