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
from typing import TextIO

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
from bot.review.service import Review

PASSWORD_ENV = "DIAGNOSTIC_STAFF_PASSWORD"
ROLE_RIGHTS = {
    REVIEWER: "lit les conversations, les marque relues, les étiquette, écrit des notes, corrige la NLU",
    ADMINISTRATOR: "tout ce que fait un relecteur, plus exports, suppressions, purge et comptes",
}


def _actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "inconnu"
    return f"ligne de commande ({user})"


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
    first = getpass.getpass(
        "Mot de passe (12 caractères au moins, difficile à deviner : plusieurs mots peu courants) : ",
        stream=stream,
    )
    second = getpass.getpass("Le même mot de passe, encore une fois : ", stream=stream)
    if first != second:
        raise AccountError("Les deux mots de passe sont différents.")
    return first


def _change_account(
    args: argparse.Namespace,
    change: Callable[[StaffAccounts], StaffUser],
    done: Callable[[StaffUser], str],
) -> int:
    """Apply one change to the accounts; print ``done(user)``, or the refusal (exit code 1)."""
    accounts = StaffAccounts.from_url(args.database_url)
    try:
        user = change(accounts)
    except AccountError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        accounts.engine.dispose()
    print(done(user))
    return 0


def _staff_add(args: argparse.Namespace) -> int:
    return _change_account(
        args,
        lambda accounts: accounts.add(args.email, _read_password(), parse_role(args.role)),
        lambda user: f"Compte créé : {user.email} ({user.role_label})",
    )


def _staff_password(args: argparse.Namespace) -> int:
    return _change_account(
        args,
        lambda accounts: accounts.set_password(args.email, _read_password()),
        lambda user: f"Mot de passe changé : {user.email} (ses sessions ouvertes sont fermées)",
    )


def _staff_role(args: argparse.Namespace) -> int:
    return _change_account(
        args,
        lambda accounts: accounts.set_role(args.email, parse_role(args.role)),
        lambda user: f"Rôle changé : {user.email} est maintenant {user.role_label}",
    )


def _staff_roles(args: argparse.Namespace) -> int:
    for role, label in ROLE_LABELS.items():
        print(f"{label}\t{ROLE_RIGHTS[role]}")
    return 0


def _staff_list(args: argparse.Namespace) -> int:
    accounts = StaffAccounts.from_url(args.database_url)
    try:
        users = accounts.list_users()
    finally:
        accounts.engine.dispose()
    if not users:
        print("Aucun compte. Créez-en un : python -m bot staff add ADRESSE --role administrateur")
        return 0
    for user in users:
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "jamais"
        print(
            f"{user.email}\t{user.role_label}\tcréé le {user.created_at:%Y-%m-%d}\t"
            f"dernière connexion : {last}"
        )
    return 0


def _staff_remove(args: argparse.Namespace) -> int:
    accounts = StaffAccounts.from_url(args.database_url)
    try:
        removed = accounts.remove(args.email)
    except AccountError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        accounts.engine.dispose()
    if not removed:
        print(f"Aucun compte pour {args.email}.", file=sys.stderr)
        return 1
    print(f"Compte supprimé : {args.email.strip().lower()} (ses sessions ouvertes sont fermées)")
    return 0


# --- NLU, exports -------------------------------------------------------------------------


def _export_nlu(args: argparse.Namespace) -> int:
    review = _review(args)
    try:
        export = review.export_nlu()
    finally:
        review.close()
    _write([export.yaml], args.output)
    print(f"{len(export.included)} exemple(s) exporté(s).", file=sys.stderr)
    for skipped in export.skipped:
        print(
            f"  ignoré : « {skipped.correction.text} » ({skipped.correction.intent}) — {skipped.reason}",
            file=sys.stderr,
        )
    return 0


def _export_diagnostics(args: argparse.Namespace) -> int:
    review = _review(args)
    try:
        _write(review.diagnostics_csv() if args.format == "csv" else review.diagnostics_json(), args.output)
        review.audit(_actor(), f"export_diagnostics_{args.format}")
    finally:
        review.close()
    return 0


def _export_transcripts(args: argparse.Namespace) -> int:
    review = _review(args)
    try:
        _write(review.transcripts_json(), args.output)
        review.audit(_actor(), "export_transcripts")
    finally:
        review.close()
    return 0


# --- deletion ----------------------------------------------------------------------------


