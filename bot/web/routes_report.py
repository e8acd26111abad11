"""The results report: an HTML page at /rapport/{id} and the same data at /rapport/{id}.json.

The views are plain functions: Starlette runs them in its thread pool, as the store is
synchronous (SQLAlchemy).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.charts.peers import peers_svg
from bot.charts.radar import RadarAxis, radar_svg
from bot.settings import report_json_path, report_path
from bot.web.errors import error_response, web_text
from bot.web.group_view import coordinator_context
from bot.web.report import Report, load_report
from bot.web.report_progress import load_progress

NOT_FOUND = web_text("report_not_found")
# An unguessable address is the only key to a report: keep it out of search engines and shared caches.
PRIVATE = {"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "private, max-age=60"}


def _report(request: Request) -> Report | None:
    state = request.app.state
    return load_report(
        state.store,
        state.questionnaire,
        request.path_params["public_id"],
        include_synthetic=state.settings.include_synthetic,
    )


def report_page(request: Request) -> Response:
    report = _report(request)
    if report is None:
        return error_response(request, 404, NOT_FOUND)
    settings = request.app.state.settings
    radar = radar_svg([RadarAxis(axis.label, axis.score) for axis in report.axes])
    context = {
        "report": report,
        "radar": radar,
        "peers_chart": None if report.peers is None else peers_svg(report.peers.axes),
        "report_url": settings.public_url + report_path(report.public_id),
        "json_path": report_json_path(report.public_id),
        "level_count": len(request.app.state.questionnaire.levels),
        **coordinator_context(request, report.public_id),
        "progress": load_progress(request.app.state.store, request.app.state.questionnaire, report.public_id),
        "repeat_path": report_path(report.public_id) + "/refaire",
        "reminder_path": report_path(report.public_id) + "/rappel.ics",
    }
    return request.app.state.templates.TemplateResponse(request, "report.html", context, headers=PRIVATE)


def report_json(request: Request) -> Response:
    report = _report(request)
    if report is None:
        return error_response(request, 404, NOT_FOUND)
    state = request.app.state
    url = state.settings.public_url + report_path(report.public_id)
    progress = load_progress(state.store, state.questionnaire, report.public_id)
    body = report.to_json(url)
    body["previous_diagnostic_id"] = None if progress is None else progress.previous_public_id
    body["progress"] = None if progress is None else progress.to_json()
    return JSONResponse(body, headers=PRIVATE)


# The .json route comes first: "/rapport/{public_id}" would also match "<id>.json".
ROUTES = [
    Route("/rapport/{public_id}.json", report_json, name="report_json"),
    Route("/rapport/{public_id}", report_page, name="report"),
]
