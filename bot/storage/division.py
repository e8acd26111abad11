"""The official administrative division in the diagnostic store: load it, read it back.

A load replaces the whole copy in one transaction (readers see the old one or the new one,
never half of each) with bulk inserts, and records the version in ``division_versions``.
Loading the same pack again does nothing; an older version never replaces a newer one
unless forced.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine

from bot.authorities.division import (
    SOURCE,
    Commune,
    Departement,
    Division,
    Epci,
    Region,
    version_key,
)
from bot.records import from_attributes
from bot.storage.division_models import CommuneRow, DepartementRow, DivisionVersionRow, EpciRow, RegionRow
from bot.storage.engine import one_writer_at_a_time
from bot.storage.models import as_utc, utcnow

_TABLES = (CommuneRow, EpciRow, DepartementRow, RegionRow)
# Serialises loads of the division on PostgreSQL.
_PG_LOCK_KEY = 0x64697669  # "divi"


@dataclass(frozen=True)
class LoadedVersion:
    source: str
    version: str
    sha256: str
    loaded_at: datetime
    communes: int
    epcis: int


class LoadOutcome(enum.Enum):
    LOADED = "loaded"
    UNCHANGED = "unchanged"  # the same pack was already loaded
    NEWER_KEPT = "newer_kept"  # a newer version is loaded: kept (force to replace it)


def loaded_version(engine: Engine, source: str = SOURCE) -> LoadedVersion | None:
    """The version of ``source`` in the store, None before the first load."""
    with engine.connect() as connection:
        return _loaded_version(connection, source)


def _loaded_version(connection: Connection, source: str) -> LoadedVersion | None:
    row = connection.execute(
        select(DivisionVersionRow.__table__).where(DivisionVersionRow.source == source)
    ).first()
    if row is None:
        return None
    return LoadedVersion(
        source=row.source,
        version=row.version,
        sha256=row.sha256,
        loaded_at=as_utc(row.loaded_at),
        communes=row.communes,
        epcis=row.epcis,
    )


def load_division(
    engine: Engine, division: Division, force: bool = False
) -> tuple[LoadOutcome, LoadedVersion]:
    """Store ``division`` in place of the current copy, unless it is the same or older.

    Returns what was done and the version now in the store.
    """
    with engine.begin() as connection:
        # Two loads at once run one after the other (a load takes a few seconds, more than the
        # lock timeout of ordinary statements).
        one_writer_at_a_time(connection, _PG_LOCK_KEY, wait_as_long_as_needed=True)
        current = _loaded_version(connection, division.source)
        if current is not None and not force:
            if division.sha256 and current.sha256 == division.sha256:
                return LoadOutcome.UNCHANGED, current
            if version_key(current.version) > version_key(division.version):
                return LoadOutcome.NEWER_KEPT, current
            if current.version == division.version and not division.sha256:
                return LoadOutcome.UNCHANGED, current
        for table in _TABLES:
            connection.execute(delete(table.__table__))
        _insert(connection, RegionRow, [_columns(row) for row in division.regions])
        _insert(connection, DepartementRow, [_columns(row) for row in division.departements])
        _insert(connection, CommuneRow, [_columns(row) for row in division.communes])
        _insert(connection, EpciRow, [_columns(row) for row in division.epcis])
        version = {
            "source": division.source,
            "version": division.version,
            "sha256": division.sha256,
            "loaded_at": utcnow(),
            "communes": len(division.communes),
            "epcis": len(division.epcis),
        }
        versions = DivisionVersionRow.__table__
        connection.execute(delete(versions).where(versions.c.source == division.source))
        connection.execute(insert(versions), version)
        return LoadOutcome.LOADED, _loaded_version(connection, division.source)


def _insert(connection: Connection, model: type, rows: list[dict]) -> None:
    # executemany: one statement for all rows (psycopg2 sends them in pages of VALUES).
    if rows:
        connection.execute(insert(model.__table__), rows)


def _columns(row: Region | Departement | Commune | Epci) -> dict:
    """A division dataclass as its table's columns (the same names; a commune's postal codes
    as a list)."""
    columns = asdict(row)
    if isinstance(row, Commune):
        columns["postal_codes"] = list(row.postal_codes)
    return columns


def read_division(engine: Engine, source: str = SOURCE) -> Division | None:
    """The copy in the store, None before the first load."""
    with engine.connect() as connection:
        version = _loaded_version(connection, source)
        if version is None:
            return None
        regions = connection.execute(select(RegionRow.__table__).order_by(RegionRow.code)).all()
        departements = connection.execute(
            select(DepartementRow.__table__).order_by(DepartementRow.code)
        ).all()
        communes = connection.execute(select(CommuneRow.__table__).order_by(CommuneRow.insee)).all()
        epcis = connection.execute(select(EpciRow.__table__).order_by(EpciRow.siren)).all()
    return Division(
        version=version.version,
        source=version.source,
        sha256=version.sha256,
        regions=tuple(from_attributes(Region, row) for row in regions),
        departements=tuple(from_attributes(Departement, row) for row in departements),
        communes=tuple(
            from_attributes(Commune, row, postal_codes=tuple(row.postal_codes or ())) for row in communes
        ),
        epcis=tuple(from_attributes(Epci, row) for row in epcis),
    )


def count_rows(engine: Engine) -> dict[str, int]:
    """Rows per division table (for the command line and the tests)."""
    with engine.connect() as connection:
        return {
            model.__tablename__: connection.execute(
                select(func.count()).select_from(model.__table__)
            ).scalar_one()
            for model in (RegionRow, DepartementRow, CommuneRow, EpciRow)
        }
