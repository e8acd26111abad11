"""`make bench-reliability`: every fault of tests/faults/, many times, with random timing (issue 11).

It starts the supervised stack (deploy/supervisord.conf, as `make run`, through
tests/faults/stack.py) in a temporary folder, then runs each fault ``--runs`` times (20 by
default). Each run is a new user, through the door (``POST /api/messages``): a random number of
answers before the fault, a random delay inside it, the user retrying as a person would until
the answer is taken, one more answer after it; then the stored diagnostic is read back
(``python -m bot export``). The report, benchmarks/reliability.md (in French), gives for each
fault: the runs, what the user saw (each kind of reply, counted), the answers lost, stored twice
or under another question (all must be 0) and the time to recover (median, max).

Faults are a registry: one small function per fault, decorated with :func:`fault`, which drives
:class:`User` objects (made by ``ctx.user()``; every one is checked after the run) and sets
``ctx.outcome.recovery``. A fault that needs another configuration of the stack names an entry
of :data:`STACKS` (``redis``: Rasa's locks in Redis). Timings are measured, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import resource
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.faults.stack import (  # noqa: E402
    RESTART_DEADLINE,
    START_DEADLINE,
    Stack,
    forget_lock_keys,
    lock_tickets,
    process_tree,
    question_of,
    redis_lock_env,
    redis_url_for_tests,
    stack_env,
    supervised_stack,
)
from tests.servers import MODEL  # noqa: E402

REPORT = ROOT / "benchmarks" / "reliability.md"
DEFAULT_RUNS = 20
# What the user types at each question (a different text each, so that an answer filed under
# another question shows); the first five are the fault tests' (tests/faults/test_action_server.py).
ANSWERS = {
    "type_collectivite": "une commune",
    "nom_collectivite": "Saint-Martin-sur-Loire",
    "population": "environ douze mille habitants",
    "nombre_agents": "à peu près 180 agents",
    "role_repondant": "je suis DST",
    "strategie_projet_formalise": "oui",
    "strategie_portage_politique": "en partie",
    "strategie_services_impliques": "non",
}
MAX_ANSWERED_BEFORE = 4  # the fault strikes at one of the first five questions, one more follows
ACCEPTED = "question suivante"


# Runs and their outcome ---------------------------------------------------------------------


@dataclass
class Outcome:
    seen: Counter[str] = field(default_factory=Counter)  # what the user saw, from the fault on
    facts: Counter[str] = field(default_factory=Counter)  # what the fault checked besides
    timings: dict[str, float] = field(default_factory=dict)  # other durations (s)
    recovery: float | None = None  # s, as the fault defines it
    lost: int = 0
    duplicated: int = 0
    misfiled: int = 0
    error: str | None = None  # the run could not go to its end


def reply_kind(reply: httpx.Response | Exception, position: int | None) -> str:
    """One line for what the user saw; ``position``: the question being answered."""
    if isinstance(reply, httpx.TimeoutException):
        return "pas de réponse du site (délai dépassé)"
    if isinstance(reply, Exception):
        return f"site injoignable ({type(reply).__name__})"
    try:
        body = reply.json()
    except ValueError:
        return f"{reply.status_code}, réponse illisible"
    if reply.status_code != 200:
        return f"{reply.status_code} {body.get('error')} : « {body.get('message')} »"
    question = question_of(body.get("messages", []))
    if question is None:
        texts = [m.get("text") for m in body.get("messages", []) if m.get("text")]
        return f"200 sans question : « {texts[0][:160] if texts else ''} »"
    if position is not None and question.get("position") == position + 1:
        return ACCEPTED
    if position is not None and question.get("position") == position:
        return "la même question, reposée"
    return f"une autre question ({question.get('question_id')}) : ERREUR"


class User:
    """One conversation through the door; knows what it typed, checks what was stored."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.sender: str | None = None
        self.question: dict[str, Any] | None = None
        self.given: dict[str, str] = {}  # question id -> text, for every answer taken
        self.last_duration = 0.0  # s: how long the door took to answer the last message

    def start(self) -> None:
        self.sender, _ = self.ctx.stack.say(None, "Bonjour")
        self.sender, messages = self.ctx.stack.say(self.sender, "on commence")
        self.question = question_of(messages)
        assert self.question is not None, messages

    @property
    def typed(self) -> str:
        assert self.question is not None
        return ANSWERS[self.question["question_id"]]

    def post(self, timeout: float = 60) -> httpx.Response | Exception:
        started = time.monotonic()
        try:
            return self.ctx.stack.post(self.sender, self.typed, timeout=timeout)
        except httpx.HTTPError as error:
            return error
        finally:
            self.last_duration = time.monotonic() - started

    def took(self, reply: httpx.Response | Exception, record: bool = True) -> bool:
        """Reads a reply to the current answer: True when it was taken (the next question came)."""
        assert self.question is not None
        kind = reply_kind(reply, self.question.get("position"))
        if record:
            self.ctx.outcome.seen[kind] += 1
        shown = None
        if isinstance(reply, httpx.Response) and reply.status_code == 200:
            shown = question_of(reply.json().get("messages", []))
        if kind == ACCEPTED:
            self.given[self.question["question_id"]] = self.typed
        if shown is not None:
            self.question = shown  # the user answers what is on the screen (checked at the end)
        return kind == ACCEPTED

    def answer(self, times: int = 1) -> None:
        """Answers on a healthy stack (not counted in what the user saw)."""
        for _ in range(times):
            reply = self.post()
            assert self.took(reply, record=False), reply_kind(reply, self.question.get("position"))

    def answer_until_taken(self, deadline: float, every: float) -> float:
        """Answers, then again every ``every`` s until taken; the moment (monotonic) it was."""
        started = time.monotonic()
        while True:
            if self.took(self.post()):
                return time.monotonic()
            if time.monotonic() - started > deadline:
                raise AssertionError(f"answer not taken after {deadline} s")
            time.sleep(every)

    def check(self) -> None:
        """Counts the answers lost, stored twice and stored under another question."""
        exported = self.ctx.stack.export(self.sender)
        stored = exported["answers"]
        outcome = self.ctx.outcome
        for question_id, typed in self.given.items():
            if question_id not in stored or stored[question_id]["raw_text"] != typed:
                outcome.lost += 1
        for question_id, answer in stored.items():
            outcome.duplicated += len(answer.get("revisions") or [])
            if answer["raw_text"] != ANSWERS.get(question_id):
                outcome.misfiled += 1


