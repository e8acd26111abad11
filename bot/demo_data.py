"""Synthetic completed diagnostics, so that a fresh install can show the comparison with peers.

``python -m bot demo-data N`` stores N completed diagnostics flagged ``synthetic``: spread
evenly over nine cohorts (communes of the six population bands, intercommunalities of the
three largest), each an official authority of that cohort drawn from the loaded division when
there is one (else a made-up name), with answers drawn around a maturity that grows with the
authority's size. The draws come from a seeded generator: the same seed and the same division
give the same authorities and answers. Scores and recommendations are computed by
bot/scoring.py and bot/recommendations.py, exactly as at the end of a real conversation.

Synthetic diagnostics never count among the peers of a real one unless the platform sets
DIAGNOSTIC_INCLUDE_SYNTHETIC (bot/settings.py); the staff area shows them as such.
"""

from __future__ import annotations

import argparse
import random
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.answers import Answer, AnswerStatus
from bot.authorities.division import SOURCE
from bot.authorities.index import Authority, AuthorityIndex
from bot.dialogue import store_finished
from bot.population_bands import BANDS_BY_CODE, PopulationBand, band_of
from bot.questionnaire import NO_CHOICE, Question, Questionnaire, default_questionnaire
from bot.recommendations import Catalogue, default_catalogue, recommend
from bot.scoring import compute_maturity
from bot.staff_text import staff_text
from bot.storage import DiagnosticRecord, DiagnosticStore
from bot.storage.division import read_division

DEFAULT_SEED = 14
SENDER_PREFIX = "demonstration-"
COMMUNE, EPCI = "commune", "intercommunalite"
# (authority type, population band): the cohorts the diagnostics are spread over, in turn.
COHORTS: tuple[tuple[str, str], ...] = (
    *((COMMUNE, code) for code in BANDS_BY_CODE),
    (EPCI, "10000-49999"),
    (EPCI, "50000-199999"),
    (EPCI, "200000-plus"),
)
MADE_UP_NAMES = {COMMUNE: "Commune fictive", EPCI: "Intercommunalité fictive"}
LARGEST_MADE_UP_POPULATION = 600_000
DONT_KNOW_SHARE = 0.06
UNSCORED_SKIPPED = frozenset({"citoyens_outil_lequel"})  # free text: left unanswered


@dataclass(frozen=True)
class DemoAuthority:
    """Who a synthetic diagnostic is about: an official authority, or a made-up one."""

    authority_type: str
    name: str
    population: int
    official: Authority | None = None


def _clamp(value: float, low: float = 0.02, high: float = 0.98) -> float:
    return max(low, min(high, value))


def _band_rank(band: PopulationBand) -> int:
    return list(BANDS_BY_CODE).index(band.code)


def choose_authority(
    rng: random.Random, index: int, candidates: Mapping[tuple[str, str], Sequence[Authority]]
) -> DemoAuthority:
    """The ``index``-th synthetic authority: its cohort in turn, an official one when possible."""
    authority_type, band_code = COHORTS[index % len(COHORTS)]
    pool = candidates.get((authority_type, band_code)) or ()
    if pool:
        official = pool[rng.randrange(len(pool))]
        assert official.population is not None
        return DemoAuthority(authority_type, official.name, official.population, official)
    band = BANDS_BY_CODE[band_code]
    population = rng.randint(band.minimum, band.maximum or LARGEST_MADE_UP_POPULATION)
    return DemoAuthority(authority_type, f"{MADE_UP_NAMES[authority_type]} n° {index + 1}", population)


def candidates_of(index: AuthorityIndex | None) -> dict[tuple[str, str], list[Authority]]:
    """The official authorities of each cohort (none without a loaded division)."""
    pools: dict[tuple[str, str], list[Authority]] = {}
    if index is None:
        return pools
    for authority in index.authorities:
        band = band_of(authority.population)
        if band is None or authority.population == 0:
            continue
        kind = COMMUNE if authority.is_commune else EPCI
        pools.setdefault((kind, band.code), []).append(authority)
    return pools


def _yes_partly_no(rng: random.Random, propensity: float) -> tuple[Any, AnswerStatus]:
    if rng.random() < DONT_KNOW_SHARE:
        return "ne_sait_pas", "unknown"
    draw = rng.random()
    if draw < propensity * 0.8:
        return "oui", "answered"
    if draw < propensity * 0.8 + 0.3:
        return "en_partie", "answered"
    return "non", "answered"


def _choices(rng: random.Random, question: Question, propensity: float) -> list[str]:
    codes = [choice.value for choice in question.choices]
    if question.scoring is not None:  # more initiatives as the authority is more advanced
        count = max(0, min(len(codes), round(propensity * 4 + rng.gauss(0, 1))))
    else:
        count = rng.randint(1, min(3, len(codes)))
    chosen = rng.sample(codes, count)
    if not chosen and question.none_allowed:
        return [NO_CHOICE]
    return [code for code in codes if code in chosen]


