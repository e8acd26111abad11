"""Benchmark of the authority-name matcher (issue 13): writes benchmarks/authorities.md (French).

- Recognition: 500 communes and 200 EPCI drawn at random (seeded) from the pinned pack, each
  typed in every generated way (official name, lower case, no accents, no hyphens, "mairie
  de" / "communauté de communes du" / "agglo" / "métropole de", "St" / "Ste", one typo…);
  a lookup counts as found when the authority comes first or among the homonyms (the
  candidates that share the best score). Target: 0.99 at least.
- False alarms on the held-out answers to the other questions, tests/nlu_holdout/answers.yml
  (listed) and tests/nlu_blind/answers.yml (counted only: its items are never printed), two
  ways: in the conversation (each answer sent at its own question to the engine, with the
  division: any authority proposed counts; target: none), and, stricter, each answer read by
  the cue-based spotter as if it were the first message of a conversation.
- Time per lookup (median, p95, max; target under 5 ms), load and index build times, and the
  memory the index takes (tracemalloc).

Reads the pack of var/npm-cache/ (make install-authorities); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import tracemalloc
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.authorities.index import Authority, AuthorityIndex  # noqa: E402
from bot.authorities.lookup import IndexLookup  # noqa: E402
from bot.authorities.match import LOOSE, find, homonyms, spot  # noqa: E402
from bot.authorities.pack import find_pack, read_pack  # noqa: E402
from bot.dialogue import AUTHORITY_CHOICE, DiagnosticConversation  # noqa: E402
from bot.messages import default_messages  # noqa: E402
from bot.questionnaire import default_questionnaire  # noqa: E402
from bot.recommendations import default_catalogue  # noqa: E402
from bot.settings import report_url  # noqa: E402
from bot.storage import DiagnosticStore, make_engine, migrate  # noqa: E402
from bot.storage.division import load_division, read_division  # noqa: E402

SEED = 13
COMMUNES = 500
EPCIS = 200
TARGET_RATE = 0.99
TARGET_MS = 5.0
HOLDOUT = ROOT / "tests" / "nlu_holdout" / "answers.yml"
BLIND = ROOT / "tests" / "nlu_blind" / "answers.yml"
NAME_QUESTION = "nom_collectivite"
OUTPUT = ROOT / "benchmarks" / "authorities.md"
LETTERS = "abcdefghijklmnopqrstuvwxyz"


# --- typing a name in varied ways (independent of the matcher's own rules) ---------------


def no_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("œ", "oe").replace("Œ", "OE"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def typo(name: str, rng: random.Random) -> str:
    """One edit (deletion, insertion, substitution or swap of neighbours) on a letter."""
    places = [i for i, ch in enumerate(name) if ch.isalpha()]
    i = rng.choice(places)
    kind = rng.choice(["delete", "insert", "replace", "swap"])
    if kind == "delete":
        return name[:i] + name[i + 1 :]
    if kind == "insert":
        return name[:i] + rng.choice(LETTERS) + name[i:]
    if kind == "replace":
        letter = rng.choice([ch for ch in LETTERS if ch != no_accents(name[i]).lower()])
        return name[:i] + letter + name[i + 1 :]
    if i + 1 < len(name) and name[i + 1].isalpha() and name[i + 1].lower() != name[i].lower():
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + name[i + 1 :]


def with_de(name: str) -> str:
    """ "de X" as French writes it: du Havre, des Abymes, de la Rochelle, de l'Isle, d'Uzès."""
    for article, contracted in (("Le ", "du "), ("Les ", "des "), ("La ", "de la "), ("L'", "de l'")):
        if name.startswith(article):
            return contracted + name[len(article) :]
    if no_accents(name[:1]).lower() in "aeiouyh":
        return "d'" + name
    return "de " + name


def abbreviate_saint(name: str) -> str | None:
    for long, short in (("Saintes-", "Stes-"), ("Sainte-", "Ste-"), ("Saints-", "Sts-"), ("Saint-", "St-")):
        if long in name:
            return name.replace(long, short.replace("-", " "), 1)
    return None


def long_enough(name: str) -> bool:
    return sum(ch.isalnum() for ch in name) >= 5


def commune_ways(name: str, rng: random.Random) -> dict[str, str]:
    ways = {
        "nom officiel": name,
        "minuscules, sans accents": no_accents(name).lower(),
        "majuscules": name.upper(),
        "sans tirets": name.replace("-", " "),
        "« mairie de », « ville de », « commune de »": rng.choice(["mairie ", "ville ", "commune "])
        + with_de(name),
    }
    saint = abbreviate_saint(name)
    if saint:
        ways["St / Ste"] = saint.lower()
    if long_enough(name):
        ways["une faute de frappe"] = typo(name, rng).lower()
        ways["préfixe, sans accents, une faute"] = "mairie " + with_de(no_accents(typo(name, rng)))
    return ways


EPCI_LONG = {
    "CC": "communauté de communes",
    "CA": "communauté d'agglomération",
    "CU": "communauté urbaine",
    "METRO": "métropole",
    "MET69": "métropole",
}


def epci_core(name: str) -> str:
    """The name without its type, by simple text rules ("CA de Chaumont" -> "Chaumont")."""
    core = name
    for prefix in ("CC ", "CA ", "CU ", "Métropole ", "Eurométropole "):
        if core.startswith(prefix):
            core = core[len(prefix) :]
    for suffix in (" Métropole", " Agglomération", "-Métropole"):
        if core.endswith(suffix):
            core = core[: -len(suffix)]
    for link in ("de la ", "de l'", "du ", "des ", "de ", "d'"):
        if core.startswith(link):
            return core[len(link) :] if link != "de la " else "La " + core[len(link) :]
    return core


def epci_ways(authority: Authority, rng: random.Random) -> dict[str, str]:
    name, kind = authority.name, authority.kind
    core = epci_core(name)
    long_type = EPCI_LONG[kind]
    ways = {
        "nom officiel": name,
        "minuscules, sans accents": no_accents(name).lower(),
        "type en toutes lettres": f"{long_type} {with_de(core)}",
        "type abrégé": f"{kind if kind in ('CC', 'CA', 'CU') else 'métropole'} {core}".lower(),
    }
    if kind == "CA":
        ways["agglo"] = rng.choice([f"agglo {with_de(core)}", f"{core} agglo"])
    if long_enough(core):
        ways["une faute de frappe"] = no_accents(f"{long_type} {with_de(typo(core, rng))}").lower()
    return ways


# --- measures ---------------------------------------------------------------------------


@dataclass
class Lookup:
    kind: str  # "commune" or "EPCI"
    way: str
    text: str
    target: Authority
    first: bool
    found: bool
    ms: float
    instead: str = ""  # the first candidate, when it is another authority
    other_name: bool = False  # what was typed is exactly another authority's name


def timed(function: Callable, *args) -> tuple[object, float]:
    started = time.perf_counter_ns()
    result = function(*args)
    return result, (time.perf_counter_ns() - started) / 1e6


def recognition(index: AuthorityIndex, rng: random.Random) -> list[Lookup]:
    communes = [a for a in index.authorities if a.is_commune]
    epcis = [a for a in index.authorities if not a.is_commune]
    lookups = []
    for kind, drawn, ways in (
        ("commune", rng.sample(communes, COMMUNES), lambda a: commune_ways(a.name, rng)),
        ("EPCI", rng.sample(epcis, EPCIS), lambda a: epci_ways(a, rng)),
    ):
        for authority in drawn:
            for way, text in ways(authority).items():
                candidates, ms = timed(find, index, text)
                tied = [candidate.authority for candidate in homonyms(candidates)]
                first = bool(candidates) and candidates[0].authority == authority
                lookup = Lookup(kind, way, text, authority, first, authority in tied, ms)
                if candidates and not lookup.found:
                    best = candidates[0]
                    lookup.instead = f"{best.authority.name} ({best.authority.departement_code})"
                    lookup.other_name = best.score >= LOOSE
                lookups.append(lookup)
    return lookups


def other_answers(path: Path) -> list[tuple[str, str]]:
    """(question id, text) of the answers to the questions other than the name."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        (str(item["question"]), str(item["text"])) for item in items if item.get("question") != NAME_QUESTION
    ]