@dataclass
class Context:
    stack: Stack
    rng: random.Random
    outcome: Outcome = field(default_factory=Outcome)
    users: list[User] = field(default_factory=list)

    def user(self) -> User:
        user = User(self)
        self.users.append(user)
        return user

    def answered_before(self) -> int:
        return self.rng.randint(0, MAX_ANSWERED_BEFORE)


# The registry of faults -----------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    name: str
    title: str  # French, for the report
    recovery: str  # what its time to recover measures (French)
    stack: str  # an entry of STACKS
    run: Callable[[Context], None]


FAULTS: dict[str, Fault] = {}


def fault(name: str, title: str, recovery: str, stack: str = "memoire") -> Callable:
    def register(function: Callable[[Context], None]) -> Callable[[Context], None]:
        FAULTS[name] = Fault(name, title, recovery, stack, function)
        return function

    return register


# Each stack: its overrides of tests/faults/stack.py's environment, and a line for the report.
STACKS: dict[str, tuple[Callable[[], dict[str, str]], str]] = {
    "memoire": (dict, "verrous de Rasa en mémoire (défaut embarqué)"),
    "redis": (
        lambda: redis_lock_env(redis_url_for_tests()),
        "verrous de Rasa dans Redis (`LOCK_STORE_URL`), durée de vie d'un ticket 600 s au lieu de "
        "15 s : le ticket du Rasa tué est encore valable à son retour, seul le rendu des verrous "
        "des processus morts (`channels/lock_store.py`) peut libérer la conversation à temps",
    ),
}


