"""Tables of the official administrative division (issue 13), on the shared metadata.

A read-only copy of Etalab's ``@etalab/decoupage-administratif``, replaced whole by each load
(``bot/storage/division.py``): ``division_regions``, ``division_departements``,
``division_communes`` (current communes only), ``division_epcis``, and ``division_versions``
(one row per source: the version loaded, its SHA-256, when, how many rows).

No foreign keys, on purpose: the copy is replaced in one transaction and its codes are kept as
the package gives them; a diagnostic that names an authority will keep its code as a plain
string, since communes merge and codes disappear from later versions.
Imported by ``bot/storage/__init__.py`` so that ``models.metadata`` always has these tables.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, String, Text

from bot.storage.models import Base, UTCDateTime, utcnow


class DivisionVersionRow(Base):
    __tablename__ = "division_versions"

    source = Column(String(100), primary_key=True)
    version = Column(String(40), nullable=False)
    sha256 = Column(String(64), nullable=False)
    loaded_at = Column(UTCDateTime, nullable=False, default=utcnow)
    communes = Column(Integer, nullable=False)
    epcis = Column(Integer, nullable=False)


class RegionRow(Base):
    __tablename__ = "division_regions"

    code = Column(String(3), primary_key=True)
    name = Column(Text, nullable=False)


class DepartementRow(Base):
    __tablename__ = "division_departements"

    code = Column(String(3), primary_key=True)
    name = Column(Text, nullable=False)
    region_code = Column(String(3), nullable=False, index=True)


class CommuneRow(Base):
    __tablename__ = "division_communes"

    insee = Column(String(5), primary_key=True)
    name = Column(Text, nullable=False)
    siren = Column(String(9), nullable=True)
    departement_code = Column(String(3), nullable=False, index=True)
    region_code = Column(String(3), nullable=False, index=True)
    postal_codes = Column(JSON, nullable=False)
    population = Column(Integer, nullable=True)
    epci_siren = Column(String(9), nullable=True, index=True)


class EpciRow(Base):
    __tablename__ = "division_epcis"

    siren = Column(String(9), primary_key=True)
    name = Column(Text, nullable=False)
    kind = Column(String(10), nullable=False)
    population = Column(Integer, nullable=True)
    departement_code = Column(String(3), nullable=True, index=True)
    region_code = Column(String(3), nullable=True, index=True)
    members = Column(Integer, nullable=False)
