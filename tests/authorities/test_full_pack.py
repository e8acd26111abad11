"""The real pack of var/npm-cache/ (``make install-authorities``, which ``make unit`` and
``make test`` run first): what 6.0.0 holds, loaded whole, and a few names in it."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.authorities.division import Division
from bot.authorities.index import AuthorityIndex
from bot.authorities.match import find, homonyms
from bot.authorities.pack import PackError, find_pack, read_pack
from bot.storage import make_engine, migrate
from bot.storage.division import count_rows, load_division


@pytest.fixture(scope="module")
def full() -> Division:
    try:
        return read_pack(find_pack())
    except PackError as exc:  # never skipped: make unit and make test install the pack first
        pytest.fail(f"{exc} (make unit le fait)")


def test_the_real_pack_loads_whole(full: Division) -> None:
    if full.version == "6.0.0":
        assert (len(full.communes), len(full.epcis)) == (34_969, 1_255)
        names = Counter(commune.name for commune in full.communes)
        assert sum(1 for count in names.values() if count > 1) == 1_441
        assert names["Sainte-Colombe"] == 12
    else:
        assert len(full.communes) > 30_000 and len(full.epcis) > 1_000
    assert all(epci.departement_code for epci in full.epcis)
    engine = make_engine("sqlite://")
    try:
        migrate(engine)
        load_division(engine, full)
        counts = count_rows(engine)
    finally:
        engine.dispose()
    assert (counts["division_communes"], counts["division_epcis"]) == (len(full.communes), len(full.epcis))


def test_names_in_the_real_pack(full: Division) -> None:
    index = AuthorityIndex(full)
    uzes = find(index, "bonjour, je suis DST à Uzès")[0].authority
    assert (uzes.name, uzes.departement_name, uzes.population) == ("Uzès", "Gard", 8519)
    assert len(homonyms(find(index, "sainte colombe"))) == 12
    assert find(index, "Orange")[0].authority.departement_code == "84"