def proposed_in_conversation(index: AuthorityIndex, answers: list[tuple[str, str]]) -> int:
    """How many answers, each typed at its own question, make the engine propose an authority.

    Each answer is played as the actions play a typed turn (in context first, then as an
    answer), with the classifier sure it is an answer and, again, unsure it is small talk.
    """
    engine = DiagnosticConversation(
        store=DiagnosticStore.from_url("sqlite://"),
        questionnaire=default_questionnaire(),
        catalogue=default_catalogue(),
        messages=default_messages(),
        report_url=report_url("http://bench.invalid"),
        lookup=IndexLookup(index),
    )
    proposed = 0
    for number, (question_id, text) in enumerate(answers):
        raised = False
        for turn, intent in enumerate(("answer", "out_of_scope")):
            sender = f"bench-{number}-{turn}"
            engine.start(sender)
            record = engine.store.latest_for_sender(sender)
            engine.store.update_state(record.id, current_question_id=question_id)
            replies = engine.in_context(sender, text, intent, 0.5)
            if replies is None and intent == "answer":
                replies = engine.answer(sender, text)
            buttons = [payload for reply in replies or [] for _, payload in reply.buttons]
            raised = raised or any(AUTHORITY_CHOICE in payload for payload in buttons)
        proposed += raised
    return proposed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def fr(value: float, digits: int) -> str:
    """A number written the French way: 0,997 ; 34 969."""
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def rate(part: int, whole: int) -> str:
    return fr(part / whole, 3) if whole else "—"


