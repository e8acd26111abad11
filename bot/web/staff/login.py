"""Login and logout of the staff area.

Failed logins are throttled per client address (:class:`bot.review.LoginThrottle`, 429 with
Retry-After), and each account locks itself after repeated failures
(:meth:`bot.review.StaffAccounts.authenticate`). The message never says which part was wrong.
"""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import Response

from bot.web.errors import error_response
from bot.web.staff.auth import HOME_PATH, LOGIN_PATH, Staff, redirect, render, safe_next, sign_in, sign_out

LOGIN_FAILED = (
    "Adresse électronique ou mot de passe incorrect. Après plusieurs échecs, le compte est "
    "verrouillé pendant quelques minutes."
)
THROTTLED = "Trop de tentatives de connexion depuis votre adresse : patientez avant de réessayer."


def _client_key(request: Request) -> str:
    return request.client.host if request.client else "inconnu"


def _form(request: Request, staff: Staff, status_code: int = 200, **context: object) -> Response:
    context.setdefault("next", safe_next(request.query_params.get("suivant")))
    context.setdefault("email", "")
    context.setdefault("error", None)
    context.setdefault("signed_out", request.query_params.get("deconnexion") == "1")
    return render(request, staff, "login.html", context, status_code=status_code)


def login(request: Request, staff: Staff) -> Response:
    """GET: the form. POST: check the password, open a session, go where the visitor was going."""
    if request.method != "POST":
        if staff.user is not None:
            return redirect(HOME_PATH)
        return _form(request, staff)
    key = _client_key(request)
    throttle = request.app.state.login_throttle
    wait = throttle.retry_after(key)
    if wait is not None:
        response = error_response(request, 429, THROTTLED)
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return response
    email, next_path = staff.text("email")[:320], safe_next(staff.text("suivant"))
    user = request.app.state.accounts.authenticate(email, staff.text("password"))
    if user is None:
        throttle.failure(key)
        return _form(request, staff, 401, email=email, next=next_path, error=LOGIN_FAILED)
    throttle.success(key)
    sign_in(request, user)
    return redirect(next_path)


def logout(request: Request, staff: Staff) -> Response:
    sign_out(request)
    return redirect(f"{LOGIN_PATH}?deconnexion=1")
