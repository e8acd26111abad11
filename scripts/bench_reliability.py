"""`make bench-reliability`: every fault of tests/faults/, many times, with random timing (issue 11).

It starts the supervised stack (deploy/supervisord.conf, as `make run`, through
tests/faults/stack.py) in a temporary folder, then runs each fault ``--runs`` times (20 by
default). Each run is a new user, through the door (``POST /api/messages``): a random number of
answers before the fault, a random delay inside it, the user retrying as a person would until
the answer is taken, one more answer after it; then the stored diagnostic is read back
(``python -m bot export``). The report, benchmarks/reliability.md (in French), gives for each
fault: the runs, what the user saw (each kind of reply, counted), the answers lost, stored twice
or under another question (all must be 0) and the time to recover (median, max).

``--faults a,b`` runs only some faults (the whole benchmark takes over an hour): each fault's
results are kept in benchmarks/reliability.json with the date of its run, and the report is
rendered from it, so that the faults not run again keep their last results.

Faults are a registry: one small function per fault, decorated with :func:`fault`, which drives
:class:`User` objects (made by ``ctx.user()``; every one is checked after the run) and sets
``ctx.outcome.recovery``. A fault that needs another configuration of the stack names an entry
of :data:`STACKS` (``redis``: Rasa's locks in Redis; ``postgres``: the diagnostic database on a
PostgreSQL server of the benchmark's own; ``lent``: the door in front of a slow Rasa). Timings
are measured, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from bot.messages import default_messages  # noqa: E402
from bot.storage.faults import READ_ONLY, UNREACHABLE  # noqa: E402
from evaluation import machine  # noqa: E402
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
from tests.servers import MODEL, free_port  # noqa: E402
from tests.slow_rasa import SlowRasa  # noqa: E402

REPORT = ROOT / "benchmarks" / "reliability.md"
RESULTS = ROOT / "benchmarks" / "reliability.json"  # each fault's last results, the report's source
START_POSTGRES = ROOT / "scripts" / "start-test-postgres.sh"
SLOW_RASA_SECONDS = 20.0  # the slow Rasa's answers come this late (the door waits 15 s)
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
    """One conversation through the door; knows what it typed, checks what was stored.

    ``widget``: each message carries, as the site's widget sends it, the question it answers and
    a message id (a new one for each message typed; the same one when the widget's
    « Réessayer » sends it again).
    """

    def __init__(self, ctx: Context, widget: bool = False) -> None:
        self.ctx = ctx
        self.widget = widget
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

    def new_message_id(self) -> str:
        return f"bench-{self.ctx.rng.getrandbits(64):016x}"

    def post(self, timeout: float = 60, message_id: str | None = None) -> httpx.Response | Exception:
        """Sends the current answer (``message_id``: the widget's, to send it again)."""
        assert self.question is not None
        started = time.monotonic()
        try:
            if not self.widget:
                return self.ctx.stack.post(self.sender, self.typed, timeout=timeout)
            body = {
                "sender": self.sender, "message": self.typed, "question_id": self.question["question_id"],
                "message_id": message_id or self.new_message_id(),
            }  # fmt: skip
            return httpx.post(f"{self.ctx.stack.door_url}/api/messages", json=body, timeout=timeout)
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
    service: Any = None  # what the fault's stack set up besides (STACKS): a server, a proxy
    outcome: Outcome = field(default_factory=Outcome)
    users: list[User] = field(default_factory=list)

    def user(self, widget: bool = False) -> User:
        user = User(self, widget)
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


# Each stack: what it sets up besides (its overrides of tests/faults/stack.py's environment, and
# a service the faults use, as ``ctx.service``), and a line for the report.
Setup = Callable[[argparse.Namespace], AbstractContextManager[tuple[dict[str, str], Any]]]


@contextlib.contextmanager
def nothing_more(args: argparse.Namespace) -> Iterator[tuple[dict[str, str], Any]]:
    yield {}, None


@contextlib.contextmanager
def locks_in_redis(args: argparse.Namespace) -> Iterator[tuple[dict[str, str], Any]]:
    yield redis_lock_env(redis_url_for_tests()), None


class BenchPostgres:
    """A PostgreSQL server of the benchmark's own, started by scripts/start-test-postgres.sh in a
    temporary folder (the shared test server is never stopped)."""

    def __init__(self, port: int) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bench-reliability-pg-"))
        self.folder.chmod(0o755)  # the server runs as postgres
        data = self.folder / "data"
        self.env = {
            **os.environ, "PGTEST_DATA": str(data), "PGTEST_PORT": str(port),
            "PGTEST_SOCKET_DIR": str(data), "PGTEST_DB": "diagnostic",
        }  # fmt: skip
        self.url = ""

    def _script(self, *args: str) -> str:
        completed = subprocess.run(
            ["bash", str(START_POSTGRES), *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        if completed.returncode != 0:
            raise RuntimeError(f"start-test-postgres.sh {' '.join(args)}: {completed.stderr[-2000:]}")
        return completed.stdout.strip()

    def start(self) -> None:
        self.url = self._script("start")

    def stop(self, mode: str = "immediate") -> None:
        """``immediate``: as a crash, the sessions of the pool are left dead."""
        self._script("stop", mode)

    def set_read_only(self, read_only: bool) -> None:
        """Server-wide, for every session, as an operator would (config reload, no restart)."""
        admin = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql("SET default_transaction_read_only = off")  # this session
                value = "on" if read_only else "DEFAULT"
                connection.exec_driver_sql(f"ALTER SYSTEM SET default_transaction_read_only = {value}")
                connection.exec_driver_sql("SELECT pg_reload_conf()")

            def reloaded() -> bool:  # new sessions show the setting once the server has reloaded
                with admin.connect() as connection:
                    shown = connection.exec_driver_sql("SHOW default_transaction_read_only").scalar()
                return shown == ("on" if read_only else "off")

            wait_for(reloaded, 30, "PostgreSQL did not reload its configuration")
            time.sleep(0.2)  # the running sessions were signalled by then; let them take it
        finally:
            admin.dispose()

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):  # not running
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def diagnostics_on_postgres(args: argparse.Namespace) -> Iterator[tuple[dict[str, str], Any]]:
    server = BenchPostgres(args.postgres_port or free_port())
    try:
        server.start()
        yield {"DIAGNOSTIC_DATABASE_URL": server.url}, server
    finally:
        server.remove()


@contextlib.contextmanager
def behind_a_slow_rasa(args: argparse.Namespace) -> Iterator[tuple[dict[str, str], Any]]:
    """The door talks to Rasa through tests/slow_rasa.py (no delay until a fault sets one)."""
    rasa_port = free_port()
    proxy = SlowRasa(f"http://127.0.0.1:{rasa_port}")
    with proxy.running():
        yield {"RASA_PORT": str(rasa_port), "DIAGNOSTIC_RASA_URL": proxy.url}, proxy


STACKS: dict[str, tuple[Setup, str]] = {
    "memoire": (nothing_more, "verrous de Rasa en mémoire (défaut embarqué)"),
    "redis": (
        locks_in_redis,
        "verrous de Rasa dans Redis (`LOCK_STORE_URL`), durée de vie d'un ticket 600 s au lieu de "
        "15 s : le ticket du Rasa tué est encore valable à son retour, seul le rendu des verrous "
        "des processus morts (`channels/lock_store.py`) peut libérer la conversation à temps",
    ),
    "postgres": (
        diagnostics_on_postgres,
        "base des diagnostics sur un serveur PostgreSQL à part (`scripts/start-test-postgres.sh`, "
        "dossier temporaire) ; verrous de Rasa en mémoire ; l'utilisateur écrit comme dans le "
        "widget du site (chaque message porte la question à laquelle il répond)",
    ),
    "lent": (
        behind_a_slow_rasa,
        "le site parle à Rasa à travers un relais qui retient ses réponses (`tests/slow_rasa.py`) ; "
        "le site attend Rasa 15 s (`DIAGNOSTIC_RASA_TIMEOUT`) ; verrous de Rasa en mémoire ; "
        "l'utilisateur écrit comme dans le widget du site",
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


@fault(
    "postgres-arretee",
    "base des diagnostics PostgreSQL arrêtée comme par une panne (`pg_ctl stop -m immediate`) "
    "pendant un message, puis redémarrée après 0 à 12 s",
    "du redémarrage de PostgreSQL à la réponse acceptée (l'utilisateur réessaie toutes les secondes)",
    stack="postgres",
)
def postgres_stopped(ctx: Context) -> None:
    server: BenchPostgres = ctx.service
    user = ctx.user(widget=True)
    user.start()
    user.answer(ctx.answered_before())
    logged = log_size(ctx.stack, "actions")
    replies: list[httpx.Response | Exception] = []
    in_flight = threading.Thread(target=lambda: replies.append(user.post()))
    in_flight.start()
    time.sleep(ctx.rng.uniform(0, 0.5))  # before, while or after the turn is stored
    try:
        server.stop("immediate")
        in_flight.join(timeout=120)
        assert replies, "the door did not answer the message in flight"
        user.took(replies[0])
        time.sleep(ctx.rng.uniform(0, 6))
        user.took(user.post())  # said (again) while the database is down
        time.sleep(ctx.rng.uniform(0, 6))
    finally:
        server.start()
    at = time.monotonic()
    user.answer_until_taken(60, every=1)
    ctx.outcome.recovery = time.monotonic() - at
    if f"Diagnostic store fault ({UNREACHABLE})" in log_since(ctx.stack, "actions", logged):
        ctx.outcome.facts[f"« Diagnostic store fault ({UNREACHABLE}) » dans actions.log"] += 1
    user.answer()


@fault(
    "postgres-lecture-seule",
    "base des diagnostics PostgreSQL passée en lecture seule (`default_transaction_read_only`, "
    "rechargé sans redémarrage) pendant un message, de 0 à 6 s",
    "du retour en écriture à la réponse acceptée (l'utilisateur réessaie toutes les secondes)",
    stack="postgres",
)
def postgres_read_only(ctx: Context) -> None:
    server: BenchPostgres = ctx.service
    user = ctx.user(widget=True)
    user.start()
    user.answer(ctx.answered_before())
    logged = log_size(ctx.stack, "actions")
    replies: list[httpx.Response | Exception] = []
    in_flight = threading.Thread(target=lambda: replies.append(user.post()))
    in_flight.start()
    time.sleep(ctx.rng.uniform(0, 0.5))  # before, while or after the turn is stored
    try:
        server.set_read_only(True)
        in_flight.join(timeout=120)
        assert replies, "the door did not answer the message in flight"
        user.took(replies[0])
        if user.took(user.post()):  # said (again) on the read-only store
            ctx.outcome.facts["réponse prise alors que la base était en lecture seule : ERREUR"] += 1
        elif intact(ctx.stack, user):
            ctx.outcome.facts[
                "diagnostic relu pendant la panne : la réponse refusée n'y est pas, la question en "
                "cours n'a pas bougé, les réponses prises y sont"
            ] += 1
        time.sleep(ctx.rng.uniform(0, 6))
    finally:
        server.set_read_only(False)
    at = time.monotonic()
    user.answer_until_taken(60, every=1)
    ctx.outcome.recovery = time.monotonic() - at
    if f"Diagnostic store fault ({READ_ONLY})" in log_since(ctx.stack, "actions", logged):
        ctx.outcome.facts[f"« Diagnostic store fault ({READ_ONLY}) » dans actions.log"] += 1
    user.answer()


def intact(stack: Stack, user: User) -> bool:
    """The stored diagnostic, read during the fault: the answers taken, and the pending question
    still pending (no half-written turn)."""
    assert user.question is not None
    exported = stack.export(user.sender)
    stored = exported["answers"]
    pending = user.question["question_id"]
    return (
        exported.get("current_question_id") == pending
        and pending not in stored
        and all(stored.get(asked, {}).get("raw_text") == typed for asked, typed in user.given.items())
    )


@fault(
    "rasa-lent",
    f"Rasa lent (ses réponses arrivent après {SLOW_RASA_SECONDS:.0f} s) ; l'utilisateur réessaie "
    "après 0 à 10 s, avec « Réessayer » (le même message) ou en retapant sa réponse",
    "du premier envoi à la réponse acceptée",
    stack="lent",
)
def slow_rasa(ctx: Context) -> None:
    proxy: SlowRasa = ctx.service
    user = ctx.user(widget=True)
    user.start()
    user.answer(ctx.answered_before())
    assert user.question is not None
    question_id = user.question["question_id"]
    tries: Counter[str] = Counter()
    proxy.delay = SLOW_RASA_SECONDS
    try:
        message_id = user.new_message_id()
        started = time.monotonic()
        reply = user.post(message_id=message_id)
        taken = user.took(reply)
        ctx.outcome.timings["attente du premier envoi avant la réponse du site"] = user.last_duration
        while not taken:
            if time.monotonic() - started > 300:
                raise AssertionError("answer not taken after 300 s")
            time.sleep(ctx.rng.uniform(0, 10))
            if ctx.rng.random() < 0.5:
                tries["« Réessayer » (le même message)"] += 1  # the widget sends its last one again
            else:
                tries["réponse retapée (un nouveau message)"] += 1  # for the same question
                message_id = user.new_message_id()
            reply = user.post(message_id=message_id)
            taken = user.took(reply)
        ctx.outcome.recovery = time.monotonic() - started
    finally:
        proxy.delay = 0.0
    assert isinstance(reply, httpx.Response)
    if default_messages().say("stale_answer") in [m.get("text") for m in reply.json()["messages"]]:
        ctx.outcome.facts["réponse retapée refusée (« déjà traitée »), puis la question suivante"] += 1
    for kind in tries:
        ctx.outcome.facts[f"au moins un nouvel essai par {kind}"] += 1
    sent = len(proxy.posted(sender=user.sender, question_id=question_id))
    ctx.outcome.facts[f"réponse transmise à Rasa {sent} fois"] += 1
    user.answer()


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


def log_size(stack: Stack, service: str) -> int:
    return len((stack.log_dir / f"{service}.log").read_text(errors="replace"))


def log_since(stack: Stack, service: str, size: int) -> str:
    return (stack.log_dir / f"{service}.log").read_text(errors="replace")[size:]


def health(stack: Stack) -> dict[str, Any]:
    try:
        return httpx.get(f"{stack.door_url}/api/health", timeout=10).json()
    except (httpx.HTTPError, ValueError):
        return {}


def run_once(stack: Stack, chosen: Fault, rng: random.Random, service: Any = None) -> Outcome:
    ctx = Context(stack=stack, rng=rng, service=service)
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


def seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} s"


def median_max(values: list[float]) -> list[float | None]:
    if not values:
        return [None, None]
    return [round(statistics.median(values), 1), round(max(values), 1)]


def summary(chosen: Fault, outcomes: list[Outcome], session: str) -> dict[str, Any]:
    """One fault's results as benchmarks/reliability.json keeps them (with their texts of the time)."""
    facts: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    timings: dict[str, list[float]] = {}
    for outcome in outcomes:
        seen.update(outcome.seen)
        facts.update(outcome.facts)
        for label, value in outcome.timings.items():
            timings.setdefault(label, []).append(value)
    return {
        "session": session,
        "title": chosen.title,
        "stack": STACKS[chosen.stack][1],
        "recovery_measures": chosen.recovery,
        "runs": len(outcomes),
        "failures": sum(o.error is not None for o in outcomes),
        "lost": sum(o.lost for o in outcomes),
        "duplicated": sum(o.duplicated for o in outcomes),
        "misfiled": sum(o.misfiled for o in outcomes),
        "recovery": median_max([o.recovery for o in outcomes if o.recovery is not None]),
        "facts": dict(facts),
        "timings": {label: median_max(values) for label, values in timings.items()},
        "errors": [o.error for o in outcomes if o.error],
        "seen": [[kind, count] for kind, count in seen.most_common()],
    }


def load_results(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"sessions": {}, "faults": {}}
    return json.loads(path.read_text())


def save_results(path: Path, results: dict[str, Any]) -> None:
    """Keeps only the sessions (runs of the benchmark) that some fault's results come from."""
    used = {entry["session"] for entry in results["faults"].values()}
    results["sessions"] = {key: value for key, value in results["sessions"].items() if key in used}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")


def report(results: dict[str, Any]) -> str:
    """benchmarks/reliability.md, from benchmarks/reliability.json (the registry's order first)."""
    faults = results["faults"]
    names = [name for name in FAULTS if name in faults] + [name for name in faults if name not in FAULTS]
    sessions = results["sessions"]
    lines = [
        "# Fiabilité : pannes provoquées et reprise",
        "",
        "Chaque panne garde les résultats de son dernier passage (`benchmarks/reliability.json`, "
        "d'où ce rapport est tiré) : `--faults` ne rejoue que celles qu'on lui donne.",
        "",
    ]
    for key in sorted(sessions):
        session = sessions[key]
        ran = [name for name in names if faults[name]["session"] == key]
        lines.append(
            f"- passage du {session['date']} UTC, durée {session['minutes']:.0f} min ; machine : "
            f"{session['machine']} ; charge moyenne au départ : {session['load']} ; "
            f"{session['runs']} passages par panne, graine {session['seed']} "
            f"(`{session['replay']}` rejoue les mêmes tirages) ; pannes : "
            + ", ".join(f"`{name}`" for name in ran)
        )
    lines += [
        "- la pile de `make run` (supervisord, `deploy/supervisord.conf`) lancée par "
        "`tests/faults/stack.py`, sur le modèle entraîné ; chaque passage : un nouvel utilisateur "
        f"qui passe par le site, 0 à {MAX_ANSWERED_BEFORE} réponses (au hasard) avant la panne, "
        "un délai au hasard dans la panne, l'utilisateur qui réessaie jusqu'à ce que sa réponse "
        "soit prise, puis une réponse de plus ; enfin le diagnostic enregistré est relu "
        "(`python -m bot export`)",
        "",
        "| panne | passages | échecs | réponses perdues | en double | sous une autre question "
        "| reprise médiane | reprise max | passage du |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name in names:
        entry = faults[name]
        median, worst = entry["recovery"]
        lines.append(
            f"| {entry['title']} | {entry['runs']} | {entry['failures']} | {entry['lost']} "
            f"| {entry['duplicated']} | {entry['misfiled']} | {seconds(median)} | {seconds(worst)} "
            f"| {sessions[entry['session']]['date']} |"
        )
    lines += [
        "",
        "Réponses perdues : prises (la question suivante est venue) mais absentes du diagnostic "
        "enregistré. En double : enregistrées plus d'une fois (révisions). Sous une autre "
        "question : un texte enregistré sous une question à laquelle il ne répondait pas. "
        "Les trois doivent rester à 0.",
    ]
    for name in names:
        entry = faults[name]
        lines += ["", f"## {entry['title']}", ""]
        lines.append(f"- passage du {sessions[entry['session']]['date']} UTC (`--faults {name}`)")
        lines += [f"- pile : {entry['stack']}", f"- reprise : {entry['recovery_measures']}"]
        for label, count in entry["facts"].items():
            lines.append(f"- {label} : {count} passages sur {entry['runs']}")
        for label, (median, worst) in entry["timings"].items():
            lines.append(f"- {label} : médiane {seconds(median)}, max {seconds(worst)}")
        for error in entry["errors"]:
            lines.append(f"- échec : {error}")
        lines += ["", "| ce qu'a vu l'utilisateur (à partir de la panne) | fois |", "|---|---:|"]
        for kind, count in entry["seen"]:
            lines.append(f"| {kind.replace('|', '/')} | {count} |")
    lines += ["", "Commande : `make bench-reliability` (`scripts/bench_reliability.py --help`).", ""]
    return "\n".join(lines)


def fault_names(text: str) -> list[str]:
    """``--faults a,b``: names of the registry, in its order."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in FAULTS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"pannes inconnues : {', '.join(unknown) or '(aucune)'} ; connues : {', '.join(FAULTS)}"
        )
    return [name for name in FAULTS if name in names]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="passages par panne (défaut 20)")
    parser.add_argument("--seed", type=int, default=None, help="graine des tirages (défaut : au hasard)")
    parser.add_argument(
        "--faults", type=fault_names, default=list(FAULTS),
        help=f"seulement ces pannes, séparées par des virgules (défaut : toutes) : {','.join(FAULTS)}",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=REPORT, help="le rapport (benchmarks/reliability.md)")
    parser.add_argument(
        "--results", type=Path, default=RESULTS,
        help="les résultats de chaque panne, source du rapport (benchmarks/reliability.json)",
    )  # fmt: skip
    parser.add_argument(
        "--postgres-port", type=int, default=None,
        help="port du serveur PostgreSQL des pannes « postgres-* » (défaut : un port libre)",
    )  # fmt: skip
    args = parser.parse_args()
    if not MODEL.exists():
        print("Pas de modèle entraîné : lancez `make train`.", file=sys.stderr)
        return 1
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    rng = random.Random(seed)
    load_before = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    began = datetime.now(timezone.utc)
    chosen = [FAULTS[name] for name in args.faults]
    outcomes: dict[str, list[Outcome]] = {f.name: [] for f in chosen}
    started = time.monotonic()
    for stack_name, (setup, _) in STACKS.items():
        faults = [f for f in chosen if f.stack == stack_name]
        if not faults:
            continue
        with contextlib.ExitStack() as cleanup:
            folder = tempfile.TemporaryDirectory(prefix=f"bench-reliability-{stack_name}-")
            path = Path(cleanup.enter_context(folder))
            overrides, service = cleanup.enter_context(setup(args))
            print(f"Pile « {stack_name} » : démarrage (Rasa charge son modèle)…", flush=True)
            env = stack_env(path, **overrides)
            cleanup.callback(forget_lock_keys, env)
            stack = cleanup.enter_context(supervised_stack(path, env))
            for each in faults:
                for number in range(1, args.runs + 1):
                    outcome = run_once(stack, each, rng, service)
                    outcomes[each.name].append(outcome)
                    recovery = f"{outcome.recovery:.1f} s" if outcome.recovery is not None else "–"
                    print(
                        f"[{each.name} {number}/{args.runs}] reprise {recovery}, perdues {outcome.lost}, "
                        f"en double {outcome.duplicated}, ailleurs {outcome.misfiled}"
                        + (f", ÉCHEC {outcome.error}" if outcome.error else "")
                        + f" ; vu : {dict(outcome.seen)}",
                        flush=True,
                    )
    session = f"{began:%Y-%m-%dT%H:%MZ}"
    replay = f"--seed {seed}" + ("" if len(chosen) == len(FAULTS) else f" --faults {','.join(args.faults)}")
    results = load_results(args.results)
    results["sessions"][session] = {
        "date": f"{began:%Y-%m-%d %H:%M}", "minutes": round((time.monotonic() - started) / 60, 1),
        "machine": machine.summary(), "load": load_before, "runs": args.runs, "seed": seed, "replay": replay,
    }  # fmt: skip
    for each in chosen:
        results["faults"][each.name] = summary(each, outcomes[each.name], session)
    save_results(args.results, results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report(results))
    print(f"\nRapport : {args.out} (résultats : {args.results})")
    bad = sum(o.lost + o.duplicated + o.misfiled for runs in outcomes.values() for o in runs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