def _delete(args: argparse.Namespace) -> int:
    if not args.yes:
        answer = input(
            f"Supprimer définitivement la conversation « {args.sender_id} » des deux stockages ? [o/N] "
        )
        if answer.strip().lower() not in ("o", "oui", "y", "yes"):
            print("Rien n'a été supprimé.", file=sys.stderr)
            return 1
    _log_to_stderr()
    review = _review(args)
    try:
        report = review.delete_conversation(args.sender_id, _actor())
    finally:
        review.close()
    if not report.events and not report.diagnostics and not report.review_rows:
        print(f"Aucune donnée pour la conversation « {args.sender_id} ».", file=sys.stderr)
        return 1
    print(
        f"Conversation supprimée : {report.events} événement(s), {report.diagnostics} diagnostic(s), "
        f"{report.review_rows} ligne(s) de relecture."
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
    verb = "seraient supprimées" if report.dry_run else "supprimée(s)"
    print(
        f"{report.conversations} conversation(s) sans activité depuis {older_than.days} jours {verb} "
        f"({report.events} événement(s), {report.diagnostics} diagnostic(s))."
    )
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Register the review's commands on the ``python -m bot`` parser."""
    staff = commands.add_parser("staff", help="comptes de l'équipe (espace de relecture)")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_commands.add_parser(
        "add", help=f"crée un compte (mot de passe demandé deux fois, ou lu dans {PASSWORD_ENV})"
    )
    add.add_argument("email", help="adresse électronique")
    role_labels = list(ROLE_LABELS.values())
    add.add_argument(
        "--role",
        choices=role_labels,
        default=ROLE_LABELS[REVIEWER],
        help="rôle du compte (par défaut : relecteur ; voir « staff roles »)",
    )
    add.set_defaults(handler=_staff_add)
    listing = staff_commands.add_parser("list", help="liste les comptes et leur rôle")
    listing.set_defaults(handler=_staff_list)
    role = staff_commands.add_parser("role", help="change le rôle d'un compte")
    role.add_argument("email", help="adresse électronique")
    role.add_argument("role", choices=role_labels, help="nouveau rôle")
    role.set_defaults(handler=_staff_role)
    roles = staff_commands.add_parser("roles", help="liste les rôles et ce qu'ils permettent")
    roles.set_defaults(handler=_staff_roles)
    remove = staff_commands.add_parser("remove", help="supprime un compte (et ferme ses sessions)")
    remove.add_argument("email", help="adresse électronique")
    remove.set_defaults(handler=_staff_remove)
    password = staff_commands.add_parser(
        "password", help="change le mot de passe (et ferme les sessions ouvertes du compte)"
    )
    password.add_argument("email", help="adresse électronique")
    password.set_defaults(handler=_staff_password)

    nlu = commands.add_parser("export-nlu", help="écrit les corrections en YAML NLU de Rasa")
    nlu.add_argument(
        "--output", "-o", default=None, help="fichier à écrire (par défaut : la sortie standard)"
    )
    nlu.set_defaults(handler=_export_nlu)

    diagnostics = commands.add_parser("export-diagnostics", help="tous les diagnostics, en CSV ou JSON")
    diagnostics.add_argument("--format", choices=("csv", "json"), default="csv")
    diagnostics.add_argument(
        "--output", "-o", default=None, help="fichier à écrire (par défaut : la sortie standard)"
    )
    diagnostics.set_defaults(handler=_export_diagnostics)

    transcripts = commands.add_parser("export-transcripts", help="toutes les conversations, en JSON")
    transcripts.add_argument(
        "--output", "-o", default=None, help="fichier à écrire (par défaut : la sortie standard)"
    )
    transcripts.set_defaults(handler=_export_transcripts)

    delete = commands.add_parser("delete", help="supprime une conversation des deux stockages (sur demande)")
    delete.add_argument("sender_id", help="identifiant de la conversation (sender id)")
    delete.add_argument("--yes", action="store_true", help="ne pas demander de confirmation")
    delete.set_defaults(handler=_delete)

    purge = commands.add_parser("purge", help="supprime les conversations sans activité depuis une durée")
    purge.add_argument("--older-than", required=True, help="durée : 365d (jours), 30d, 12w (semaines)")
    purge.add_argument("--dry-run", action="store_true", help="compte sans rien supprimer")
    purge.set_defaults(handler=_purge)
