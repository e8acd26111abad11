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
from bot.storage import make_engine, migrate
from bot.storage.division import LoadOutcome, count_rows, load_division, loaded_version, read_division


def _number(value: float, digits: int = 0) -> str:
    """Written the French way: 34 969 ; 1,6."""
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


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
        print(f"Découpage administratif {version.version} déjà chargé ({pack.name}) : rien à faire.")
    elif outcome is LoadOutcome.NEWER_KEPT:
        print(
            f"La version {version.version}, plus récente que {division.version} ({pack.name}), est déjà "
            "chargée : rien n'est remplacé (--force pour la remplacer)."
        )
    else:
        print(
            f"Découpage administratif {version.version} chargé depuis {pack.name} : "
            f"{_number(version.communes)} communes, {_number(version.epcis)} EPCI "
            f"({_number(time.perf_counter() - started, 1)} s)."
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
        print("Le découpage administratif n'est pas chargé : python -m bot authorities load.")
        return 1
    print(
        f"{SOURCE} {version.version}, chargé le {version.loaded_at:%Y-%m-%d %H:%M} (UTC) : "
        f"{_number(counts['division_communes'])} communes, {_number(counts['division_epcis'])} EPCI, "
        f"{counts['division_departements']} départements, {counts['division_regions']} régions "
        f"(SHA-256 {version.sha256[:12]}…)."
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
        print(
            "Le découpage administratif n'est pas chargé : lancez « python -m bot authorities load ».",
            file=sys.stderr,
        )
        return 1
    candidates = find(index, args.text, limit=args.limit)
    found = {"candidates": [candidate.as_dict() for candidate in candidates]}
    json.dump(found, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    authorities = commands.add_parser(
        "authorities", help="découpage administratif officiel (communes, EPCI) : chargement, état"
    )
    actions = authorities.add_subparsers(dest="authorities_command", required=True)
    load = actions.add_parser(
        "load",
        help="charge (ou recharge) le découpage depuis la copie npm de var/npm-cache/ ou --from",
        description=(
            "Charge le découpage administratif dans le stockage, en une transaction. Ne fait rien si "
            "ce paquet est déjà chargé, et ne remplace pas une version plus récente sans --force."
        ),
    )
    load.add_argument(
        "--from",
        dest="pack",
        metavar="TARBALL",
        help=f"paquet npm de {SOURCE} (npm pack) ; défaut : le plus récent de var/npm-cache/",
    )
    load.add_argument(
        "--force", action="store_true", help="recharge même une version identique ou plus ancienne"
    )
    load.set_defaults(handler=_load)
    status = actions.add_parser("status", help="version chargée et nombre de communes, EPCI…")
    status.set_defaults(handler=_status)

    finder = commands.add_parser(
        "find-authority",
        help="cherche une commune ou un EPCI par son nom ; affiche les candidats en JSON",
    )
    finder.add_argument(
        "text", help="le nom tel qu'on le tape (« mairie de St Etienne », « CC du Pays d'Uzès »)"
    )
    finder.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="nombre de candidats au plus")
    finder.set_defaults(handler=_find)
