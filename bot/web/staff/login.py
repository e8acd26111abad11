"""Login and logout of the staff area; login throttling without lock-out.

No account is ever locked: anyone who knows an address could otherwise keep its owner out.
Guessing is slowed instead by the site's rate limits (``app.state.limits``, bot/web/ratelimit.py),
counted at every attempt, before the password is checked (429 with Retry-After):

- from a **known device** (a browser holding a valid device cookie for the address typed,
  bot/web/staff/devices.py): rule ``login_pair``, keyed by that device only;
- from anywhere else: ``login_client`` (the client address), ``login_pair`` (client address
  and account) and ``login_account`` (the account, all unknown devices together).

So a stranger hammering an address soon waits, and so do other unknown devices trying that
account, but its owner, on a device they have signed in with before, logs in as usual. A
successful login gives the browser a fresh device cookie and forgets its device's count.
The failure message never says which part was wrong.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.web.client_address import client_address
from bot.web.errors import error_response, web_text
from bot.web.ratelimit import retry_seconds
from bot.web.staff import devices
from bot.web.staff.auth import (
    HOME_PATH,
    LOGIN_PATH,
    Staff,
    redirect,
    render,
    safe_next,
    session_of,
    sign_in,
    sign_out,
)
from bot.web.staff.sessions import cookie_header

LOGIN_FAILED = web_text("staff_login_failed")
THROTTLED = {
    rule: web_text(f"staff_throttled_{rule}") for rule in ("login_client", "login_pair", "login_account")
}
MAX_EMAIL_FIELD = 320


def _form(request: Request, staff: Staff, status_code: int = 200, **context: object) -> Response:
    context.setdefault("next", safe_next(request.query_params.get("suivant")))
    context.setdefault("email", "")
    context.setdefault("error", None)
    context.setdefault("signed_out", request.query_params.get("deconnexion") == "1")
    return render(request, staff, "login.html", context, status_code=status_code)


def attempt_limits(request: Request, email: str, device: str | None) -> list[tuple[str, str]]:
    """The (rule, key) pairs an attempt at ``email`` counts against (see the module doc)."""
    if device is not None:
        return [("login_pair", f"appareil:{device}")]
    client = client_address(request, request.app.state.settings.trusted_proxies)
    return [
        ("login_client", client),
        ("login_pair", f"{client}|{email}"),
        ("login_account", email),
    ]


def too_many(request: Request, rule: str, wait: float) -> Response:
    response = error_response(request, 429, THROTTLED[rule])
    response.headers["Retry-After"] = str(retry_seconds(wait))
    return response


def login(request: Request, staff: Staff) -> Response:
    """GET: the form. POST: check the password, open a session, go where the visitor was going."""
    if request.method != "POST":
        if staff.user is not None:
            return redirect(HOME_PATH)
        return _form(request, staff)
    email = staff.text("email").strip().lower()[:MAX_EMAIL_FIELD]
    next_path = safe_next(staff.text("suivant"))
    session, accounts, limits = session_of(request), request.app.state.accounts, request.app.state.limits
    now = accounts.clock()
    device = devices.known_device(session.device_key, request.cookies.get(devices.DEVICE_COOKIE), email, now)
    counted = attempt_limits(request, email, device)
    for rule, key in counted:
        wait = limits.hit(rule, key)
        if wait is not None:
            return too_many(request, rule, wait)
    user = accounts.authenticate(email, staff.text("password"))
    if user is None:
        return _form(request, staff, 401, email=email, next=next_path, error=LOGIN_FAILED)
    if device is not None:
        limits.reset("login_pair", f"appareil:{device}")
    sign_in(request, user)
    response = redirect(next_path)
    response.headers.append(
        "set-cookie",
        cookie_header(
            devices.DEVICE_COOKIE,
            devices.issue(session.device_key, user.email, now),
            path=devices.DEVICE_PATH,
            secure=request.app.state.settings.public_url.startswith("https://"),
            max_age=devices.DEVICE_DAYS * 86400,
        ),
    )
    return response


def logout(request: Request, staff: Staff) -> Response:
    sign_out(request)
    return redirect(f"{LOGIN_PATH}?deconnexion=1")
