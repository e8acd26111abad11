"""Group diagnostics in the staff area: the list of groups, and each group's members with a link
to their conversation (reviewers and administrators alike, as the conversations)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.storage.groups import GroupNotFoundError, GroupStore
from bot.web.group_view import reporter_of, say
from bot.web.staff.auth import PREFIX, Staff, flash, redirect, render

GROUPS_PATH = f"{PREFIX}/groupes"


def _groups(request: Request) -> GroupStore:
    return GroupStore(request.app.state.review.store)


def group_list(request: Request, staff: Staff) -> Response:
    return render(request, staff, "groups.html", {"groups": _groups(request).all()}, active="groups")


def group_detail(request: Request, staff: Staff) -> Response:
    groups = _groups(request)
    try:
        group = groups.get(int(request.path_params["group_id"]))
    except (ValueError, GroupNotFoundError):
        flash(request, say(request, "web_unknown_group"), "erreur")
        return redirect(GROUPS_PATH)
    reporter = reporter_of(request)
    members = [
        (member, reporter.content.role_label(reporter.role_of(member.diagnostic)))
        for member in groups.members(group.id)
    ]
    context = {"group": group, "members": members, "described": reporter.describe(group)}
    return render(request, staff, "group.html", context, active="groups")
