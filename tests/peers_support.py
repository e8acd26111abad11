"""Comparable diagnostics made for the tests of the comparison with peers."""

from __future__ import annotations

from datetime import datetime, timezone
from itertools import count

from bot.authorities.index import Authority
from bot.storage import DiagnosticRecord, DiagnosticStore

_codes = count(1)
DONE = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def authority(code: str, departement: str = "33", region: str = "75", population: int = 5_000) -> Authority:
    names = {"33": "Gironde", "40": "Landes", "75": "Nouvelle-Aquitaine", "84": "Auvergne-Rhône-Alpes"}
    return Authority(
        kind="commune",
        code=code,
        name=f"Commune {code}",
        departement_code=departement,
        departement_name=names.get(departement, departement),
        region_code=region,
        region_name=names.get(region, region),
        population=population,
    )


def diagnostic(
    store: DiagnosticStore,
    scores: dict[str, float | None],
    *,
    authority_type: str = "commune",
    population: int = 5_000,
    official: Authority | None = None,
    status: str = "termine",
    name: str | None = None,
) -> DiagnosticRecord:
    """A diagnostic with a profile, a stored result with these axis scores, and a status."""
    record = store.create(f"pair-{next(_codes)}")
    if name is not None:
        store.save_answer(record.id, "nom_collectivite", name, "answered", name)
    store.save_answer(record.id, "type_collectivite", authority_type, "answered", None)
    store.save_answer(record.id, "population", population, "answered", None)
    if official is not None:
        store.record_authority(record.id, official, "6.0.0")
    maturity = {
        "overall": {"score": None, "level": None, "level_name": None, "coverage": 1.0},
        "axes": {axis: {"label": axis, "score": score} for axis, score in scores.items()},
    }
    store.save_result(record.id, maturity, {"codes": []})
    return store.update_state(record.id, status=status, completed_at=DONE if status == "termine" else None)
