"""Commands of the official administrative division, registered on ``python -m bot``.

authorities load [--from TARBALL] [--force] | authorities status | find-authority TEXT [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.authorities.division import SOURCE
from bot.authorities.index import AuthorityIndex
from bot.authorities.match import DEFAULT_LIMIT, find
from bot.authorities.pack import PackError, find_pack, read_pack
from bot.formatting import number
from bot.staff_text import staff_text
from bot.storage import make_engine, migrate
from bot.storage.division import LoadOutcome, count_rows, load_division, loaded_version, read_division


def _engine(args: argparse.Namespace) -> Engine:
    engine = make_engine(args.database_url)
    migrate(engine)
    return engine


def _load(args: argparse.Namespace) -> int:
    try:
        pack = Path(args.pack) if args.pack else find_pack()
        started = time.perf_counter()
        division = read_pack(pack)
    except PackError as exc:
        print(exc, file=sys.stderr)
        return 1
    engine = _engine(args)
    try:
        outcome, version = load_division(engine, division, force=args.force)
    finally:
        engine.dispose()
    if outcome is LoadOutcome.UNCHANGED:
        print(staff_text("authorities_unchanged", version=version.version, pack=pack.name))
    elif outcome is LoadOutcome.NEWER_KEPT:
        print(
            staff_text(
                "authorities_newer_kept", version=version.version, division=division.version, pack=pack.name
            )
        )
    else:
        print(
            staff_text(
                "authorities_loaded",
                version=version.version,
                pack=pack.name,
                communes=number(version.communes),
                epcis=number(version.epcis),
                seconds=number(time.perf_counter() - started),
            )
        )
    return 0


def _status(args: argparse.Namespace) -> int:
    engine = _engine(args)
    try:
        version = loaded_version(engine)
        counts = count_rows(engine)
    finally:
        engine.dispose()
    if version is None:
        print(staff_text("authorities_not_loaded"))
        return 1
    print(
        staff_text(
            "authorities_status",
            source=SOURCE,
            version=version.version,
            loaded_at=f"{version.loaded_at:%Y-%m-%d %H:%M}",
            communes=number(counts["division_communes"]),
            epcis=number(counts["division_epcis"]),
            departements=counts["division_departements"],
            regions=counts["division_regions"],
            sha256=version.sha256[:12],
        )
    )
    return 0


def load_index(database_url: str | None = None) -> AuthorityIndex | None:
    """The index of the division in the store (None before the first load)."""
    engine = make_engine(database_url)
    try:
        migrate(engine)
        division = read_division(engine)
    finally:
        engine.dispose()
    return AuthorityIndex(division) if division is not None else None


def _find(args: argparse.Namespace) -> int:
    index = load_index(args.database_url)
    if index is None:
        print(staff_text("authorities_not_loaded_find"), file=sys.stderr)
        return 1
    candidates = find(index, args.text, limit=args.limit)
    found = {"candidates": [candidate.as_dict() for candidate in candidates]}
    json.dump(found, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    authorities = commands.add_parser("authorities", help=staff_text("cli_authorities_help"))
    actions = authorities.add_subparsers(dest="authorities_command", required=True)
    load = actions.add_parser(
        "load",
        help=staff_text("cli_authorities_load_help"),
        description=staff_text("cli_authorities_load_description"),
    )
    load.add_argument(
        "--from",
        dest="pack",
        metavar="TARBALL",
        help=staff_text("cli_authorities_from_help", source=SOURCE),
    )
    load.add_argument("--force", action="store_true", help=staff_text("cli_authorities_force_help"))
    load.set_defaults(handler=_load)
    status = actions.add_parser("status", help=staff_text("cli_authorities_status_help"))
    status.set_defaults(handler=_status)

    finder = commands.add_parser(
        "find-authority",
        help=staff_text("cli_find_authority_help"),
    )
    finder.add_argument("text", help=staff_text("cli_find_authority_text_help"))
    finder.add_argument(
        "--limit", type=int, default=DEFAULT_LIMIT, help=staff_text("cli_find_authority_limit_help")
    )
    finder.set_defaults(handler=_find)