def synthetic_answers(
    questionnaire: Questionnaire, authority: DemoAuthority, rng: random.Random
) -> dict[str, tuple[Any, AnswerStatus]]:
    """(value, status) per question id: plausible answers around a maturity drawn for the authority."""
    band = band_of(authority.population)
    assert band is not None
    overall = _clamp(rng.gauss(0.25 + 0.08 * _band_rank(band), 0.15))
    per_axis = {axis.id: _clamp(overall + rng.gauss(0, 0.12)) for axis in questionnaire.axes}
    agents = max(1, round(authority.population / rng.uniform(40, 90)))
    answers: dict[str, tuple[Any, AnswerStatus]] = {}
    for question in questionnaire.questions:
        propensity = per_axis.get(question.axis or "", overall)
        if question.id in UNSCORED_SKIPPED:
            continue
        if question.id == "nom_collectivite":
            answers[question.id] = (authority.name, "answered")
        elif question.id == "type_collectivite":
            answers[question.id] = (authority.authority_type, "answered")
        elif question.id == "population":
            answers[question.id] = (authority.population, "answered")
        elif question.id == "nombre_agents":
            answers[question.id] = (agents, "answered")
        elif question.answer_type == "oui_partiel_non":
            answers[question.id] = _yes_partly_no(rng, propensity)
        elif question.answer_type == "choix" and question.multiple:
            answers[question.id] = (_choices(rng, question, propensity), "answered")
        elif question.answer_type == "choix":
            answers[question.id] = (rng.choice(question.choice_codes()), "answered")
        elif question.answer_type == "echelle":
            answers[question.id] = (rng.randint(question.minimum or 1, question.maximum or 5), "answered")
        elif question.answer_type == "nombre":
            low, high = question.minimum or 0, question.maximum or 10**9
            answers[question.id] = (max(low, min(high, round(agents * rng.uniform(15, 60)))), "answered")
    return answers


def store_completed(
    store: DiagnosticStore,
    questionnaire: Questionnaire,
    catalogue: Catalogue,
    sender_id: str,
    answers: Mapping[str, tuple[Any, AnswerStatus]],
    *,
    official: Authority | None = None,
    division_version: str | None = None,
    synthetic: bool = False,
    completed_at: datetime | None = None,
) -> DiagnosticRecord:
    """Store a completed diagnostic with its answers and result, in one transaction.

    As at the end of a conversation: maturity and recommendation computed from the answers;
    an official authority's name, type and population come from the division.
    """
    source = f"{SOURCE.rsplit('/', 1)[-1]} {division_version}" if official and division_version else None
    from_division = ("nom_collectivite", "type_collectivite", "population") if official else ()
    with store.turn():
        record = store.create(sender_id)
        for question_id, (value, status) in answers.items():
            taken = source if question_id in from_division else None
            store.save_answer(record.id, question_id, value, status, None, source=taken)
        if official is not None:
            store.record_authority(record.id, official, division_version)
        stored = {
            question_id: Answer(question_id=question_id, value=value, status=status)
            for question_id, (value, status) in answers.items()
        }
        if synthetic:
            store.set_peer_flags(record.id, synthetic=True)
        maturity = compute_maturity(questionnaire, stored)
        recommendation = recommend(catalogue, questionnaire, stored)
        return store_finished(store, record.id, maturity, recommendation, completed_at)


def create_demo_data(
    store: DiagnosticStore,
    count: int,
    *,
    seed: int = DEFAULT_SEED,
    index: AuthorityIndex | None = None,
    questionnaire: Questionnaire | None = None,
    catalogue: Catalogue | None = None,
    new_sender: Callable[[], str] = lambda: SENDER_PREFIX + uuid.uuid4().hex,
) -> list[DiagnosticRecord]:
    """Store ``count`` synthetic completed diagnostics (see the module docstring)."""
    if count < 1:
        raise ValueError("le nombre de diagnostics doit être au moins 1")
    questionnaire = questionnaire or default_questionnaire()
    catalogue = catalogue or default_catalogue()
    rng = random.Random(seed)
    pools = candidates_of(index)
    records = []
    for number in range(count):
        authority = choose_authority(rng, number, pools)
        answers = synthetic_answers(questionnaire, authority, rng)
        records.append(
            store_completed(
                store,
                questionnaire,
                catalogue,
                new_sender(),
                answers,
                official=authority.official,
                division_version=index.version if index is not None and authority.official else None,
                synthetic=True,
            )
        )
    return records


# --- command line -------------------------------------------------------------------------


def _demo_data(args: argparse.Namespace) -> int:
    if args.count < 1:
        print(staff_text("demo_count_too_small"), file=sys.stderr)
        return 2
    store = DiagnosticStore.from_url(args.database_url)
    try:
        division = read_division(store.engine)
        index = AuthorityIndex(division) if division is not None else None
        records = create_demo_data(store, args.count, seed=args.seed, index=index)
    finally:
        store.engine.dispose()
    origin = (
        staff_text("demo_origin_official", version=index.version)
        if index is not None
        else staff_text("demo_origin_fictional")
    )
    print(staff_text("demo_stored", count=len(records), origin=origin))
    print(staff_text("demo_counted_only_if"))
    return 0


def add_commands(commands: Any) -> None:
    """``demo-data N [--graine S]``, on the subparsers of ``python -m bot``."""
    parser = commands.add_parser("demo-data", help=staff_text("cli_demo_data_help"))
    parser.add_argument("count", type=int, help=staff_text("cli_demo_count_help"))
    parser.add_argument(
        "--graine",
        dest="seed",
        type=int,
        default=DEFAULT_SEED,
        help=staff_text("cli_demo_seed_help", seed=DEFAULT_SEED),
    )
    parser.set_defaults(handler=_demo_data)
