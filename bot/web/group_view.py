"""What the door shows of group diagnostics: links, the coordinator's box, the group's data.

Shared by the group pages (bot/web/routes_group.py) and the report page of a diagnostic
(bot/web/routes_report.py), which shows its group to the coordinator.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from bot.group_content import GroupContent, default_group_content
from bot.group_report import GroupReporter
from bot.recommendations import default_catalogue
from bot.settings import group_invitation_path, group_report_path, report_path
from bot.storage.groups import GroupRecord, GroupStore


def groups_of(request: Request) -> GroupStore:
    return GroupStore(request.app.state.store)


def content_of(request: Request) -> GroupContent:
    return getattr(request.app.state, "group_content", None) or default_group_content()


def say(request: Request, key: str) -> str:
    return content_of(request).messages.say(key)


def reporter_of(request: Request) -> GroupReporter:
    state = request.app.state
    return GroupReporter(groups_of(request), state.questionnaire, default_catalogue(), content_of(request))


def group_links(request: Request, group: GroupRecord) -> dict[str, str]:
    public_url = request.app.state.settings.public_url
    return {
        "invitation_url": public_url + group_invitation_path(group.invitation_token),
        "group_report_url": public_url + group_report_path(group.report_token),
    }


def coordinator_context(request: Request, public_id: str) -> dict[str, Any]:
    """What the report page of a finished diagnostic shows about its group (see report.html)."""
    record = request.app.state.store.by_public_id(public_id)
    diagnostic_id = record.id
    groups = groups_of(request)
    group = groups.of_diagnostic(diagnostic_id)
    context: dict[str, Any] = {"group": group, "group_form": f"{report_path(public_id)}/groupe"}
    if group is None:
        return context
    context["is_coordinator"] = group.coordinator_id == diagnostic_id
    context["group_links"] = group_links(request, group)
    if context["is_coordinator"]:
        context["group_members"] = reporter_of(request).describe(group)["respondents"]
    return context