@fault(
    "actions",
    "serveur d'actions tué (SIGKILL) au milieu d'un diagnostic",
    "de la mort du serveur à la réponse acceptée (l'utilisateur réessaie toutes les 0,5 s)",
)
def action_server_killed(ctx: Context) -> None:
    user = ctx.user()
    user.start()
    user.answer(ctx.answered_before())
    killed = ctx.stack.kill("actions")
    at = time.monotonic()
    time.sleep(ctx.rng.uniform(0, 4))  # the user answers before or after the supervisor restarts it
    taken = user.answer_until_taken(RESTART_DEADLINE, every=0.5)
    ctx.outcome.recovery = taken - at
    ctx.stack.wait_up("actions", RESTART_DEADLINE, old_pid=killed)
    user.answer()


def rasa_killed_in_a_turn(ctx: Context, locks_in_redis: bool) -> None:
    """Rasa killed while it holds the conversation's lock (the action server paused meanwhile)."""
    user = ctx.user()
    user.start()
    user.answer(ctx.answered_before())
    actions = ctx.stack.kill("actions", signal.SIGSTOP)
    replies: list[httpx.Response | Exception] = []
    in_flight = threading.Thread(target=lambda: replies.append(user.post()))
    in_flight.start()
    if locks_in_redis:
        held = wait_for(lambda: lock_tickets(ctx.stack, user.sender), 30, "Rasa took no lock")
    time.sleep(ctx.rng.uniform(0.5, 3))  # Rasa waits for the paused action server, lock held
    rasa = ctx.stack.kill("rasa")
    ctx.stack.kill("actions")  # the paused call dies with it, never carried out
    at = time.monotonic()
    in_flight.join(timeout=120)
    assert replies, "the door did not answer the message in flight"
    user.took(replies[0])
    ctx.stack.wait_up("actions", RESTART_DEADLINE, old_pid=actions)
    time.sleep(ctx.rng.uniform(0, 5))
    taken = user.answer_until_taken(START_DEADLINE, every=2)
    ctx.outcome.recovery = taken - at
    ctx.outcome.timings["durée du message accepté après la reprise"] = user.last_duration
    ctx.stack.wait_up("rasa", 10, old_pid=rasa)
    if locks_in_redis:
        log = (ctx.stack.log_dir / "rasa.log").read_text(errors="replace")
        if f"le processus {held[0]['owner']} qui le tenait est mort" in log:
            ctx.outcome.facts["verrou du Rasa tué rendu par le Rasa redémarré"] += 1
    user.answer()


@fault(
    "rasa-memoire",
    "serveur Rasa tué (SIGKILL) pendant un message, verrou de la conversation pris ; verrous en mémoire",
    "de la mort de Rasa à la réponse acceptée (l'utilisateur réessaie toutes les 2 s ; "
    "Rasa recharge son modèle)",
)
def rasa_killed_locks_in_memory(ctx: Context) -> None:
    rasa_killed_in_a_turn(ctx, locks_in_redis=False)


@fault(
    "rasa-redis",
    "serveur Rasa tué (SIGKILL) pendant un message, verrou de la conversation pris ; verrous dans Redis",
    "de la mort de Rasa à la réponse acceptée (l'utilisateur réessaie toutes les 2 s ; "
    "Rasa recharge son modèle)",
    stack="redis",
)
def rasa_killed_locks_in_redis(ctx: Context) -> None:
    rasa_killed_in_a_turn(ctx, locks_in_redis=True)


@fault(
    "base-conversations",
    "base des conversations de Rasa en panne (fichier SQLite verrouillé par un autre écrivain)",
    "de la fin de la panne au retour de `tracker_store: ok` dans `/api/health`",
)
def tracker_store_failing(ctx: Context) -> None:
    user = ctx.user()
    user.start()
    user.answer(ctx.answered_before())
    writer = sqlite3.connect(ctx.stack.tracker_db, timeout=1, isolation_level=None)
    try:
        writer.execute("BEGIN EXCLUSIVE")
        time.sleep(ctx.rng.uniform(0, 2))
        user.answer_until_taken(120, every=1)  # during the fault
        if wait_for(lambda: health(ctx.stack).get("tracker_store") == "en_panne", 10, None):
            ctx.outcome.facts["panne signalée par /api/health (« en_panne »)"] += 1
        time.sleep(ctx.rng.uniform(0, 3))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    at = time.monotonic()
    user.answer_until_taken(120, every=1)
    wait_for(lambda: health(ctx.stack).get("tracker_store") == "ok", 60, "the health did not come back")
    ctx.outcome.recovery = time.monotonic() - at


