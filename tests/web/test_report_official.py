"""The report of a diagnostic whose authority was recognised in the official division (issue 13)."""

from __future__ import annotations

import html
import re

import pytest
from starlette.testclient import TestClient

from bot.storage import DiagnosticStore
from bot.web.report import division_version, kind_label, of_name
from tests.bot.test_storage_official import PAYS_UZES, SOURCE, UZES, VERSION
from tests.web.conftest import finished_diagnostic


def _text(page: str) -> str:
    """The page as a person reads it: no tags, entities decoded, spaces collapsed."""
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def _official_diagnostic(store: DiagnosticStore, authority=UZES):
    record = finished_diagnostic(store)
    store.record_authority(record.id, authority, VERSION)
    store.save_answer(record.id, "population", authority.population, "answered", None, source=SOURCE)
    return record


def test_the_report_shows_the_official_authority(client: TestClient, store: DiagnosticStore) -> None:
    record = _official_diagnostic(store)

    text = _text(client.get(f"/rapport/{record.public_id}").text)

    assert "Uzès" in text
    assert (
        "Commune · code INSEE 30334 · département\xa0: Gard (30) · région\xa0: Occitanie"
        " · population municipale\xa0: 8\u202f519 habitants"
    ) in text
    assert "Source\xa0: découpage administratif officiel, version 6.0.0." in text
    # The population answer says where it comes from; the others do not.
    assert "8\u202f519 habitants (source\xa0: découpage administratif officiel, version 6.0.0)" in text
    assert text.count("(source\xa0: découpage administratif officiel") == 1


def test_a_commune_is_pointed_to_its_intercommunality(client: TestClient, store: DiagnosticStore) -> None:
    record = _official_diagnostic(store)

    page = client.get(f"/rapport/{record.public_id}").text

    section = re.search(r'<section[^>]*aria-labelledby="intercommunalite">.*?</section>', page, re.S)
    assert section is not None
    assert '<h2 id="intercommunalite">Votre intercommunalité</h2>' in section.group(0)
    text = _text(section.group(0))
    assert "Uzès est membre de la CC Pays d'Uzès (communauté de communes, SIREN 200034379)." in text
    assert "l'eau, les déchets, parfois l'éclairage public" in text
    assert "parlez-en avec elle" in text
    # It suggests talking to the intercommunality, never says what was transferred.
    assert "transfér" not in text and "compétence" not in text


def test_an_intercommunality_has_a_siren_and_no_intercommunality_of_its_own(
    client: TestClient, store: DiagnosticStore
) -> None:
    record = _official_diagnostic(store, PAYS_UZES)

    page = client.get(f"/rapport/{record.public_id}").text
    text = _text(page)

    assert "Communauté de communes · SIREN 200034379 · département\xa0: Gard (30)" in text
    assert 'id="intercommunalite"' not in page


def test_a_report_without_an_official_authority_shows_none(
    client: TestClient, store: DiagnosticStore
) -> None:
    record = finished_diagnostic(store)

    page = client.get(f"/rapport/{record.public_id}").text

    assert "découpage administratif" not in page
    assert 'id="intercommunalite"' not in page
    assert client.get(f"/rapport/{record.public_id}.json").json()["official"] is None


def test_official_names_are_escaped(client: TestClient, store: DiagnosticStore) -> None:
    record = finished_diagnostic(store)
    hostile = UZES.__class__(**{**UZES.__dict__, "epci_name": "CC <script>alert(1)</script>"})
    store.record_authority(record.id, hostile, VERSION)

    page = client.get(f"/rapport/{record.public_id}").text

    assert "<script>alert(1)" not in page
    assert "membre de la CC &lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_json_gives_the_official_authority_and_the_sources(
    client: TestClient, store: DiagnosticStore
) -> None:
    record = _official_diagnostic(store)

    data = client.get(f"/rapport/{record.public_id}.json").json()

    assert data["authority_name"] == "Uzès"
    assert data["official"] == {
        "code": "30334",
        "kind": "commune",
        "kind_label": "commune",
        "name": "Uzès",
        "population": 8519,
        "departement": {"code": "30", "name": "Gard"},
        "region": {"code": "76", "name": "Occitanie"},
        "epci": {
            "siren": "200034379",
            "name": "CC Pays d'Uzès",
            "kind": "CC",
            "kind_label": "communauté de communes",
        },
        "division_version": "6.0.0",
    }
    sources = {answer["question_id"]: answer["source"] for answer in data["answers"]}
    assert sources["population"] == SOURCE
    assert {source for question, source in sources.items() if question != "population"} == {None}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("CC Pays d'Uzès", "de la CC Pays d'Uzès"),
        ("CA du Grand Avignon (COGA)", "de la CA du Grand Avignon (COGA)"),
        ("Métropole du Grand Paris", "de la Métropole du Grand Paris"),
        ("Communauté urbaine d'Arras", "de la Communauté urbaine d'Arras"),
        ("Le Grand Chalon", "du Grand Chalon"),
        ("Les Portes du Luxembourg", "des Portes du Luxembourg"),
        ("La Riviera Française", "de La Riviera Française"),
        ("Eurométropole de Strasbourg", "de l'Eurométropole de Strasbourg"),
        ("Bordeaux Métropole", "de Bordeaux Métropole"),
        ("Haut-Jura Saint-Claude", "de Haut-Jura Saint-Claude"),
    ],
)
def test_of_name(name: str, expected: str) -> None:
    assert of_name(name) == expected


def test_division_version_and_kind_label() -> None:
    assert division_version("decoupage-administratif 6.0.0") == "6.0.0"
    assert division_version(None) is None
    assert division_version("autre chose") is None
    assert kind_label("commune") == "commune"
    assert kind_label("CA") == "communauté d'agglomération"
    assert kind_label("METRO") == "métropole"
