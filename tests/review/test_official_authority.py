"""The staff list and exports with the official authority (issue 13): code, département,
région, population band; filters on them, validated."""

from __future__ import annotations

import csv
import io

import pytest

from bot.authorities.index import AuthorityIndex
from bot.review import ConversationFilters, Review
from bot.review.conversations import places
from bot.storage.division import load_division
from tests.authorities.packs import fixture_division
from tests.bot.test_storage_official import PAYS_UZES, SOURCE, UZES, VERSION
from tests.review.conftest import NOW, Stores

SAINT_ETIENNE_METROPOLE = "244200770"


def senders(review: Review, **filters) -> list[str]:
    page = review.list_conversations(ConversationFilters(**filters), per_page=200, now=NOW)
    return sorted(item.sender_id for item in page.items)


def summary_of(review: Review, sender_id: str):
    return next(
        item for item in review.list_conversations(per_page=200, now=NOW).items if item.sender_id == sender_id
    )


@pytest.fixture
def official(stores: Stores, tmp_path) -> Stores:
    """uzes: the commune (declared 12 000, official 8 519); paysuzes: its CC; stetienne: a
    métropole of the Loire; petit: a commune typed by hand, 900 inhabitants, not recognised."""
    index = AuthorityIndex(fixture_division(tmp_path))
    store = stores.diagnostics
    uzes = stores.diagnostic("uzes", {"nom_collectivite": "uzes", "population": 12_000})
    store.record_authority(uzes, UZES, VERSION)
    store.save_answer(uzes, "population", UZES.population, "answered", None, source=SOURCE)
    store.record_authority(stores.diagnostic("paysuzes", {}), PAYS_UZES, VERSION)
    store.record_authority(stores.diagnostic("stetienne", {}), index.get(SAINT_ETIENNE_METROPOLE), VERSION)
    stores.diagnostic("petit", {"type_collectivite": "commune", "population": 900})
    return stores


def test_the_summary_has_the_official_code_departement_region_and_band(official: Stores) -> None:
    uzes = summary_of(official.review, "uzes")
    assert (uzes.authority_code, uzes.code_label, uzes.authority_name) == ("30334", "code INSEE", "Uzès")
    assert (uzes.departement_code, uzes.departement_name) == ("30", "Gard")
    assert (uzes.region_code, uzes.region_name) == ("76", "Occitanie")
    # The official population, not the 12 000 declared before: 3 500 to 9 999.
    assert uzes.population == 8519 and uzes.population_band.code == "3500-9999"
    cc = summary_of(official.review, "paysuzes")
    assert (cc.authority_code, cc.code_label, cc.authority_type) == ("200034379", "SIREN", "intercommunalite")
    petit = summary_of(official.review, "petit")
    assert (petit.authority_code, petit.departement_code) == (None, None)
    assert petit.population_band.code == "moins-1000"  # from the declared population


def test_filter_by_departement_region_and_band(official: Stores) -> None:
    review = official.review
    assert senders(review, departement="30") == ["paysuzes", "uzes"]
    assert senders(review, departement="42") == ["stetienne"]
    assert senders(review, region="76") == ["paysuzes", "uzes"]
    assert senders(review, region="84") == ["stetienne"]
    assert senders(review, departement="30", region="84") == []
    assert senders(review, population_band="3500-9999") == ["uzes"]
    assert senders(review, population_band="10000-49999") == ["paysuzes"]
    assert senders(review, population_band="200000-plus") == ["stetienne"]
    assert senders(review, population_band="moins-1000") == ["petit"]
    assert senders(review, population_band="3500-9999", departement="42") == []


def test_the_choices_come_from_the_diagnostics_until_the_division_is_loaded(
    official: Stores, tmp_path
) -> None:
    departements, regions = places(official.review.engine)
    assert departements == (("30", "Gard (30)"), ("42", "Loire (42)"))
    assert regions == (("76", "Occitanie"), ("84", "Auvergne-Rhône-Alpes"))

    (tmp_path / "pack").mkdir()
    load_division(official.review.engine, fixture_division(tmp_path / "pack"))

    departements, regions = places(official.review.engine)
    assert len(departements) == 109 and ("2A", "Corse-du-Sud (2A)") in departements
    assert len(regions) == 26 and ("94", "Corse") in regions
    options = official.review.filter_options()
    assert options.departements == departements and options.regions == regions
    assert [code for code, _ in options.population_bands][:2] == ["moins-1000", "1000-3499"]


def test_filter_values_are_validated() -> None:
    filters, errors = ConversationFilters.from_query(
        {"departement": "2a", "region": "76", "population_band": "3500-9999"}
    )
    assert (filters.departement, filters.region, filters.population_band) == ("2A", "76", "3500-9999")
    assert errors == {}
    assert "departement=2A" in filters.to_query() and "population_band=3500-9999" in filters.to_query()

    for bad in ("' OR 1=1 --", "3", "3000", "2C", "%", "Gard"):
        filters, errors = ConversationFilters.from_query(
            {"departement": bad, "region": bad, "population_band": bad}
        )
        assert (filters.departement, filters.region, filters.population_band) == (None, None, None)
        assert errors == {
            "departement": "Département inconnu.",
            "region": "Région inconnue.",
            "population_band": "Tranche de population inconnue.",
        }

    # Well formed but not one of the known codes.
    filters, errors = ConversationFilters.from_query(
        {"departement": "99", "region": "76"}, departements={"30", "42"}, regions={"84"}
    )
    assert (filters.departement, filters.region) == (None, None)
    assert set(errors) == {"departement", "region"}


def test_the_staff_export_has_the_official_columns_and_sources(official: Stores) -> None:
    rows = {
        row["sender_id"]: row
        for row in csv.DictReader(io.StringIO("".join(official.review.diagnostics_csv())))
    }
    uzes = rows["uzes"]
    assert (uzes["authority_code"], uzes["authority_kind"], uzes["authority_name"]) == (
        "30334",
        "commune",
        "Uzès",
    )
    assert (uzes["departement_code"], uzes["departement_name"]) == ("30", "Gard")
    assert (uzes["region_code"], uzes["region_name"]) == ("76", "Occitanie")
    assert (uzes["epci_siren"], uzes["epci_name"]) == ("200034379", "CC Pays d'Uzès")
    assert (uzes["division_version"], uzes["population_band"]) == ("6.0.0", "3500-9999")
    assert uzes["official_answers"] == "population"
    assert uzes["population"] == "8519"
    petit = rows["petit"]
    assert (petit["authority_code"], petit["official_answers"], petit["population_band"]) == (
        "",
        "",
        "moins-1000",
    )


def test_the_conversation_detail_keeps_the_answers_source(official: Stores) -> None:
    detail = official.review.conversation_detail("uzes", now=NOW)
    sources = {view.question.id: view.answer.source for view in detail.answers}
    assert sources == {"nom_collectivite": None, "population": SOURCE}
    assert detail.diagnostic["official"]["code"] == "30334"
