"""Commands of the staff review, registered on ``python -m bot`` (see bot/__main__.py).

staff add EMAIL [--role relecteur|administrateur] | staff role EMAIL ROLE | staff roles
staff list | staff remove EMAIL | staff password EMAIL
export-nlu [--output FILE]
export-diagnostics [--format csv|json] [--output FILE] | export-transcripts [--output FILE]
delete SENDER_ID [--yes] | purge --older-than 365d [--dry-run]
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO, TypeVar

from bot.review.accounts import (
    ADMINISTRATOR,
    REVIEWER,
    ROLE_LABELS,
    AccountError,
    StaffAccounts,
    StaffUser,
    parse_role,
)
from bot.review.deletion import DurationError, parse_duration
from bot.review.passwords import MIN_PASSWORD_LENGTH
from bot.review.service import Review
from bot.staff_text import staff_text

PASSWORD_ENV = "DIAGNOSTIC_STAFF_PASSWORD"
T = TypeVar("T")
ROLE_RIGHTS = {
    REVIEWER: staff_text("role_rights_reviewer"),
    ADMINISTRATOR: staff_text("role_rights_administrator"),
}


def _actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = staff_text("cli_unknown_user")
    return staff_text("cli_actor", user=user)


def _review(args: argparse.Namespace) -> Review:
    return Review.from_env(database_url=args.database_url, tracker_url=args.tracker_url)


def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)


def _write(chunks: Iterable[str], output: str | None) -> None:
    if output is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        return
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        for chunk in chunks:
            handle.write(chunk)
    temporary.replace(path)


# --- staff accounts ---------------------------------------------------------------------


def _read_password(stream: TextIO = sys.stderr) -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    first = getpass.getpass(staff_text("password_prompt", minimum=MIN_PASSWORD_LENGTH) + " ", stream=stream)
    second = getpass.getpass(staff_text("password_prompt_again") + " ", stream=stream)
    if first != second:
        raise AccountError(staff_text("passwords_differ"))
    return first


def _with_accounts(args: argparse.Namespace, use: Callable[[StaffAccounts], T]) -> T | None:
    """``use(accounts)``; None, with the refusal printed, when it raises :class:`AccountError`."""
    accounts = StaffAccounts.from_url(args.database_url)
    try:
        return use(accounts)
    except AccountError as exc:
        print(exc, file=sys.stderr)
        return None
    finally:
        accounts.engine.dispose()


def _change_account(
    args: argparse.Namespace,
    change: Callable[[StaffAccounts], StaffUser],
    done: Callable[[StaffUser], str],
) -> int:
    """Apply one change to the accounts; print ``done(user)``, or the refusal (exit code 1)."""
    user = _with_accounts(args, change)
    if user is None:
        return 1
    print(done(user))
    return 0


def _staff_add(args: argparse.Namespace) -> int:
    return _change_account(
        args,
        lambda accounts: accounts.add(args.email, _read_password(), parse_role(args.role)),
        lambda user: staff_text("account_created", email=user.email, role=user.role_label),
    )


def _staff_password(args: argparse.Namespace) -> int:
    return _change_account(
        args,
        lambda accounts: accounts.set_password(args.email, _read_password()),
        lambda user: staff_text("account_password_changed", email=user.email),
    )


def _staff_role(args: argparse.Namespace) -> int:
    return _change_account(
        args,
        lambda accounts: accounts.set_role(args.email, parse_role(args.role)),
        lambda user: staff_text("account_role_changed", email=user.email, role=user.role_label),
    )


def _staff_roles(args: argparse.Namespace) -> int:
    for role, label in ROLE_LABELS.items():
        print(f"{label}\t{ROLE_RIGHTS[role]}")
    return 0


def _staff_list(args: argparse.Namespace) -> int:
    users = _with_accounts(args, lambda accounts: accounts.list_users())
    if not users:
        print(staff_text("accounts_none"))
        return 0
    for user in users:
        last = (
            user.last_login_at.strftime("%Y-%m-%d %H:%M")
            if user.last_login_at
            else staff_text("account_never_logged_in")
        )
        created = staff_text("account_created_on", day=f"{user.created_at:%Y-%m-%d}")
        print("\t".join((user.email, user.role_label, created, staff_text("account_last_login", last=last))))
    return 0


def _staff_remove(args: argparse.Namespace) -> int:
    removed = _with_accounts(args, lambda accounts: accounts.remove(args.email))
    if removed is None:
        return 1
    if not removed:
        print(staff_text("account_unknown", email=args.email), file=sys.stderr)
        return 1
    print(staff_text("account_removed", email=args.email.strip().lower()))
    return 0


# --- NLU, exports -------------------------------------------------------------------------


def _export_nlu(args: argparse.Namespace) -> int:
    review = _review(args)
    try:
        export = review.export_nlu()
    finally:
        review.close()
    _write([export.yaml], args.output)
    print(staff_text("nlu_exported", count=len(export.included)), file=sys.stderr)
    for skipped in export.skipped:
        correction = skipped.correction
        line = staff_text(
            "nlu_skipped", text=correction.text, intent=correction.intent, reason=skipped.reason
        )
        print(f"  {line}", file=sys.stderr)
    return 0


def _export(args: argparse.Namespace, chunks: Callable[[Review], Iterable[str]], action: str) -> int:
    """Write ``chunks(review)`` to ``--output`` (or the standard output), and audit ``action``."""
    review = _review(args)
    try:
        _write(chunks(review), args.output)
        review.audit(_actor(), action)
    finally:
        review.close()
    return 0


def _export_diagnostics(args: argparse.Namespace) -> int:
    return _export(
        args,
        Review.diagnostics_csv if args.format == "csv" else Review.diagnostics_json,
        f"export_diagnostics_{args.format}",
    )


def _export_transcripts(args: argparse.Namespace) -> int:
    return _export(args, Review.transcripts_json, "export_transcripts")


# --- deletion ----------------------------------------------------------------------------


def _delete(args: argparse.Namespace) -> int:
    if not args.yes:
        answer = input(staff_text("delete_confirm", sender_id=args.sender_id) + " ")
        if answer.strip().lower() not in ("o", "oui", "y", "yes"):
            print(staff_text("delete_nothing"), file=sys.stderr)
            return 1
    _log_to_stderr()
    review = _review(args)
    try:
        report = review.delete_conversation(args.sender_id, _actor())
    finally:
        review.close()
    if not report.events and not report.diagnostics and not report.review_rows:
        print(staff_text("delete_no_data", sender_id=args.sender_id), file=sys.stderr)
        return 1
    print(
        staff_text(
            "delete_done",
            events=report.events,
            diagnostics=report.diagnostics,
            review_rows=report.review_rows,
        )
    )
    return 0


def _purge(args: argparse.Namespace) -> int:
    try:
        older_than = parse_duration(args.older_than)
    except DurationError as exc:
        print(exc, file=sys.stderr)
        return 2
    _log_to_stderr()
    review = _review(args)
    try:
        report = review.purge(older_than, _actor(), dry_run=args.dry_run)
    finally:
        review.close()
    print(
        staff_text(
            "purge_dry_run" if report.dry_run else "purge_done",
            conversations=report.conversations,
            days=older_than.days,
            events=report.events,
            diagnostics=report.diagnostics,
        )
    )
    return 0


def _add_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", "-o", default=None, help=staff_text("cli_output_help"))


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Register the review's commands on the ``python -m bot`` parser."""
    staff = commands.add_parser("staff", help=staff_text("cli_staff_help"))
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_commands.add_parser("add", help=staff_text("cli_staff_add_help", variable=PASSWORD_ENV))
    add.add_argument("email", help=staff_text("cli_email_help"))
    role_labels = list(ROLE_LABELS.values())
    add.add_argument(
        "--role", choices=role_labels, default=ROLE_LABELS[REVIEWER], help=staff_text("cli_role_help")
    )
    add.set_defaults(handler=_staff_add)
    listing = staff_commands.add_parser("list", help=staff_text("cli_staff_list_help"))
    listing.set_defaults(handler=_staff_list)
    role = staff_commands.add_parser("role", help=staff_text("cli_staff_role_help"))
    role.add_argument("email", help=staff_text("cli_email_help"))
    role.add_argument("role", choices=role_labels, help=staff_text("cli_new_role_help"))
    role.set_defaults(handler=_staff_role)
    roles = staff_commands.add_parser("roles", help=staff_text("cli_staff_roles_help"))
    roles.set_defaults(handler=_staff_roles)
    remove = staff_commands.add_parser("remove", help=staff_text("cli_staff_remove_help"))
    remove.add_argument("email", help=staff_text("cli_email_help"))
    remove.set_defaults(handler=_staff_remove)
    password = staff_commands.add_parser("password", help=staff_text("cli_staff_password_help"))
    password.add_argument("email", help=staff_text("cli_email_help"))
    password.set_defaults(handler=_staff_password)

    nlu = commands.add_parser("export-nlu", help=staff_text("cli_export_nlu_help"))
    _add_output(nlu)
    nlu.set_defaults(handler=_export_nlu)

    diagnostics = commands.add_parser("export-diagnostics", help=staff_text("cli_export_diagnostics_help"))
    diagnostics.add_argument("--format", choices=("csv", "json"), default="csv")
    _add_output(diagnostics)
    diagnostics.set_defaults(handler=_export_diagnostics)

    transcripts = commands.add_parser("export-transcripts", help=staff_text("cli_export_transcripts_help"))
    _add_output(transcripts)
    transcripts.set_defaults(handler=_export_transcripts)

    delete = commands.add_parser("delete", help=staff_text("cli_delete_help"))
    delete.add_argument("sender_id", help=staff_text("cli_sender_id_help"))
    delete.add_argument("--yes", action="store_true", help=staff_text("cli_yes_help"))
    delete.set_defaults(handler=_delete)

    purge = commands.add_parser("purge", help=staff_text("cli_purge_help"))
    purge.add_argument("--older-than", required=True, help=staff_text("cli_older_than_help"))
    purge.add_argument("--dry-run", action="store_true", help=staff_text("cli_dry_run_help"))
    purge.set_defaults(handler=_purge)
