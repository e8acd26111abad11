"""The staff pages with the official authority (issue 13): code, département and band shown,
filters by département, région and band, bad filter values refused in French."""

# ruff: noqa: F811  (fixtures imported from tests/web/staff_support.py)

from __future__ import annotations

import html
import re

import pytest
from starlette.testclient import TestClient

from tests.bot.test_storage_official import PAYS_UZES, SOURCE, UZES, VERSION
from tests.review.conftest import Stores
from tests.web.staff_support import (  # noqa: F401  (fixtures)
    accounts,
    make_staff_client,
    review,
    seeded,
    staff,
    stores,
)


def senders(page: str) -> list[str]:
    return sorted(re.findall(r'<th scope="row"><a href="/equipe/conversations/[^"]*">([^<]*)</a>', page))


@pytest.fixture
def official(seeded: Stores) -> Stores:
    store = seeded.diagnostics
    uzes = seeded.diagnostic("uzes", {"nom_collectivite": "uzes"})
    store.record_authority(uzes, UZES, VERSION)
    store.save_answer(uzes, "population", UZES.population, "answered", None, source=SOURCE)
    store.record_authority(seeded.diagnostic("paysuzes", {}), PAYS_UZES, VERSION)
    return seeded


def test_the_list_shows_the_official_code_departement_and_band(official: Stores, staff: TestClient) -> None:
    page = staff.get("/equipe/").text
    assert '<th scope="col">Département</th>' in page
    row = re.search(r'<tr>\s*<th scope="row"><a href="/equipe/conversations/uzes">.*?</tr>', page, re.S)
    assert row is not None
    text = html.unescape(row.group(0))
    for expected in ("Uzès", "code INSEE 30334", "8\u202f519 hab. (officielle)",
                     "Tranche : de 3\u202f500 à 9\u202f999 habitants", "Gard (30)", "Occitanie"):  # fmt: skip
        assert expected in text, expected
    cc = re.search(r'<a href="/equipe/conversations/paysuzes">.*?</tr>', page, re.S).group(0)
    assert "SIREN 200034379" in cc


def test_the_list_filters_by_departement_region_and_band(official: Stores, staff: TestClient) -> None:
    assert senders(staff.get("/equipe/", params={"departement": "30"}).text) == ["paysuzes", "uzes"]
    assert senders(staff.get("/equipe/", params={"region": "76"}).text) == ["paysuzes", "uzes"]
    assert senders(staff.get("/equipe/", params={"population_band": "3500-9999"}).text) == ["uzes"]
    page = staff.get("/equipe/", params={"departement": "30"}).text
    assert '<option value="30" selected>Gard (30)</option>' in page
    assert '<option value="76">Occitanie</option>' in page
    assert '<option value="3500-9999">de 3\u202f500 à 9\u202f999 habitants</option>' in page


@pytest.mark.parametrize("value", ["' OR 1=1 --", "99", "<b>30</b>"])
def test_a_bad_departement_is_refused_in_french(official: Stores, staff: TestClient, value: str) -> None:
    response = staff.get("/equipe/", params={"departement": value, "region": value})
    assert response.status_code == 200
    page = response.text
    assert '<span class="field-error" id="erreur-departement">Département inconnu.</span>' in page
    assert '<span class="field-error" id="erreur-region">Région inconnue.</span>' in page
    assert 'aria-describedby="erreur-departement" aria-invalid="true"' in page
    assert "<b>30</b>" not in page
    assert "uzes" in senders(page) and "alice" in senders(page), "the filter is dropped, not applied"


def test_the_conversation_shows_the_official_authority_and_sources(
    official: Stores, staff: TestClient
) -> None:
    text = html.unescape(staff.get("/equipe/conversations/uzes").text)
    assert "Code officiel" in text and "code INSEE 30334" in text
    assert "Gard (30) — région Occitanie" in text
    assert "de 3\u202f500 à 9\u202f999 habitants" in text
    assert "(source : découpage administratif officiel, version 6.0.0)" in text
