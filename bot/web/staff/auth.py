"""Staff sessions, CSRF tokens, and the wrapper every staff view goes through.

- The session is Starlette's signed cookie (SessionMiddleware, see bot/web/app.py): it holds
  the account id, the time of login and the CSRF token; nothing else. A session older than
  DIAGNOSTIC_STAFF_SESSION_HOURS, or whose account was removed, is worthless.
- :func:`staff_route` builds every /equipe route: it refuses anonymous visitors (303 to the
  login page for GET, 401 otherwise), reads posted forms and checks their CSRF token (403),
  then runs the view — a plain ``def``, in the thread pool, as the review is synchronous.
"""

from __future__ import annotations

import hmac
import secrets
import time
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

from bot.review import StaffUser
from bot.web import formatting
from bot.web.errors import error_response

PREFIX = "/equipe"
SESSION_COOKIE = "equipe_session"
LOGIN_PATH = f"{PREFIX}/connexion"
HOME_PATH = f"{PREFIX}/"
# Staff pages show personal data: never cached, never indexed.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}
MAX_FORM_FIELDS = 50
MAX_FIELD_BYTES = 64 * 1024

CSRF_FIELD = "csrf"
CSRF_REFUSED = (
    "Le formulaire a expiré ou ne vient pas de cette page (jeton de sécurité absent ou invalide). "
    "Rechargez la page et recommencez."
)
LOGIN_REQUIRED = "Connectez-vous à l'espace équipe pour accéder à cette page."

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


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


def csrf_valid(request: Request, form: FormData) -> bool:
    expected = request.session.get(CSRF_FIELD)
    sent = form.get(CSRF_FIELD)
    if not isinstance(expected, str) or not isinstance(sent, str) or not sent:
        return False
    return hmac.compare_digest(expected.encode(), sent.encode())


def current_user(request: Request) -> StaffUser | None:
    """The signed-in account, or None (expired session, removed account, anonymous)."""
    session = request.session
    user_id, signed_in_at = session.get("staff_id"), session.get("auth_at")
    if not isinstance(user_id, int) or not isinstance(signed_in_at, int):
        return None
    age = time.time() - signed_in_at
    if not -60 < age < request.app.state.settings.staff_session_seconds:
        session.clear()
        return None
    user = request.app.state.accounts.get(user_id)
    if user is None:
        session.clear()
    return user


def sign_in(request: Request, user: StaffUser) -> None:
    """A new session for the account (a new CSRF token too: nothing survives from before)."""
    request.session.clear()
    request.session.update(staff_id=user.id, auth_at=int(time.time()), csrf=secrets.token_urlsafe(32))


def sign_out(request: Request) -> None:
    request.session.clear()


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A message for the next page (kind "ok" or "erreur")."""
    request.session["flash"] = [kind, message]


def pop_flash(request: Request) -> dict[str, str] | None:
    value = request.session.pop("flash", None)
    if isinstance(value, list) and len(value) == 2:
        return {"kind": str(value[0]), "message": str(value[1])}
    return None


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
    path: str, view: View, *, name: str, methods: Sequence[str] = ("GET",), login: bool = True
) -> Route:
    """A route of the staff area. ``login=False`` only for the login page itself."""

    async def endpoint(request: Request) -> Response:
        user = await run_in_threadpool(current_user, request)
        if login and user is None:
            response = _unauthenticated(request)
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
