"""Command line: ``python -m bot export SENDER_ID`` prints a stored diagnostic as JSON,
``python -m bot export-group GROUP_ID`` a group diagnostic (bot/group_report.py).

The staff review's commands (staff accounts, export-nlu, exports, delete, purge) are in
bot/review/cli.py, those of the official administrative division (authorities load,
find-authority) in bot/authorities/cli.py, ``demo-data`` (synthetic diagnostics for the
comparison with peers) in bot/demo_data.py; ``python -m bot --help`` lists them all.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from bot import demo_data
from bot.authorities import cli as authorities_cli
from bot.group_content import default_group_content
from bot.group_report import GroupReporter
from bot.questionnaire import default_questionnaire
from bot.recommendations import default_catalogue
from bot.review import cli as review_cli
from bot.staff_text import staff_text
from bot.storage import DiagnosticStore
from bot.storage.groups import GroupNotFoundError, GroupStore


def _export(args: argparse.Namespace) -> int:
    exported = DiagnosticStore.from_url(args.database_url).export(args.sender_id)
    if exported is None:
        print(staff_text("cli_no_diagnostic", sender_id=args.sender_id), file=sys.stderr)
        return 1
    json.dump(exported, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def _export_group(args: argparse.Namespace) -> int:
    store = DiagnosticStore.from_url(args.database_url)
    groups = GroupStore(store)
    try:
        group = groups.get(args.group_id)
    except GroupNotFoundError:
        print(staff_text("cli_no_group", group_id=args.group_id), file=sys.stderr)
        return 1
    reporter = GroupReporter(groups, default_questionnaire(), default_catalogue(), default_group_content())
    json.dump(reporter.describe(group), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=staff_text("cli_description"))
    parser.add_argument(
        "--database-url",
        default=None,
        help=staff_text("cli_database_url_help"),
    )
    parser.add_argument(
        "--tracker-url",
        default=None,
        help=staff_text("cli_tracker_url_help"),
    )
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help=staff_text("cli_export_help"))
    export.add_argument("sender_id", help=staff_text("cli_sender_id_help"))
    export.set_defaults(handler=_export)
    export_group = commands.add_parser("export-group", help=staff_text("cli_export_group_help"))
    export_group.add_argument("group_id", type=int, help=staff_text("cli_group_id_help"))
    export_group.set_defaults(handler=_export_group)
    review_cli.add_commands(commands)
    authorities_cli.add_commands(commands)
    demo_data.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