def ms(value: float) -> str:
    return fr(value, 2)


def write_report(figures: dict, lookups: list[Lookup], holdout_alarms: list[tuple[str, str]]) -> str:
    found = sum(lookup.found for lookup in lookups)
    times = [lookup.ms for lookup in lookups]
    lines = [
        "# Reconnaissance des collectivités (issue 13)",
        "",
        "Produit par `make bench-authorities` (`scripts/bench_authorities.py`) : ne pas modifier à la main.",
        "",
        f"Découpage administratif : `{figures['source']}` {figures['version']} "
        f"({fr(figures['communes'], 0)} communes, {fr(figures['epcis'], 0)} EPCI). "
        f"Tirage au hasard avec la graine {SEED} : {COMMUNES} communes et {EPCIS} EPCI, chacun tapé "
        "de toutes les façons générées ci-dessous. Une recherche est **réussie** quand la "
        "collectivité vient en premier ou parmi les homonymes (les candidats qui partagent le "
        "meilleur score, entre lesquels l'assistant fera choisir).",
        "",
        "## Résumé",
        "",
        "| mesure | valeur | objectif |",
        "|---|---|---|",
        f"| reconnaissance (premier ou parmi les homonymes), {fr(len(lookups), 0)} recherches | "
        f"**{rate(found, len(lookups))}** | ≥ {fr(TARGET_RATE, 2)} |",
        f"| collectivités tirées reconnues de toutes les façons | {figures['all_ways']} | |",
        f"| fausses alertes dans la conversation (chaque réponse à sa question), réponses tenues à "
        f"part (`tests/nlu_holdout/`) | **{figures['holdout_proposed']} / {figures['holdout']}** | 0 |",
        f"| fausses alertes dans la conversation, jeu aveugle (`tests/nlu_blind/`, compté seulement) | "
        f"**{figures['blind_proposed']} / {fr(figures['blind'], 0)}** | 0 |",
        f"| plus sévère : chaque réponse lue comme le premier message d'une conversation (repérage), "
        f"tenues à part / aveugle | {len(holdout_alarms)} / {figures['holdout']} ; "
        f"{figures['blind_alarms']} / {fr(figures['blind'], 0)} | |",
        f"| temps par recherche : médiane / p95 / max | **{ms(statistics.median(times))} / "
        f"{ms(percentile(times, 0.95))} / {ms(max(times))} ms** | < {TARGET_MS:g} ms |",
        f"| repérage dans une réponse (spotter) : médiane / p95 | {ms(figures['spot_median'])} / "
        f"{ms(figures['spot_p95'])} ms | |",
        f"| mémoire de l'index (tracemalloc) | **{fr(figures['index_mb'], 1)} Mo** | |",
        f"| construction de l'index | {fr(figures['build_s'], 1)} s | |",
        f"| lecture du paquet npm / chargement dans SQLite (insertion groupée) | "
        f"{fr(figures['read_s'], 1)} s / {fr(figures['load_s'], 1)} s | |",
        "",
        "## Par façon de taper",
        "",
        "| collectivité | façon | recherches | premier | premier ou homonyme | médiane (ms) | p95 (ms) |",
        "|---|---|---|---|---|---|---|",
    ]
    groups: dict[tuple[str, str], list[Lookup]] = {}
    for lookup in lookups:
        groups.setdefault((lookup.kind, lookup.way), []).append(lookup)
    for (kind, way), group in groups.items():
        group_times = [lookup.ms for lookup in group]
        lines.append(
            f"| {kind} | {way} | {len(group)} | {rate(sum(g.first for g in group), len(group))} | "
            f"{rate(sum(g.found for g in group), len(group))} | {ms(statistics.median(group_times))} | "
            f"{ms(percentile(group_times, 0.95))} |"
        )
    misses = [lookup for lookup in lookups if not lookup.found]
    lines += ["", f"## Recherches manquées ({len(misses)})", ""]
    if misses:
        lines += [
            f"Dont {sum(lookup.other_name for lookup in misses)} où la faute de frappe donne exactement le "
            "nom (officiel ou sans article) d'une autre commune, qui passe alors avant : l'assistant "
            "demandera confirmation et la personne corrigera.",
            "",
            "| tapé | attendu | trouvé à la place | façon |",
            "|---|---|---|---|",
        ]
        for lookup in misses[:40]:
            target = lookup.target
            lines.append(
                f"| `{lookup.text}` | {target.name} ({target.kind}, {target.departement_code}) | "
                f"{lookup.instead or '—'} | {lookup.way} |"
            )
        if len(misses) > 40:
            lines.append(f"| … | {len(misses) - 40} de plus | | |")
    else:
        lines.append("Aucune.")
    lines += [
        "",
        "## Fausses alertes sur les réponses tenues à part",
        "",
        "Dans la conversation, le repérage ne tourne qu'au premier message et à la question du nom : "
        "une réponse envoyée à une autre question n'est jamais lue comme un nom (mesuré ci-dessus "
        "sur chaque réponse, jouée par le moteur à sa question, l'intention « réponse » sûre puis "
        "« hors sujet » incertaine). La mesure plus sévère lit chaque réponse comme si elle ouvrait "
        "la conversation ; ses alertes tenues à part :",
        "",
    ]
    if holdout_alarms:
        lines += ["| réponse | nom repéré |", "|---|---|"]
        lines += [f"| {text} | {spotted} |" for text, spotted in holdout_alarms]
    else:
        lines.append(
            "Aucune : le repérage ne propose de collectivité dans aucune réponse aux autres questions. "
            "Les réponses du jeu aveugle ne sont ni lues ni affichées : seul leur nombre est compté."
        )
    lines += [
        "",
        "## Ce que le repérage demande",
        "",
        "Hors de la question du nom, un nom n'est repéré qu'après un indice (« à », « au », « mairie "
        "de », « commune de », « CC », « agglo », « métropole »…, ou « de », « d' », « du » juste "
        "après une fonction : « DGS de Sens »), là où la personne dit qui elle est (après une "
        "fonction, « je suis », « nous sommes », « je travaille »…, dans la même proposition, ou en "
        "tête de message sauf pour un simple « à »), tel "
        "qu'il est écrit dans le découpage (sans faute ni nom partiel), et avec une majuscule ou des "
        "tirets (dans un message tout en capitales, seuls les tirets comptent) : « bonjour, je suis "
        "DST à Uzès » est repéré ; « une commune de montagne », « le réseau d'Orange », « à partir "
        "de Mars » ou « on s'est inspiré de ce qu'a fait Angers » ne le sont pas. À la question du "
        "nom, la réponse est lue entière, sans ces exigences.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", help="paquet npm (défaut : le plus récent de var/npm-cache/)")
    parser.add_argument("--output", default=str(OUTPUT))
    args = parser.parse_args(argv)

    pack = Path(args.pack) if args.pack else find_pack()
    started = time.perf_counter()
    division = read_pack(pack)
    read_s = time.perf_counter() - started
    engine = make_engine("sqlite://")
    migrate(engine)
    started = time.perf_counter()
    load_division(engine, division)
    load_s = time.perf_counter() - started
    stored = read_division(engine)
    engine.dispose()

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    index = AuthorityIndex(stored)
    build_s = time.perf_counter() - started
    index_mb = (tracemalloc.get_traced_memory()[0] - before) / 1e6
    tracemalloc.stop()

    lookups = recognition(index, random.Random(SEED))
    by_target: dict[int, bool] = {}
    for lookup in lookups:
        by_target[id(lookup.target)] = by_target.get(id(lookup.target), True) and lookup.found

    spot_times: list[float] = []

    def alarms(answers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        raised = []
        for _, text in answers:
            spotted, spent = timed(spot, index, text)
            spot_times.append(spent)
            if spotted:
                raised.append((text, ", ".join(s.text for s in spotted)))
        return raised

    holdout = other_answers(HOLDOUT)
    holdout_alarms = alarms(holdout)
    blind = other_answers(BLIND)
    blind_alarms = len(alarms(blind))  # counted only: the blind items are never shown
    holdout_proposed = proposed_in_conversation(index, holdout)
    blind_proposed = proposed_in_conversation(index, blind)

    figures = {
        "source": division.source,
        "version": division.version,
        "communes": len(division.communes),
        "epcis": len(division.epcis),
        "all_ways": f"{sum(by_target.values())} / {len(by_target)}",
        "holdout": len(holdout),
        "blind": len(blind),
        "blind_alarms": blind_alarms,
        "holdout_proposed": holdout_proposed,
        "blind_proposed": blind_proposed,
        "spot_median": statistics.median(spot_times),
        "spot_p95": percentile(spot_times, 0.95),
        "index_mb": index_mb,
        "build_s": build_s,
        "read_s": read_s,
        "load_s": load_s,
    }
    report = write_report(figures, lookups, holdout_alarms)
    Path(args.output).write_text(report, encoding="utf-8")

    found = sum(lookup.found for lookup in lookups)
    times = [lookup.ms for lookup in lookups]
    kinds = Counter(lookup.kind for lookup in lookups)
    print(
        f"Reconnaissance : {found}/{len(lookups)} = {found / len(lookups):.3f} "
        f"({kinds['commune']} recherches de communes, {kinds['EPCI']} d'EPCI) ; "
        f"fausses alertes dans la conversation : {holdout_proposed}/{len(holdout)} (tenues à part), "
        f"{blind_proposed}/{len(blind)} (aveugle) ; comme premier message : "
        f"{len(holdout_alarms)}/{len(holdout)}, {blind_alarms}/{len(blind)} ; "
        f"temps médian {statistics.median(times):.2f} ms, p95 {percentile(times, 0.95):.2f} ms ; "
        f"index {index_mb:.1f} Mo. Rapport : {args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
