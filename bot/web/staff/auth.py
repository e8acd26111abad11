"""Staff sessions, roles, CSRF tokens, and the wrapper every staff view goes through.

- The session is kept on the server (bot/web/staff/sessions.py): the cookie holds only a
  random token. A session whose account was removed, or whose account's password changed
  since login, is worthless and deleted at once.
- Each account has a role (bot/review/accounts.py): a reviewer reads, tags, writes notes
  and corrects; an administrator also exports, deletes, purges and manages the accounts.
- :func:`staff_route` builds every /equipe route: it refuses anonymous visitors (303 to the
  login page for GET, 401 otherwise), then accounts whose role is below the route's (403),
  reads posted forms and checks their CSRF token (403), then runs the view — a plain
  ``def``, in the thread pool, as the review is synchronous.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot import formatting
from bot.review import StaffUser
from bot.review.accounts import ADMINISTRATOR, REVIEWER, ROLE_LABELS, ROLES
from bot.web import report
from bot.web.errors import error_response, web_text
from bot.web.staff.sessions import PREFIX, RequestSession, request_session

LOGIN_PATH = f"{PREFIX}/connexion"
HOME_PATH = f"{PREFIX}/"
# Staff pages show personal data: never cached, never indexed.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}
MAX_FORM_FIELDS = 50
MAX_FIELD_BYTES = 64 * 1024

CSRF_FIELD = "csrf"
CSRF_REFUSED = web_text("staff_csrf_refused")
LOGIN_REQUIRED = web_text("staff_login_required")
ROLE_REQUIRED = {ADMINISTRATOR: web_text("staff_administrator_required")}

View = Callable[[Request, "Staff"], Response]


@dataclass(frozen=True)
class Staff:
    """What a staff view gets besides the request: the account, the posted form, the CSRF token."""

    user: StaffUser | None
    csrf: str
    form: FormData = field(default_factory=FormData)

    @property
    def email(self) -> str:
        if self.user is None:
            raise RuntimeError("no signed-in account")
        return self.user.email

    def text(self, name: str) -> str:
        """A posted field as text ("" when absent)."""
        value = self.form.get(name)
        return value if isinstance(value, str) else ""


# --- session ------------------------------------------------------------------------------


def session_of(request: Request) -> RequestSession:
    return request_session(request)


def csrf_token(request: Request) -> str:
    return session_of(request).csrf_token()


def csrf_valid(request: Request, form: FormData) -> bool:
    return session_of(request).csrf_valid(form.get(CSRF_FIELD))


def current_user(request: Request) -> StaffUser | None:
    """The signed-in account, or None (anonymous, expired, password changed, account removed)."""
    session = session_of(request)
    if session.data is None:
        return None
    user = request.app.state.accounts.get(session.data.user_id)
    if user is None or user.session_version != session.data.session_version:
        session.end()
        return None
    return user


def sign_in(request: Request, user: StaffUser) -> None:
    """A new session for the account (a new token and CSRF token: nothing survives from before)."""
    session_of(request).sign_in(user)


def sign_out(request: Request) -> None:
    session_of(request).end()


def end_sessions_of(request: Request, user_id: int) -> None:
    """End every session of an account, wherever they are kept (password change, removal)."""
    session_of(request).manager.close_user(user_id)


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A message for the next page (kind "ok" or "erreur")."""
    session_of(request).flash(message, kind)


def pop_flash(request: Request) -> dict[str, str] | None:
    value = session_of(request).pop_flash()
    return None if value is None else {"kind": value[0], "message": value[1]}


def safe_next(raw: Any) -> str:
    """Where to go after login: a staff address of this site only, never another site."""
    if (
        isinstance(raw, str)
        and raw.startswith(HOME_PATH)
        and len(raw) < 2000
        and "\\" not in raw
        and "//" not in raw
        and raw.isprintable()
        and not raw.startswith(LOGIN_PATH)
    ):
        return raw
    return HOME_PATH


def conversation_path(sender_id: str) -> str:
    return f"{PREFIX}/conversations/{quote(sender_id, safe='')}"


# --- rendering ------------------------------------------------------------------------------


def moment(value: datetime | None) -> str:
    """« 25 novembre 2026 à 18 h 05 », Paris time; naive values are UTC."""
    if value is None:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return formatting.date(value)


class Formats:
    """Formatting helpers for the staff templates (``fmt.number(...)``)."""

    number = staticmethod(formatting.number)
    percent = staticmethod(formatting.percent)
    moment = staticmethod(moment)
    answer = staticmethod(formatting.answer_value)
    conversation_path = staticmethod(conversation_path)
    division_version = staticmethod(report.division_version)

    @staticmethod
    def confidence(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}".replace(".", ",")


def render(
    request: Request,
    staff: Staff,
    template: str,
    context: Mapping[str, Any],
    status_code: int = 200,
    active: str | None = None,
) -> Response:
    full = {
        "user": staff.user,
        "role_labels": ROLE_LABELS,
        "csrf": staff.csrf,
        "flash": pop_flash(request),
        "fmt": Formats,
        "staff_active": active,
        **context,
    }
    return request.app.state.templates.TemplateResponse(
        request, f"staff/{template}", full, status_code=status_code
    )


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- the wrapper ------------------------------------------------------------------------------


def _unauthenticated(request: Request) -> Response:
    if request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        query = urlencode({"suivant": target}) if safe_next(target) != HOME_PATH else ""
        return redirect(LOGIN_PATH + (f"?{query}" if query else ""))
    return error_response(request, 401, LOGIN_REQUIRED)


def staff_route(
    path: str,
    view: View,
    *,
    name: str,
    methods: Sequence[str] = ("GET",),
    login: bool = True,
    role: str = REVIEWER,
) -> Route:
    """A route of the staff area, open to accounts with ``role`` or above.

    ``login=False`` only for the login page itself.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role: {role!r}")

    async def endpoint(request: Request) -> Response:
        user = await run_in_threadpool(current_user, request)
        if login and user is None:
            response = _unauthenticated(request)
        elif login and user is not None and not user.may(role):
            response = error_response(request, 403, ROLE_REQUIRED[role])
        else:
            form = FormData()
            if request.method == "POST":
                form = await request.form(
                    max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FIELD_BYTES
                )
            if request.method == "POST" and not csrf_valid(request, form):
                response = error_response(request, 403, CSRF_REFUSED)
            else:
                staff = Staff(user=user, csrf=csrf_token(request), form=form)
                response = await run_in_threadpool(view, request, staff)
        for header, value in PRIVATE_HEADERS.items():
            response.headers.setdefault(header, value)
        return response

    endpoint.__name__ = view.__name__
    endpoint.__doc__ = view.__doc__
    return Route(path, endpoint, methods=list(methods), name=name)
