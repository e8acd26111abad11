"""Group diagnostics at the door (issue 14): invitation page, group report, coordinator's forms.

GET  /groupe/{invitation}                the invitation: explains, then the chat joins the group
GET  /rapport-groupe/{token}[.json]      the group's report (its own unguessable address)
POST /rapport/{public_id}/groupe         from a finished diagnostic's report: create its group
POST /rapport/{public_id}/groupe/clore   the coordinator closes the group

The unguessable addresses are the only keys: whoever holds a diagnostic's report address is
its author, and the coordinator is the author of the group's founding diagnostic. The views
are plain functions (the store is synchronous): Starlette runs them in its thread pool.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.charts.radar import RadarAxis, RadarOutline, outline_style, radar_svg
from bot.settings import group_report_json_path, report_path
from bot.storage.groups import GroupRecord
from bot.web.errors import error_response
from bot.web.group_view import content_of, group_links, groups_of, reporter_of, say
from bot.web.report import PUBLIC_ID_PATTERN
from bot.web.routes_report import NOT_FOUND as NO_REPORT
from bot.web.routes_report import PRIVATE


def _token(request: Request, name: str) -> str | None:
    token = request.path_params[name]
    return token if PUBLIC_ID_PATTERN.fullmatch(token) else None


def _coordinated(request: Request) -> tuple[int, str] | None:
    """The finished diagnostic whose report address the request holds (id, public id)."""
    public_id = request.path_params["public_id"]
    if not PUBLIC_ID_PATTERN.fullmatch(public_id):
        return None
    store = request.app.state.store
    record = store.by_public_id(public_id)
    if record is None or record.status != "termine":
        return None
    return record.id, public_id


def create_group(request: Request) -> Response:
    found = _coordinated(request)
    if found is None:
        return error_response(request, 404, NO_REPORT)
    diagnostic_id, public_id = found
    groups_of(request).create(diagnostic_id)
    return RedirectResponse(f"{report_path(public_id)}#groupe", status_code=303)


def close_group(request: Request) -> Response:
    found = _coordinated(request)
    if found is None:
        return error_response(request, 404, NO_REPORT)
    diagnostic_id, public_id = found
    groups = groups_of(request)
    group = groups.of_diagnostic(diagnostic_id)
    if group is None or group.coordinator_id != diagnostic_id:
        return error_response(request, 403, say(request, "web_not_coordinator"))
    groups.close(group.id)
    return RedirectResponse(f"{report_path(public_id)}#groupe", status_code=303)


def invitation_page(request: Request) -> Response:
    token = _token(request, "token")
    group = groups_of(request).by_invitation(token) if token else None
    if group is None:
        return error_response(request, 404, say(request, "web_unknown_invitation"))
    if group.is_closed:
        return error_response(request, 410, say(request, "web_closed"))
    context = {"group": group, "shared_notice": content_of(request).messages.say("shared_notice")}
    return request.app.state.templates.TemplateResponse(
        request, "group_invitation.html", context, headers=PRIVATE
    )


def _group_by_report(request: Request) -> GroupRecord | None:
    token = _token(request, "token")
    return groups_of(request).by_report_token(token) if token else None


def group_report_json(request: Request) -> Response:
    group = _group_by_report(request)
    if group is None:
        return error_response(request, 404, say(request, "web_unknown_group"))
    described = reporter_of(request).describe(group)
    described.pop("group_id")  # the staff's number, not the public's
    described["report_url"] = group_links(request, group)["group_report_url"]
    return JSONResponse(described, headers=PRIVATE)


def group_report_page(request: Request) -> Response:
    group = _group_by_report(request)
    if group is None:
        return error_response(request, 404, say(request, "web_unknown_group"))
    described = reporter_of(request).describe(group)
    questionnaire = request.app.state.questionnaire
    context: dict[str, Any] = {
        "group": group,
        "described": described,
        "json_path": group_report_json_path(group.report_token),
        "report_url": group_links(request, group)["group_report_url"],
        "axes": questionnaire.axes,
        "level_count": len(questionnaire.levels),
        "radar": None,
        "legend": [],
    }
    maturity = described["maturity"]
    if maturity is not None:
        axes = [RadarAxis(axis.label, maturity["axes"][axis.id]["score"]) for axis in questionnaire.axes]
        outlines = [
            RadarOutline(
                role["label"],
                tuple(role["maturity"]["axes"][axis.id]["score"] for axis in questionnaire.axes),
            )
            for role in described["roles"]
        ]
        context["radar"] = radar_svg(axes, id_prefix="radar-groupe", outlines=outlines)
        context["legend"] = [(role["label"], *outline_style(i)) for i, role in enumerate(described["roles"])]
    return request.app.state.templates.TemplateResponse(
        request, "group_report.html", context, headers=PRIVATE
    )


# The .json route comes first: "/rapport-groupe/{token}" would also match "<token>.json".
ROUTES = [
    Route("/groupe/{token}", invitation_page, name="group_invitation"),
    Route("/rapport-groupe/{token}.json", group_report_json, name="group_report_json"),
    Route("/rapport-groupe/{token}", group_report_page, name="group_report"),
    Route("/rapport/{public_id}/groupe", create_group, methods=["POST"], name="group_create"),
    Route("/rapport/{public_id}/groupe/clore", close_group, methods=["POST"], name="group_close"),
]