@fault(
    "base-diagnostics",
    "base des diagnostics verrouillée par un autre écrivain (SQLite, `BEGIN EXCLUSIVE` de 0 à 12 s)",
    "de la fin du verrou à la réponse acceptée (l'utilisateur réessaie toutes les secondes)",
)
def diagnostic_store_locked(ctx: Context) -> None:
    user = ctx.user()
    user.start()
    user.answer(ctx.answered_before())
    database = Path(ctx.stack.env["DIAGNOSTIC_DATABASE_URL"].removeprefix("sqlite:///"))
    holder = sqlite3.connect(database, isolation_level=None)
    replies: list[httpx.Response | Exception] = []
    try:
        holder.execute("BEGIN EXCLUSIVE")
        in_flight = threading.Thread(target=lambda: replies.append(user.post()))
        in_flight.start()
        time.sleep(ctx.rng.uniform(0, 12))  # shorter or longer than the store's 5 s busy timeout
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    at = time.monotonic()
    in_flight.join(timeout=120)
    assert replies, "the door did not answer the message in flight"
    if not user.took(replies[0]):
        user.answer_until_taken(60, every=1)
    ctx.outcome.recovery = time.monotonic() - at
    user.answer()


@fault(
    "disque-plein",
    "disque plein pour le serveur d'actions (`RLIMIT_FSIZE` à 0 : aucune écriture de fichier) "
    "pendant 0 à 6 s",
    "de la place rendue à la réponse acceptée (l'utilisateur réessaie toutes les secondes)",
)
def disk_full(ctx: Context) -> None:
    user = ctx.user()
    user.start()
    user.answer(ctx.answered_before())
    writers = process_tree(ctx.stack.info("actions")["pid"])
    limits = {writer: resource.prlimit(writer, resource.RLIMIT_FSIZE) for writer in writers}
    try:
        for writer, (_, hard) in limits.items():
            resource.prlimit(writer, resource.RLIMIT_FSIZE, (0, hard))
        user.took(user.post())  # during the fault
        time.sleep(ctx.rng.uniform(0, 6))
    finally:
        for writer, limit in limits.items():
            with contextlib.suppress(ProcessLookupError):
                resource.prlimit(writer, resource.RLIMIT_FSIZE, limit)
    at = time.monotonic()
    user.answer_until_taken(60, every=1)
    ctx.outcome.recovery = time.monotonic() - at
    user.answer()


@fault(
    "onglets",
    "deux onglets répondent en même temps à la même question, puis le même message envoyé deux fois "
    "à la fois (double clic)",
    "sans objet (aucune panne de service) : durée du plus lent des deux envois",
)
def two_tabs_and_a_double_click(ctx: Context) -> None:
    user = ctx.user()
    user.start()
    user.answer(ctx.answered_before())
    assert user.question is not None
    question_id = user.question["question_id"]
    # Two tabs: the same question answered at once, each with its question id and message id.
    bodies = [
        {"sender": user.sender, "message": ANSWERS[question_id], "question_id": question_id,
         "message_id": f"onglet-{tab}-{ctx.rng.getrandbits(64):016x}"}
        for tab in (1, 2)
    ]  # fmt: skip
    replies = at_once(ctx.stack.door_url, bodies, jitter=lambda: ctx.rng.uniform(0, 0.05))
    taken = [user.took(reply) for reply in replies]
    ctx.outcome.facts[f"réponses acceptées sur les deux onglets : {sum(taken)}"] += 1
    sent = [reply.elapsed.total_seconds() for reply in replies if isinstance(reply, httpx.Response)]
    ctx.outcome.recovery = max(sent) if sent else None
    # A double send (a double click, or a retry racing the first try): the next answer twice
    # at once, with the same message id.
    assert user.question is not None
    body = {
        "sender": user.sender, "message": user.typed, "question_id": user.question["question_id"],
        "message_id": f"double-{ctx.rng.getrandbits(64):016x}",
    }  # fmt: skip
    doubled = at_once(ctx.stack.door_url, [body, body], jitter=lambda: ctx.rng.uniform(0, 0.05))
    position = user.question.get("position")
    kinds = [reply_kind(reply, position) for reply in doubled]
    ctx.outcome.facts[
        f"double envoi : {kinds.count(ACCEPTED)} réponse(s) « question suivante » sur 2 "
        "(la même, rendue deux fois ; enregistrée une fois, voir « en double »)"
    ] += 1
    for reply in doubled:
        user.took(reply, record=False)
    ctx.outcome.seen.update(kinds)


