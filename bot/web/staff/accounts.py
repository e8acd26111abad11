"""Accounts in the staff area: one's own password (everyone), the accounts (administrators).

- Changing one's password asks for the current one (throttled like a login), applies the
  password policy (bot/review/passwords.py), ends every session of the account, and opens
  a new one for this browser.
- Administrators create accounts (with a first password to pass on by a safe channel),
  change roles and remove accounts (which ends their sessions). Nobody changes their own
  role or removes their own account here: there is always an administrator left.
  Each of these operations is written to the audit log.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.review import AccountError
from bot.review.accounts import ROLE_LABELS
from bot.staff_text import staff_text
from bot.web.errors import web_text
from bot.web.staff.auth import (
    PREFIX,
    Staff,
    end_sessions_of,
    flash,
    redirect,
    render,
    sign_in,
)
from bot.web.staff.login import too_many

PASSWORD_PATH = f"{PREFIX}/mot-de-passe"
ACCOUNTS_PATH = f"{PREFIX}/comptes"
NOT_YOURSELF = web_text("staff_not_yourself")


def _password_form(
    request: Request, staff: Staff, status_code: int = 200, error: str | None = None
) -> Response:
    return render(
        request, staff, "password.html", {"error": error}, status_code=status_code, active="password"
    )


def change_password(request: Request, staff: Staff) -> Response:
    """GET: the form. POST: current password, new one twice."""
    if request.method != "POST":
        return _password_form(request, staff)
    user = staff.user
    assert user is not None
    wait = request.app.state.limits.hit("login_pair", f"mot-de-passe:{user.id}")
    if wait is not None:
        return too_many(request, "login_pair", wait)
    accounts = request.app.state.accounts
    if not accounts.password_matches(user.id, staff.text("actuel")):
        return _password_form(request, staff, 400, staff_text("password_current_wrong"))
    new = staff.text("nouveau")
    if new != staff.text("confirmation"):
        return _password_form(request, staff, 400, web_text("staff_passwords_differ"))
    try:
        changed = accounts.set_password(user.email, new)
    except AccountError as error:
        return _password_form(request, staff, 400, str(error))
    end_sessions_of(request, user.id)
    sign_in(request, changed)
    request.app.state.review.audit(user.email, "staff_password_change", user.email)
    flash(request, web_text("staff_password_changed"))
    return redirect(PASSWORD_PATH)


def accounts_page(request: Request, staff: Staff) -> Response:
    context = {"accounts": request.app.state.accounts.list_users(), "roles": ROLE_LABELS}
    return render(request, staff, "accounts.html", context, active="accounts")


def add_account(request: Request, staff: Staff) -> Response:
    try:
        user = request.app.state.accounts.add(staff.text("email"), staff.text("password"), staff.text("role"))
    except AccountError as error:
        flash(request, web_text("staff_account_not_created", error=error), "erreur")
        return redirect(ACCOUNTS_PATH)
    request.app.state.review.audit(staff.email, "staff_account_add", user.email, {"role": user.role})
    flash(
        request,
        web_text("staff_account_created", email=user.email, role=user.role_label),
    )
    return redirect(ACCOUNTS_PATH)


def _other_account(request: Request, staff: Staff):
    """The account named by the form, unless it is the administrator's own (then None, flashed)."""
    target = request.app.state.accounts.by_email(staff.text("email"))
    if target is None:
        flash(request, web_text("staff_account_unknown"), "erreur")
        return None
    if staff.user is not None and target.id == staff.user.id:
        flash(request, NOT_YOURSELF, "erreur")
        return None
    return target


def change_role(request: Request, staff: Staff) -> Response:
    target = _other_account(request, staff)
    if target is not None:
        try:
            user = request.app.state.accounts.set_role(target.email, staff.text("role"))
        except AccountError as error:
            flash(request, str(error), "erreur")
        else:
            request.app.state.review.audit(staff.email, "staff_account_role", user.email, {"role": user.role})
            flash(request, web_text("staff_role_changed", email=user.email, role=user.role_label))
    return redirect(ACCOUNTS_PATH)


def remove_account(request: Request, staff: Staff) -> Response:
    target = _other_account(request, staff)
    if target is not None:
        if staff.text("confirmer") != "oui":
            flash(request, web_text("staff_account_confirm_delete"), "erreur")
            return redirect(ACCOUNTS_PATH)
        request.app.state.accounts.remove(target.email)
        end_sessions_of(request, target.id)
        request.app.state.review.audit(staff.email, "staff_account_remove", target.email)
        flash(request, web_text("staff_account_deleted", email=target.email))
    return redirect(ACCOUNTS_PATH)