def at_once(
    door_url: str, bodies: list[dict[str, Any]], jitter: Callable[[], float]
) -> list[httpx.Response | Exception]:
    """Posts the bodies to the door from as many threads, released together (each after a jitter)."""
    barrier = threading.Barrier(len(bodies))
    results: list[httpx.Response | Exception] = [RuntimeError("not sent")] * len(bodies)

    def send(index: int, body: dict[str, Any]) -> None:
        barrier.wait()
        time.sleep(jitter())
        try:
            results[index] = httpx.post(f"{door_url}/api/messages", json=body, timeout=60)
        except httpx.HTTPError as error:
            results[index] = error

    threads = [threading.Thread(target=send, args=pair) for pair in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


# Helpers ------------------------------------------------------------------------------------------


def wait_for(check: Callable[[], Any], deadline: float, failure: str | None) -> Any:
    """``check()``'s first true value within ``deadline`` s; else raises ``failure`` (None: returns it)."""
    started = time.monotonic()
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() - started > deadline:
            if failure is None:
                return value
            raise AssertionError(failure)
        time.sleep(0.25)


def health(stack: Stack) -> dict[str, Any]:
    try:
        return httpx.get(f"{stack.door_url}/api/health", timeout=10).json()
    except (httpx.HTTPError, ValueError):
        return {}


def run_once(stack: Stack, chosen: Fault, rng: random.Random) -> Outcome:
    ctx = Context(stack=stack, rng=rng)
    try:
        chosen.run(ctx)
    except Exception as error:  # the run is reported as failed, the benchmark goes on
        ctx.outcome.error = f"{type(error).__name__}: {error}".splitlines()[0][:300]
        traceback.print_exc()
    finally:
        # Whatever happened, the stack is whole again before the answers are read back.
        resume_paused(stack)
        stack.wait_all_up(START_DEADLINE)
    for user in ctx.users:
        if user.sender is not None:
            try:
                user.check()
            except Exception as error:
                ctx.outcome.error = ctx.outcome.error or f"lecture du diagnostic : {error}"[:300]
    return ctx.outcome


def resume_paused(stack: Stack) -> None:
    """A run that failed with the action server paused (SIGSTOP) must not leave it so."""
    for name in stack.urls:
        pid = stack.info(name)["pid"]
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


# The report ---------------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cœurs, {platform.system()} {platform.release()}"


def seconds(values: list[float]) -> tuple[str, str]:
    if not values:
        return "–", "–"
    return f"{statistics.median(values):.1f} s", f"{max(values):.1f} s"


def report(results: dict[str, list[Outcome]], args: argparse.Namespace, seed: int, minutes: float) -> str:
    lines = [
        "# Fiabilité : pannes provoquées et reprise",
        "",
        f"- date : {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, durée {minutes:.0f} min",
        f"- machine : {machine()} ; charge moyenne au départ : {args.load_before}",
        f"- {args.runs} passages par panne, graine {seed} (`--seed {seed}` rejoue les mêmes tirages)",
        "- la pile de `make run` (supervisord, `deploy/supervisord.conf`) lancée par "
        "`tests/faults/stack.py`, sur le modèle entraîné ; chaque passage : un nouvel utilisateur "
        f"qui passe par le site, 0 à {MAX_ANSWERED_BEFORE} réponses (au hasard) avant la panne, "
        "un délai au hasard dans la panne, l'utilisateur qui réessaie jusqu'à ce que sa réponse "
        "soit prise, puis une réponse de plus ; enfin le diagnostic enregistré est relu "
        "(`python -m bot export`)",
        "",
        "| panne | passages | échecs | réponses perdues | en double | sous une autre question "
        "| reprise médiane | reprise max |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, outcomes in results.items():
        chosen = FAULTS[name]
        median, worst = seconds([o.recovery for o in outcomes if o.recovery is not None])
        lines.append(
            f"| {chosen.title} | {len(outcomes)} | {sum(o.error is not None for o in outcomes)} "
            f"| {sum(o.lost for o in outcomes)} | {sum(o.duplicated for o in outcomes)} "
            f"| {sum(o.misfiled for o in outcomes)} | {median} | {worst} |"
        )
    lines += [
        "",
        "Réponses perdues : prises (la question suivante est venue) mais absentes du diagnostic "
        "enregistré. En double : enregistrées plus d'une fois (révisions). Sous une autre "
        "question : un texte enregistré sous une question à laquelle il ne répondait pas. "
        "Les trois doivent rester à 0.",
    ]
    for name, outcomes in results.items():
        chosen = FAULTS[name]
        lines += ["", f"## {chosen.title}", "", f"- pile : {STACKS[chosen.stack][1]}"]
        lines.append(f"- reprise : {chosen.recovery}")
        seen: Counter[str] = Counter()
        facts: Counter[str] = Counter()
        timings: dict[str, list[float]] = {}
        for outcome in outcomes:
            seen.update(outcome.seen)
            facts.update(outcome.facts)
            for label, value in outcome.timings.items():
                timings.setdefault(label, []).append(value)
        for label, count in facts.items():
            lines.append(f"- {label} : {count} passages sur {len(outcomes)}")
        for label, values in timings.items():
            median, worst = seconds(values)
            lines.append(f"- {label} : médiane {median}, max {worst}")
        errors = [o.error for o in outcomes if o.error]
        for error in errors:
            lines.append(f"- échec : {error}")
        lines += ["", "| ce qu'a vu l'utilisateur (à partir de la panne) | fois |", "|---|---:|"]
        for kind, count in seen.most_common():
            lines.append(f"| {kind.replace('|', '/')} | {count} |")
    lines += ["", "Commande : `make bench-reliability` (`scripts/bench_reliability.py --help`).", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="passages par panne (défaut 20)")
    parser.add_argument("--seed", type=int, default=None, help="graine des tirages (défaut : au hasard)")
    parser.add_argument("--faults", nargs="*", choices=sorted(FAULTS), help="seulement ces pannes")
    parser.add_argument("--out", type=Path, default=REPORT, help="le rapport (benchmarks/reliability.md)")
    args = parser.parse_args()
    if not MODEL.exists():
        print("Pas de modèle entraîné : lancez `make train`.", file=sys.stderr)
        return 1
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    rng = random.Random(seed)
    args.load_before = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    chosen = [FAULTS[name] for name in (args.faults or FAULTS)]
    results: dict[str, list[Outcome]] = {f.name: [] for f in chosen}
    started = time.monotonic()
    for stack_name, (overrides, _) in STACKS.items():
        faults = [f for f in chosen if f.stack == stack_name]
        if not faults:
            continue
        with tempfile.TemporaryDirectory(prefix=f"bench-reliability-{stack_name}-") as folder:
            path = Path(folder)
            print(f"Pile « {stack_name} » : démarrage (Rasa charge son modèle)…", flush=True)
            env = stack_env(path, **overrides())
            with supervised_stack(path, env) as stack:
                for each in faults:
                    for number in range(1, args.runs + 1):
                        outcome = run_once(stack, each, rng)
                        results[each.name].append(outcome)
                        recovery = f"{outcome.recovery:.1f} s" if outcome.recovery is not None else "–"
                        print(
                            f"[{each.name} {number}/{args.runs}] reprise {recovery}, perdues {outcome.lost}, "
                            f"en double {outcome.duplicated}, ailleurs {outcome.misfiled}"
                            + (f", ÉCHEC {outcome.error}" if outcome.error else "")
                            + f" ; vu : {dict(outcome.seen)}",
                            flush=True,
                        )
            forget_lock_keys(env)
    text = report(results, args, seed, (time.monotonic() - started) / 60)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"\nRapport : {args.out}")
    bad = sum(o.lost + o.duplicated + o.misfiled for outcomes in results.values() for o in outcomes)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
