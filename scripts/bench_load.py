"""`make bench-load`: latency, throughput and memory under load, through the public door (issue 12).

1. The whole assistant starts as `make run` starts it: supervisord (deploy/supervisord.conf,
   through tests/faults/stack.py) runs the action server, Rasa, the door and the demo site on
   loopback, on free ports, with fresh SQLite databases in a temporary folder and the door's
   rate limits raised for the run (DIAGNOSTIC_RATE_LIMIT*, bot/settings.py).
2. Simulated users (scripts/load_users.py, on Locust in headless mode, in its own environment
   var/locust-venv: scripts/install-locust.sh) run complete diagnostics with typed French
   answers through the door, a quarter of them over its Socket.IO endpoint as rasa-webchat
   does, following the question ids of the replies (a canned answer per question id, from
   bot/content/questionnaire.yml): 1, 5, 20 then 50 users, each level bounded in time and in
   conversations, after one warm-up conversation alone (the cold start, reported apart).
   Meanwhile /proc gives each service's resident memory and CPU time.
3. One more run of 20 users with py-spy sampling Rasa, the action server and the door (a
   separate run, so that the profiler's cost stays out of the figures).
4. The diagnostic store is checked against what the users sent (:func:`check_store`): every
   answer taken stored once, in order, under its own conversation's diagnostic.
5. The bare reference assistant (benchmarks/reference/: `rasa init` with the same French
   pipeline, trained once and cached by a hash of its files) starts the same way, Rasa's REST
   channel behind the same door, and takes the same load (a fixed French script of the same
   length: it asks no questions). Both run side by side and each level is played on one, then
   at once on the other, so that a shared machine's load weighs on both alike.
6. benchmarks/load.md (in French) and benchmarks/load.json (the figures) are written; the exit
   status is 1 when the store check fails.

``--quick`` runs 1 and 5 users for 25 s each, without profile (a try, about 5 minutes);
``--from-json`` writes benchmarks/load.md again from benchmarks/load.json, without running.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.servers import MODEL, RASA, free_port, new_secret, running  # noqa: E402

REPORT = ROOT / "benchmarks" / "load.md"
FIGURES = ROOT / "benchmarks" / "load.json"
SCALE_FIGURES = ROOT / "benchmarks" / "load.scale.json"  # `make bench-scale` (scripts/bench_scale.py)
REFERENCE = ROOT / "benchmarks" / "reference"
CACHE = ROOT / "var" / "cache"
LOCUST_VENV = ROOT / "var" / "locust-venv"
LOCUST_PYTHON = LOCUST_VENV / "bin" / "python"
PY_SPY = LOCUST_VENV / "bin" / "py-spy"
USERS_SCRIPT = ROOT / "scripts" / "load_users.py"

# Users -> seconds during which turns start; conversations are capped at 3 per user + 5.
LEVELS = {1: 120, 5: 60, 20: 90, 50: 120}
QUICK_LEVELS = {1: 25, 5: 25}
WAIT = (0.5, 1.5)  # s between two turns of a user, as in the figures
SPAWN_RATE = 5  # users started per second
SOCKET_SHARE = 0.25  # a quarter of the users on Socket.IO, the others on POST /api/messages
PROFILE_USERS, PROFILE_SECONDS = 20, 45
FIRST_MESSAGES = ("bonjour", "commencer")
# The reference asks nothing: its users say this, in turn, as many times as a diagnostic has turns.
REFERENCE_SCRIPT = (
    "bonjour", "je suis triste", "oui", "salut", "je vais très bien", "tu es un robot ?",
    "bonsoir", "pas terrible aujourd'hui", "non", "au revoir", "coucou", "tout va bien",
)  # fmt: skip
RATE_LIMITS = {  # far above what the run sends (one client address for every user)
    "DIAGNOSTIC_RATE_LIMIT": "100000",
    "DIAGNOSTIC_RATE_LIMIT_IP": "1000000",
    "DIAGNOSTIC_RATE_LIMIT_SOCKET": "100000/1min",
}
SERVICES = ("rasa", "actions", "web")
SERVICE_NAMES = {"rasa": "Rasa", "actions": "serveur d'actions", "web": "site (la porte)"}
WARM_UP_NUMBER = 1000  # the warm-up conversation's number ({n} in the canned answers)
WARM_UP_RETRIES = 30  # the door's "réessayez" during the warm-up: the same message, same id, again
TURNS_PER_DIAGNOSTIC = 33  # "bonjour", "commencer" and the 31 questions of the canned answers
TURN_A, TURN_B = 3, 30  # the first answer, and one near the end of a diagnostic
ENDING = ("question", "result")  # the payloads that say what comes next


# The canned answers ------------------------------------------------------------------------


def canned_answers() -> dict[str, str]:
    """What the users type at each question: a template, ``{n}`` being the conversation's number.

    The first choice's label, "oui", the middle of a scale; numbers and free texts carry the
    conversation's number, so that an answer stored under another conversation shows.
    """
    from bot.questionnaire import default_questionnaire

    answers: dict[str, str] = {}
    for question in default_questionnaire().questions:
        kind = question.answer_type
        if kind == "choix":
            answers[question.id] = question.choices[0].label
        elif kind == "oui_partiel_non":
            answers[question.id] = "oui"
        elif kind == "nombre":
            answers[question.id] = "{n}"
        elif kind == "echelle":
            answers[question.id] = str((question.minimum + question.maximum) // 2)
        else:  # a tool, as people name it ("Réponse 30076" was once read as "correct the previous one")
            answers[question.id] = "Portail citoyen {n}"
    answers["nom_collectivite"] = "Saint-Martin-{n}"
    return answers


# /proc: memory, CPU, start times ----------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                tree[int(fields[1])].append(int(entry.name))
    return tree


def process_tree(pid: int, tree: dict[int, list[int]] | None = None) -> list[int]:
    """``pid`` and its descendants (``tree``: the children map, when already read)."""
    tree, found, todo = tree if tree is not None else _children(), [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return found


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [float(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class Sampler(threading.Thread):
    """Every half second: each service's resident memory (its process tree); keeps the peak."""

    def __init__(self, pids: dict[str, int | list[int]]) -> None:
        super().__init__(daemon=True)
        # A service may be several processes (the scale-out topology's two Rasa servers...).
        self.pids = {name: pid if isinstance(pid, list) else [pid] for name, pid in pids.items()}
        self.peak: dict[str, int] = dict.fromkeys(pids, 0)
        self.first: dict[str, int] = {}
        self._done = threading.Event()

    def tree(self, name: str, children: dict[int, list[int]] | None = None) -> list[int]:
        children = children if children is not None else _children()
        return [each for pid in self.pids[name] for each in process_tree(pid, children)]

    def run(self) -> None:
        while not self._done.is_set():
            children = _children()  # /proc read once per round, whatever the number of services
            for name in self.pids:
                rss = rss_bytes(self.tree(name, children))
                self.first.setdefault(name, rss)
                self.peak[name] = max(self.peak[name], rss)
            self._done.wait(0.5)

    def cpu(self) -> dict[str, float]:
        children = _children()
        return {name: cpu_seconds(self.tree(name, children)) for name in self.pids}

    def stop(self) -> None:
        self._done.set()
        self.join()


class StartWatch(threading.Thread):
    """Seconds from ``t0`` until each health address first answers 200."""

    def __init__(self, urls: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.urls = urls
        self.t0 = time.monotonic()
        self.seconds: dict[str, float] = {}

    def run(self) -> None:
        deadline = self.t0 + 600
        with httpx.Client(timeout=2) as client:
            while len(self.seconds) < len(self.urls) and time.monotonic() < deadline:
                for name, url in self.urls.items():
                    if name in self.seconds:
                        continue
                    with contextlib.suppress(httpx.HTTPError):
                        if client.get(url).status_code == 200:
                            self.seconds[name] = round(time.monotonic() - self.t0, 1)
                time.sleep(0.25)


# One level of load ----------------------------------------------------------------------


@dataclass
class Level:
    assistant: str  # "diagnostic" or "reference"
    users: int
    duration: int
    turns: list[dict[str, Any]] = field(default_factory=list)
    conversations: list[dict[str, Any]] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds spent by each service
    machine_busy: float = 0.0  # share of both cores busy during the level
    others_busy: float = 0.0  # of which, processes other than the services and Locust
    services_busy: float = 0.0  # of which, the services measured
    driver_busy: float = 0.0  # of which, Locust
    cpu_share: dict[str, float] = field(default_factory=dict)  # each service's share of both cores
    elapsed: float = 0.0
    locust: dict[str, Any] = field(default_factory=dict)


def run_level(
    assistant: str, door_url: str, users: int, duration: int, folder: Path, sampler: Sampler | None,
    number_base: int, answers: dict[str, str], ca_file: Path | None = None, label: str | None = None,
) -> Level:  # fmt: skip
    """One level of load on the door at ``door_url`` (``ca_file``: the certificate an HTTPS door
    is checked against, nginx's in the scale-out topology)."""
    label = label or f"{assistant[:3]}{users:02d}"
    out = folder / f"{label}.json"
    config = {
        "mode": assistant, "door_url": door_url, "users": users, "spawn_rate": SPAWN_RATE,
        "duration": duration, "hard_limit": duration + 150, "max_conversations": 3 * users + 5,
        "socket_share": SOCKET_SHARE, "wait": list(WAIT), "answers": answers,
        "first_messages": list(FIRST_MESSAGES), "reference_script": list(REFERENCE_SCRIPT),
        "turns_per_conversation": len(answers) + len(FIRST_MESSAGES), "label": label,
        "number_base": number_base, "out": str(out), "seed": users,
        "ca_file": str(ca_file) if ca_file else None,
    }  # fmt: skip
    config_path = folder / f"{label}.config.json"
    config_path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    cpu_before = sampler.cpu() if sampler else {}
    busy_before, total_before = machine_cpu()
    driver_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    print(f"  {assistant}, {users} utilisateur(s), {duration} s...", flush=True)
    with (folder / f"{label}.locust.log").open("w") as log:
        subprocess.run(
            [str(LOCUST_PYTHON), str(USERS_SCRIPT), str(config_path)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, timeout=duration + 300, check=True,
        )  # fmt: skip
    busy_after, total_after = machine_cpu()
    driver_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    data = json.loads(out.read_text(encoding="utf-8"))
    level = Level(assistant, users, duration, data["turns"], data["conversations"])
    level.elapsed = time.monotonic() - started
    level.locust = data["locust"]
    if sampler:
        after = sampler.cpu()
        level.cpu = {name: after[name] - cpu_before[name] for name in after}
    level.machine_busy = (busy_after - busy_before) / max(total_after - total_before, 1)
    # What the rest of the machine took meanwhile: all of it, less the services and Locust.
    machine_seconds = (busy_after - busy_before) / os.sysconf("SC_CLK_TCK")
    driver = sum(getattr(driver_after, f) - getattr(driver_before, f) for f in ("ru_utime", "ru_stime"))
    capacity = max((total_after - total_before) / os.sysconf("SC_CLK_TCK"), 1e-6)
    level.others_busy = max(0.0, machine_seconds - sum(level.cpu.values()) - driver) / capacity
    level.services_busy = sum(level.cpu.values()) / capacity
    level.cpu_share = {name: seconds / capacity for name, seconds in level.cpu.items()}
    level.driver_busy = driver / capacity
    return level


def warm_up(
    door_url: str, assistant: str, answers: dict[str, str], ca_file: Path | None = None
) -> dict[str, Any]:
    """One conversation through the door before the levels, alone, not counted in them: the first
    messages after a start load what the servers load lazily (seconds, once). Its turns are
    recorded as scripts/load_users.py records them (the store check covers them too)."""
    records: list[dict[str, Any]] = []
    sender: str | None = None
    with httpx.Client(base_url=door_url, timeout=120, verify=str(ca_file) if ca_file else True) as client:

        def say(text: str, answers_question: str | None) -> tuple[str | None, list[dict[str, Any]]]:
            nonlocal sender
            started = time.perf_counter()
            body = {"message": text} if sender is None else {"message": text, "sender": sender}
            body["message_id"] = f"echauffement-{len(records):04d}"
            response = client.post("/api/messages", json=body)
            for _ in range(WARM_UP_RETRIES):  # a first turn slower than the door's wait: 504, retried
                if response.status_code not in (502, 503, 504):
                    break
                time.sleep(1)
                response = client.post("/api/messages", json=body)
            latency = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            sender = response.json()["sender"]
            messages = response.json()["messages"]
            customs = [m["custom"] for m in messages if (m.get("custom") or {}).get("type") in ENDING]
            asked = customs[-1].get("question_id", "result") if customs else None
            records.append({
                "conversation": "echauffement", "number": 0, "transport": "rest",
                "turn": len(records) + 1, "sent": text, "answers": answers_question, "button": False,
                "t": time.time(), "sender": sender, "latency_ms": latency, "error": None, "next": asked,
            })  # fmt: skip
            return asked, messages

        if assistant == "reference":
            for text in REFERENCE_SCRIPT:
                say(text, None)
        else:
            say(FIRST_MESSAGES[0], None)
            asked, _ = say(FIRST_MESSAGES[1], None)
            for _ in range(len(answers) + 5):
                if asked in (None, "result"):
                    break
                asked, _ = say(answers[asked].format(n=WARM_UP_NUMBER), asked)
    timings = [record["latency_ms"] for record in records]
    slowest = max(range(len(timings)), key=timings.__getitem__)
    return {
        "turns": len(timings), "total_s": sum(timings) / 1000, "slowest_ms": timings[slowest],
        "slowest_turn": slowest + 1, "slowest_sent": records[slowest]["sent"],
        "median_ms": statistics.median(timings), "completed": records[-1]["next"] == "result",
        "sender": sender, "records": records,
    }  # fmt: skip


# Figures ------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (None without values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarize(level: Level) -> dict[str, Any]:
    ok = [turn for turn in level.turns if not turn["error"]]
    latencies = [turn["latency_ms"] for turn in ok]
    if level.turns:
        first = min(turn["t"] for turn in level.turns)
        last = max(turn["t"] + turn["latency_ms"] / 1000 for turn in level.turns)
        span = max(last - first, 1e-6)
    else:
        span = float(level.duration)
    completed = sum(1 for conversation in level.conversations if conversation["completed"])

    def at(index: int) -> dict[str, Any]:
        values = [turn["latency_ms"] for turn in ok if turn["turn"] == index]
        return {"n": len(values), "p50": percentile(values, 0.5), "mean": _mean(values)}

    by_transport = {}
    for transport in ("rest", "socketio"):
        values = [turn["latency_ms"] for turn in ok if turn["transport"] == transport]
        by_transport[transport] = {
            "n": len(values), "p50": percentile(values, 0.5), "p95": percentile(values, 0.95)
        }  # fmt: skip
    by_tens = {}
    for low in range(1, 36, 5):
        values = [turn["latency_ms"] for turn in ok if low <= turn["turn"] < low + 5]
        by_tens[f"{low}-{low + 4}"] = {"n": len(values), "p50": percentile(values, 0.5)}
    error_kinds = Counter(_error_kind(turn["error"]) for turn in level.turns if turn["error"])
    # A Socket.IO connection that fails is no turn, but an error all the same.
    entries = level.locust.get("entries", {})
    refused = sum(entry["failures"] for name, entry in entries.items() if "connect" in name)
    if refused:
        error_kinds["connexion Socket.IO refusée"] += refused
    summary = {
        "assistant": level.assistant, "users": level.users, "duration_s": level.duration,
        "turns": len(level.turns), "errors": len(level.turns) - len(ok) + refused,
        "error_kinds": dict(error_kinds),
        "p50_ms": percentile(latencies, 0.5), "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99), "turns_per_s": len(ok) / span, "span_s": span,
        "conversations": len(level.conversations), "completed": completed,
        "completed_per_min": completed / (level.duration / 60),
        "turn_a": at(TURN_A), "turn_b": at(TURN_B), "by_transport": by_transport, "by_tens": by_tens,
        "cpu_s": level.cpu, "machine_busy": level.machine_busy, "others_busy": level.others_busy,
        "services_busy": level.services_busy, "driver_busy": level.driver_busy, "cpu_share": level.cpu_share,
        "diagnostics_per_min_from_turns": 60 * (len(ok) / span) / TURNS_PER_DIAGNOSTIC,
        "cpu_ms_per_turn": {name: 1000 * seconds / max(len(ok), 1) for name, seconds in level.cpu.items()},
        "locust": level.locust,
    }  # fmt: skip
    return summary


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _error_kind(error: str) -> str:
    return error.split(":", 1)[0][:60]


# The diagnostic store ---------------------------------------------------------------------


def _store_rows(database: Path | str) -> tuple[list[tuple[int, str]], list[tuple[int, str, str | None]], int]:
    """(diagnostics, answers, revision count) of a diagnostic store: a SQLite file, or the
    SQLAlchemy URL of another database (PostgreSQL in the scale-out topology)."""
    diagnostics = "SELECT id, sender_id FROM diagnostics ORDER BY id"
    answers = "SELECT diagnostic_id, question_id, raw_text FROM answers ORDER BY id"
    revisions = "SELECT COUNT(*) FROM answer_revisions"
    if isinstance(database, Path):
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
            return (list(db.execute(diagnostics)), list(db.execute(answers)),
                    db.execute(revisions).fetchone()[0])  # fmt: skip
    from sqlalchemy import create_engine, text

    engine = create_engine(database, future=True)
    try:
        with engine.connect() as db:
            return (
                [tuple(row) for row in db.execute(text(diagnostics))],
                [tuple(row) for row in db.execute(text(answers))],
                db.execute(text(revisions)).scalar_one(),
            )
    finally:
        engine.dispose()


def check_store(database: Path | str, turns: list[dict[str, Any]]) -> dict[str, Any]:
    """Every answer the users sent and saw taken is stored once, in order, in its own diagnostic.

    ``turns`` are the records of scripts/load_users.py. An answer is *taken* when the reply
    moved on (to another question or to the result); a reply asking the same question again
    means not taken (nothing must be stored); a turn that failed (timeout, 5xx) may or may
    not have been stored, and is only checked for not being stored twice. Per conversation
    (its ``sender``): one diagnostic; its answers, in the order of their rows, are exactly the
    taken ones in the order they were sent, each with the very text this conversation typed
    (numbers and names carry the conversation's number); no revision (a second storage of a
    question) anywhere; no diagnostic for a conversation the users did not hold.
    """
    by_sender: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for turn in sorted(turns, key=lambda t: (t["conversation"], t["turn"])):
        if turn.get("sender"):
            by_sender[turn["sender"]].append(turn)
    diagnostic_rows, answer_rows, revisions = _store_rows(database)
    diagnostics: dict[str, list[int]] = defaultdict(list)
    for diagnostic_id, sender in diagnostic_rows:
        diagnostics[sender].append(diagnostic_id)
    stored: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for diagnostic_id, question_id, raw_text in answer_rows:
        stored[diagnostic_id].append((question_id, raw_text))
    problems: list[str] = []
    counts = Counter(revisions=revisions)
    for sender, sent in by_sender.items():
        taken = [
            (t["answers"], None if t["button"] else t["sent"])
            for t in sent
            if t["answers"] and not t["error"] and t["next"] not in (None, t["answers"])
        ]
        unsure = {t["answers"] for t in sent if t["answers"] and t["error"]}
        counts["conversations"] += 1
        counts["taken"] += len(taken)
        ids = diagnostics.get(sender, [])
        if len(ids) > 1:
            counts["several_diagnostics"] += 1
            problems.append(f"{sender}: {len(ids)} diagnostics")
        if not ids:
            if taken:
                counts["lost"] += len(taken)
                problems.append(f"{sender}: aucun diagnostic, {len(taken)} réponses perdues")
            continue
        rows = [row for diagnostic_id in ids for row in stored[diagnostic_id]]
        counts["stored"] += len(rows)
        questions = [question for question, _ in rows]
        duplicates = [q for q, n in Counter(questions).items() if n > 1]
        counts["duplicated"] += len(duplicates)
        expected_questions = [question for question, _ in taken]
        kept = [row for row in rows if row[0] in expected_questions or row[0] not in unsure]
        missing = [q for q in expected_questions if q not in questions]
        counts["lost"] += len(missing)
        extra = [q for q, _ in kept if q not in expected_questions]
        counts["unexpected"] += len(extra)
        in_store = [q for q, _ in kept if q in expected_questions]
        if in_store != [q for q in expected_questions if q in questions]:
            counts["out_of_order"] += 1
            problems.append(f"{sender}: réponses enregistrées dans un autre ordre")
        texts = dict(taken)
        wrong = [q for q, text in rows if q in texts and texts[q] is not None and text != texts[q]]
        counts["wrong_text"] += len(wrong)
        for label, items in (("perdues", missing), ("en double", duplicates), ("inattendues", extra),
                             ("d'un autre texte", wrong)):  # fmt: skip
            if items:
                problems.append(f"{sender}: {label} {items[:5]}")
    strangers = set(diagnostics) - set(by_sender)
    counts["foreign_diagnostics"] = len(strangers)
    if strangers:
        problems.append(f"{len(strangers)} diagnostics d'aucune conversation de la charge")
    if revisions:
        problems.append(f"{revisions} révisions (une question enregistrée deux fois)")
    ok = not problems
    return {"ok": ok, "counts": dict(counts), "problems": problems[:20]}


# The tracker and what goes to the action server -----------------------------------------


def tracker_figures(tracker_db: Path, senders: list[str]) -> dict[str, Any]:
    """What Rasa's tracker holds for finished diagnostics, and what it sends to the action server.

    The body of an action call is rebuilt as Rasa 3.6 builds it (RemoteAction._action_call_format:
    the tracker's current state with every event, and the whole domain unless the endpoint
    enables the selective domain), after the first answer and at the end of the diagnostic.
    """
    import yaml
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    import channels.tracker_store  # noqa: F401  (applies channels/rasa_speedups.py, as in Rasa)

    domain = Domain.load(str(ROOT / "domain.yml"))
    # endpoints.yml's action endpoint, without its ${VARIABLES} (only its options matter here)
    options = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))["action_endpoint"]
    options = {key: value for key, value in options.items() if key not in ("url", "headers")}
    endpoint = EndpointConfig.from_dict({"url": "http://127.0.0.1/webhook", **options})
    action = RemoteAction("action_answer", endpoint)
    sizes, counts, kinds = [], [], Counter()
    body_first = body_b = body_last = 0
    reloaded: dict[int, int] = {}
    with contextlib.closing(sqlite3.connect(f"file:{tracker_db}?mode=ro", uri=True)) as db:
        for sender in senders[:20]:
            rows = db.execute(
                "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
            ).fetchall()
            counts.append(len(rows))
            sizes.append(sum(len(data) for _, data in rows))
            kinds.update(type_name for type_name, _ in rows)
        if senders:
            rows = db.execute(
                "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (senders[0],)
            ).fetchall()
            events = [json.loads(data) for _, data in rows]
            users = [i for i, (type_name, _) in enumerate(rows) if type_name == "user"]

            def body(turn: int | None) -> int:
                """The action call of that turn (its user message last), or of the whole tracker."""
                cut = users[turn - 1] + 1 if turn and len(users) >= turn else len(events)
                tracker = DialogueStateTracker.from_dict(senders[0], events[:cut], domain.slots)
                return len(json.dumps(action._action_call_format(tracker, domain)))

            body_first, body_b, body_last = body(TURN_A), body(TURN_B), body(None)
            reloaded = {turn: users[turn - 1] for turn in (TURN_A, TURN_B) if len(users) >= turn}
    domain_bytes = len(json.dumps(domain.as_dict()))
    per_conversation = max(len(senders[:20]), 1)
    return {
        "diagnostics": len(senders[:20]),
        "events_mean": _mean(counts), "events_max": max(counts, default=0),
        "json_bytes_mean": _mean(sizes), "json_bytes_max": max(sizes, default=0),
        "event_kinds": {k: round(v / per_conversation, 1) for k, v in kinds.most_common()},
        "action_body_turn_a": body_first, "action_body_turn_b": body_b, "action_body_end": body_last,
        "domain_bytes": domain_bytes,
        "events_turn_a": reloaded.get(TURN_A), "events_turn_b": reloaded.get(TURN_B),
        "domain_sent": not action._is_selective_domain_enabled(),
    }  # fmt: skip


def engine_turns(answers: dict[str, str]) -> dict[str, Any]:
    """The engine alone (bot/dialogue.py as actions/actions.py calls it), in this process, on a
    fresh SQLite store: per turn, its time, its transactions and its SQL statements.

    The learned answer reader is loaded first (the action server does it when it starts) and a
    first diagnostic warms the caches; the times are the medians of the next three diagnostics.
    """
    from sqlalchemy import event

    from bot.dialogue import DiagnosticConversation
    from bot.messages import default_messages
    from bot.questionnaire import default_questionnaire
    from bot.recommendations import default_catalogue
    from bot.settings import report_url
    from bot.storage import DiagnosticStore
    from bot.understanding.reader import answer_reader

    with tempfile.TemporaryDirectory() as folder:
        store = DiagnosticStore.from_url(f"sqlite:///{folder}/diagnostic.db")
        engine = DiagnosticConversation(
            store=store, questionnaire=default_questionnaire(), catalogue=default_catalogue(),
            messages=default_messages(), report_url=report_url("http://127.0.0.1:8000"),
        )  # fmt: skip
        counted = Counter()
        event.listen(store.engine, "before_cursor_execute", lambda *a, **k: counted.update(["sql"]))
        event.listen(store.engine, "begin", lambda *a, **k: counted.update(["begin"]))
        event.listen(store.engine.pool, "checkout", lambda *a, **k: counted.update(["checkout"]))
        answer_reader()
        rows: list[dict[str, Any]] = []
        runs: list[list[dict[str, Any]]] = []

        def measure(index: int, call: Any) -> list[Any]:
            counted.clear()
            started = time.perf_counter()
            with store.turn():
                replies = call()
            rows.append({
                "turn": index, "ms": (time.perf_counter() - started) * 1000, "sql": counted["sql"],
                "transactions": counted["begin"], "checkouts": counted["checkout"],
            })  # fmt: skip
            return replies

        for sender in ("moteur-0", "moteur-1", "moteur-2", "moteur-3"):
            rows = []
            runs.append(rows)
            measure(1, lambda sender=sender: engine.welcome(sender))
            replies = measure(2, lambda sender=sender: engine.start(sender))
            for index in range(3, 70):
                customs = [r.custom for r in replies if (r.custom or {}).get("type") in ENDING]
                asked = customs[-1] if customs else None
                if not asked or asked["type"] == "result":
                    break
                text = answers[asked["question_id"]].format(n=WARM_UP_NUMBER + index)

                def answer(sender: str = sender, text: str = text) -> list[Any]:
                    said = engine.in_context(sender, text, "answer", 1.0)
                    return said if said is not None else engine.answer(sender, text, None)

                replies = measure(index, answer)
        store.engine.dispose()
    measured = runs[1:]
    turns = []
    for row in measured[-1]:
        times = [r["ms"] for run in measured for r in run if r["turn"] == row["turn"]]
        turns.append({**row, "ms": statistics.median(times)})
    by_turn = {row["turn"]: row for row in turns}
    return {"turns": turns, "turn_a": by_turn.get(TURN_A), "turn_b": by_turn.get(TURN_B)}


# Profiles ---------------------------------------------------------------------------------


def profile(
    pids: dict[str, int], seconds: int, folder: Path
) -> tuple[dict[str, Path], list[subprocess.Popen]]:
    """py-spy records each service (sampling, non-blocking) for ``seconds``; collapsed stacks."""
    outputs: dict[str, Path] = {}
    processes: list[subprocess.Popen] = []
    for name, pid in pids.items():
        outputs[name] = folder / f"profile-{name}.txt"
        processes.append(subprocess.Popen(
            [str(PY_SPY), "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "100",
             "--nonblocking", "--subprocesses", "--format", "raw", "--output", str(outputs[name])],
            stdout=subprocess.DEVNULL, stderr=(folder / f"profile-{name}.log").open("w"),
        ))  # fmt: skip
    return outputs, processes


# Parts of a turn, by a frame of their stacks: key -> (label, function, path part). A function
# name "" matches any frame of the file.
PARTS: dict[str, dict[str, tuple[str, str, str]]] = {
    "rasa": {
        "handler": ("traitement d'un message (handle_message)", "handle_message", "processor.py"),
        "retrieve": (
            "lecture du tracker (CachingSQLTrackerStore.retrieve)",
            "retrieve",
            "channels/tracker_store.py",
        ),
        "from_dict": ("dont rejeu des événements (Tracker.from_dict)", "from_dict", "trackers.py"),
        "resolve": ("dont recherche de la classe de chaque événement", "resolve_by_type", "events.py"),
        "save": ("écriture du tracker (CachingSQLTrackerStore.save)", "save", "channels/tracker_store.py"),
        "commit": ("dont COMMIT SQLite", "do_commit", "engine/default.py"),
        "recount": (
            "dont recomptage des événements déjà stockés (cas de repli)",
            "_save_counting",
            "tracker_store.py",
        ),
        "nlu": ("NLU (MessageProcessor.parse_message)", "parse_message", "processor.py"),
        "policy": ("politique", "predict_next_with_tracker_if_should", "processor.py"),
        "action": ("appel du serveur d'actions (RemoteAction.run)", "run", "core/actions/action.py"),
        "schema": (
            "dont validation de sa réponse (validateur construit une fois)",
            "validate_action_result",
            "rasa_speedups.py",
        ),
        "http": ("dont requête HTTP (aiohttp, connexions gardées ouvertes)", "_request", "rasa_speedups.py"),
    },
    "actions": {
        "handler": ("traitement d'un appel (rasa_sdk webhook)", "webhook", "rasa_sdk/endpoint.py"),
        "json": ("dont décodage du JSON reçu", "load_json", "sanic/request.py"),
        "action": ("dont action (DiagnosticAction.run)", "run", "actions/actions.py"),
        "engine": ("dont moteur (bot/dialogue.py)", "", "bot/dialogue.py"),
        "understanding": ("dont lecture des réponses (bot/understanding)", "", "bot/understanding"),
        "sql": ("dont requêtes SQL (Session.execute)", "execute", "orm/session.py"),
        "commit": ("dont COMMIT SQLite", "do_commit", "engine/default.py"),
    },
    "web": {
        "chat": ("`POST /api/messages` (post_message)", "post_message", "routes_api.py"),
        "rasa": ("appel de Rasa (RasaClient.send)", "send", "rasa_client.py"),
        "socketio": ("Socket.IO (python-socketio, python-engineio)", "", "socketio/"),
        "limits": ("limites de débit", "", "ratelimit.py"),
    },
}
# The leaf frame of a service waiting for work (its event loop idle).
IDLE = ("serve (server/runners.py)", "asyncio_run (uvicorn/_compat.py)")


def read_profile(path: Path) -> dict[str, Any]:
    """Collapsed stacks -> samples, and the share of samples in each part of :data:`PARTS`."""
    stacks: list[tuple[list[str], int]] = []
    if path.exists():
        for line in path.read_text(errors="replace").splitlines():
            frames, _, count = line.rpartition(" ")
            if frames and count.isdigit():
                stacks.append((frames.split(";"), int(count)))
    total = sum(count for _, count in stacks)
    own: Counter = Counter()
    for frames, count in stacks:
        own[_short(frames[-1])] += count
    # Idle: the event loop waiting, or no Python frame at all (only py-spy's process line).
    idle_frames = [frame for frame in own if frame in IDLE or frame.startswith("process ")]
    idle = sum(own.pop(frame) for frame in idle_frames)
    return {"samples": total, "stacks": stacks, "top_own": own.most_common(12), "idle": idle}


def profile_shares(profiles: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per service: the share of all samples (wall time) in each part of :data:`PARTS`, and busy."""
    shares: dict[str, dict[str, float]] = {}
    for name, parts in PARTS.items():
        data = profiles.get(name) or {}
        total = data.get("samples") or 0
        shares[name] = {
            key: (share(data.get("stacks", []), function, path) / total if total else 0.0)
            for key, (_, function, path) in parts.items()
        }
        shares[name]["busy"] = 1 - data.get("idle", 0) / total if total else 0.0
    return shares


def _short(frame: str) -> str:
    # "function (path/to/file.py:123)" -> "function (file.py)"
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    parts = where.split("/")
    short = "/".join(parts[-2:]) if len(parts) > 1 else where
    return f"{name} ({short})"


def share(stacks: list[tuple[list[str], int]], function: str, file_part: str) -> int:
    found = 0
    for frames, count in stacks:
        for frame in frames:
            name, _, where = frame.partition(" (")
            if file_part in where and (not function or name == function):
                found += count
                break
    return found


# The bare reference assistant ---------------------------------------------------------------


def reference_model() -> Path:
    """benchmarks/reference/ trained once; the model is cached under var/cache/ by a hash of its
    files, of the custom featurizer it uses and of Rasa's version."""
    import rasa

    digest = hashlib.sha256(rasa.__version__.encode())
    sources = [*sorted(REFERENCE.rglob("*.yml")), ROOT / "components" / "spacy_tensor_featurizer.py"]
    for path in sources:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    name = f"reference-{digest.hexdigest()[:16]}"
    model = CACHE / f"{name}.tar.gz"
    if model.exists():
        return model
    CACHE.mkdir(parents=True, exist_ok=True)
    print("Entraînement de l'assistant de référence (une fois, environ une minute)...", flush=True)
    subprocess.run(
        [str(RASA), "train", "--config", str(REFERENCE / "config.yml"),
         "--domain", str(REFERENCE / "domain.yml"), "--data", str(REFERENCE / "data"),
         "--out", str(CACHE), "--fixed-model-name", name, "--quiet"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return model


@contextlib.contextmanager
def reference_stack(folder: Path, model: Path) -> Iterator[dict[str, Any]]:
    """Rasa on the reference model (its REST channel, SQLite tracker store) and the door in front."""
    rasa_port, web_port = free_port(), free_port()
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {folder / 'tracker.db'}\n", encoding="utf-8"
    )
    env = {
        **os.environ,
        **RATE_LIMITS,
        "DIAGNOSTIC_DATABASE_URL": f"sqlite:///{folder / 'diagnostic.db'}",
        "DIAGNOSTIC_WEB_HOST": "127.0.0.1",
        "DIAGNOSTIC_WEB_PORT": str(web_port),
        "DIAGNOSTIC_DEMO_PORT": str(free_port()),
        "DIAGNOSTIC_PUBLIC_URL": f"http://127.0.0.1:{web_port}",
        "DIAGNOSTIC_RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "DIAGNOSTIC_RASA_SECRET": new_secret(),
        "DIAGNOSTIC_SECRET_KEY": new_secret(),
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    rasa = [
        str(RASA), "run", "--model", str(model), "--endpoints", str(endpoints),
        "--credentials", str(REFERENCE / "credentials.yml"), "--interface", "127.0.0.1",
        "--port", str(rasa_port),
    ]  # fmt: skip
    web = [str(Path(sys.executable)), "-m", "bot.web", "site"]
    urls = {"rasa": f"http://127.0.0.1:{rasa_port}/", "web": f"http://127.0.0.1:{web_port}/api/health"}
    watch = StartWatch(urls)
    watch.start()
    with contextlib.ExitStack() as stack:
        stack.enter_context(running(rasa, env, folder / "rasa.log", urls["rasa"]))
        stack.enter_context(running(web, env, folder / "web.log", urls["web"]))
        watch.join(timeout=10)
        yield {"door_url": env["DIAGNOSTIC_PUBLIC_URL"], "rasa_port": rasa_port, "web_port": web_port,
               "start": dict(watch.seconds), "env": env}  # fmt: skip


def listening_pid(port: int) -> int | None:
    """The process listening on a loopback TCP port (from /proc/net/tcp and the fds)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
            inodes.add(parts[9])
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    link = os.readlink(fd)
                    if link.startswith("socket:[") and link[8:-1] in inodes:
                        return int(entry.name)
    return None


# The whole run ----------------------------------------------------------------------------


def run_both(
    levels: dict[int, int], folder: Path, answers: dict[str, str], with_profile: bool, with_reference: bool
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Both assistants up side by side, each level run on one then at once on the other.

    The machine may be shared: running the two assistants' levels in turn, rather than one
    assistant's levels after the other's, keeps each pair of figures under the same load.
    """
    from tests.faults.stack import stack_env, supervised_stack  # the supervised stack of `make run`

    model = reference_model() if with_reference else None
    (folder / "assistant").mkdir()
    env = stack_env(folder / "assistant", **RATE_LIMITS)
    urls = {
        "actions": f"http://127.0.0.1:{env['ACTIONS_PORT']}/health",
        "rasa": f"http://127.0.0.1:{env['RASA_PORT']}/",
        "web": f"{env['DIAGNOSTIC_PUBLIC_URL']}/api/health",
    }
    ours: dict[str, Any] = {"levels": []}
    theirs: dict[str, Any] = {"levels": []}
    print("Démarrage de l'assistant sous supervision (supervisord)...", flush=True)
    watch = StartWatch(urls)
    watch.start()
    with contextlib.ExitStack() as running_stacks:
        stack = running_stacks.enter_context(supervised_stack(folder / "assistant", env))
        watch.join(timeout=10)
        ours["start_s"] = dict(watch.seconds)
        pids = {name: stack.info(name)["pid"] for name in SERVICES}
        sampler = Sampler(pids)
        sampler.start()
        time.sleep(1)
        ours["idle_rss"] = {name: rss_bytes(process_tree(pid)) for name, pid in pids.items()}
        ours["warm_up"] = warm_up(stack.door_url, "diagnostic", answers)
        reference: dict[str, Any] = {}
        ref_sampler = None
        if model is not None:
            print("Démarrage de l'assistant de référence (Rasa nu derrière la porte)...", flush=True)
            (folder / "reference").mkdir()
            reference = running_stacks.enter_context(reference_stack(folder / "reference", model))
            theirs["start_s"] = reference["start"]
            ref_pids = {name: listening_pid(reference[f"{name}_port"]) for name in ("rasa", "web")}
            ref_sampler = Sampler({name: pid for name, pid in ref_pids.items() if pid})
            ref_sampler.start()
            theirs["warm_up"] = warm_up(reference["door_url"], "reference", answers)
            theirs["warm_up"].pop("records")
        for index, (users, duration) in enumerate(levels.items()):
            number = (index + 1) * 10000
            level = run_level("diagnostic", stack.door_url, users, duration, folder / "assistant", sampler,
                              number, answers)  # fmt: skip
            ours["levels"].append(level)
            if ref_sampler is not None:
                level = run_level("reference", reference["door_url"], users, duration, folder / "reference",
                                  ref_sampler, number, answers)  # fmt: skip
                theirs["levels"].append(level)
        if with_profile:
            print(f"  profil : {PROFILE_USERS} utilisateurs, {PROFILE_SECONDS} s, py-spy...", flush=True)
            spies, processes = profile(pids, PROFILE_SECONDS, folder / "assistant")
            level = run_level("diagnostic", stack.door_url, PROFILE_USERS, PROFILE_SECONDS + 5,
                              folder / "assistant", sampler, 90000, answers)  # fmt: skip
            for process in processes:
                process.wait(timeout=120)
            ours["profile_level"] = level
            profiles = {name: read_profile(path) for name, path in spies.items()}
            ours["profile_shares"] = profile_shares(profiles)
            ours["profile_top"] = {
                name: {"samples": data["samples"] - data["idle"], "top_own": data["top_own"]}
                for name, data in profiles.items()
            }
        for each in (sampler, ref_sampler):
            if each is not None:
                each.stop()
        ours["peak_rss"] = dict(sampler.peak)
        if ref_sampler is not None:
            theirs["peak_rss"] = dict(ref_sampler.peak)
    warm = ours["warm_up"]
    turns = warm.pop("records") + [turn for level in ours["levels"] for turn in level.turns]
    if "profile_level" in ours:
        turns += ours["profile_level"].turns
    print("Vérification de la base des diagnostics...", flush=True)
    ours["store"] = check_store(folder / "assistant" / "diagnostic.db", turns)
    completed = [c["sender"] for level in ours["levels"] for c in level.conversations if c["completed"]]
    if warm["completed"]:
        completed.append(warm["sender"])
    ours["tracker"] = tracker_figures(folder / "assistant" / "tracker.db", completed)
    return ours, (theirs if model is not None else None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 et 5 utilisateurs, 25 s, sans profil")
    parser.add_argument("--no-reference", action="store_true", help="sans l'assistant de référence")
    parser.add_argument("--report", type=Path, default=REPORT, help="le rapport (benchmarks/load.md)")
    parser.add_argument("--from-json", action="store_true", help="le rapport depuis benchmarks/load.json")
    args = parser.parse_args()
    if args.from_json:
        args.report.write_text(render(json.loads(FIGURES.read_text(encoding="utf-8"))), encoding="utf-8")
        return 0
    if not MODEL.exists():
        print("Pas de modèle entraîné : lancez `make train`.", file=sys.stderr)
        return 2
    if not LOCUST_PYTHON.exists():
        subprocess.run(["bash", str(ROOT / "scripts" / "install-locust.sh")], check=True)
    levels = QUICK_LEVELS if args.quick else LEVELS
    answers = canned_answers()
    started = time.monotonic()
    load_before = os.getloadavg()
    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        figures: dict[str, Any] = {"started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        engine = engine_turns(answers)
        assistant, reference = run_both(
            levels, folder, answers, with_profile=not args.quick, with_reference=not args.no_reference
        )
        figures.update(
            seconds=round(time.monotonic() - started), loadavg_before=load_before, quick=args.quick,
            machine=f"{platform.machine()}, {os.cpu_count()} cœurs, Python {platform.python_version()}",
            engine=engine, assistant=_plain(assistant), reference=_plain(reference) if reference else None,
        )  # fmt: skip
        report = render(figures)
        args.report.write_text(report, encoding="utf-8")
        if args.report == REPORT:
            FIGURES.write_text(json.dumps(_figures_json(figures), ensure_ascii=False, indent=1) + "\n")
        print(report)
        print(f"Rapport écrit : {args.report} ({figures['seconds']} s)")
        return 0 if assistant["store"]["ok"] else 1
    finally:
        if os.environ.get("BENCH_LOAD_KEEP"):
            print(f"Dossier de la course gardé : {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _plain(result: dict[str, Any]) -> dict[str, Any]:
    """The figures of a run without the raw turns (summaries of each level)."""
    raw = ("levels", "profile_level")
    plain = {key: value for key, value in result.items() if key not in raw}
    plain["levels"] = [summarize(level) for level in result["levels"]]
    if "profile_level" in result:
        plain["profile_level"] = summarize(result["profile_level"])
    return plain


def _figures_json(figures: dict[str, Any]) -> dict[str, Any]:
    keep = dict(figures)
    keep["engine"] = {k: v for k, v in figures["engine"].items() if k != "turns"}
    return keep


# The report (in French) ---------------------------------------------------------------------


def _text(block: str) -> str:
    """One paragraph of markdown from an indented, wrapped block."""
    return " ".join(block.split())


def _dec(value: float | None, digits: int = 1) -> str:
    """A number with a French decimal comma."""
    return "–" if value is None else f"{value:.{digits}f}".replace(".", ",")


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}".replace(",", " ")


def _mb(value: int | None) -> str:
    return "–" if not value else f"{value / 2**20:,.0f} Mo".replace(",", " ")


def _ratio(a: float | None, b: float | None) -> str:
    return "–" if not a or not b else f"{a / b:.2f}".replace(".", ",")


def render(figures: dict[str, Any]) -> str:
    """benchmarks/load.md from the figures (those of benchmarks/load.json)."""
    ours = figures["assistant"]["levels"]
    reference = figures.get("reference")
    ref = reference["levels"] if reference else []
    seconds = figures["seconds"]
    lines = [
        "# Charge, latence et mémoire (`make bench-load`)",
        "",
        _text(f"""
            Course du {figures['started_at'][:16].replace('T', ' ')} UTC, {figures['machine']} ;
            charge de la machine avant la course : {_dec(figures['loadavg_before'][0], 2)} (d'autres travaux
            peuvent la partager) ; durée totale : {seconds // 60} min {seconds % 60} s. Écrit par
            `scripts/bench_load.py` ; les chiffres bruts sont dans `benchmarks/load.json`.
        """),
        "",
        _text(f"""
            **Ce qui est mesuré.** L'assistant entier démarre comme avec `make run` (supervisord :
            serveur d'actions, Rasa, site, site de démonstration), sur la boucle locale, avec des bases
            SQLite neuves et les limites de débit du site relevées pour la course. Des utilisateurs
            simulés (Locust, sans interface, dans son propre environnement `var/locust-venv`) font des
            diagnostics complets en français **par la porte publique** : trois sur quatre par
            `POST /api/messages`, un sur quatre par Socket.IO comme rasa-webchat (connexion,
            `session_request`, `user_uttered`). Chaque conversation : « bonjour », « commencer », puis
            la réponse prévue pour chaque question que posent les réponses (son `question_id` dans la
            charge `custom`) : le premier choix, « oui », un nombre, le milieu de l'échelle ; nombres et
            noms portent le numéro de la conversation. Entre deux tours, chaque utilisateur attend
            {_dec(WAIT[0])} à {_dec(WAIT[1])} s ; {SPAWN_RATE} utilisateurs démarrent par seconde. Chaque
            palier est borné en temps (aucun tour ne part après sa durée) et en nombre (3 conversations
            par utilisateur + 5). Un tour : un message envoyé et sa réponse complète (la réponse HTTP,
            ou en Socket.IO l'événement qui porte la question suivante ou le résultat).
        """),
        "",
        "## L'assistant",
        "",
        "| utilisateurs | durée | tours | erreurs | p50 | p95 | p99 | tours/s "
        "| diagnostics complets / min (nombre) | équivalent en tours / min "
        "| CPU des 2 cœurs : services + Locust + autres |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in ours:
        lines.append(
            f"| {s['users']} | {s['duration_s']} s | {s['turns']} | {s['errors']} | {_ms(s['p50_ms'])} ms "
            f"| {_ms(s['p95_ms'])} ms | {_ms(s['p99_ms'])} ms | {_dec(s['turns_per_s'])} "
            f"| {_dec(s['completed_per_min'])} ({s['completed']}) "
            f"| {_dec(s['diagnostics_per_min_from_turns'])} "
            f"| {_pc(s['services_busy'])} + {_pc(s['driver_busy'])} + {_pc(s['others_busy'])} |"
        )
    lines += [
        "",
        _text(f"""
            Équivalent en tours : tours par seconde × 60 / {TURNS_PER_DIAGNOSTIC} (les tours d'un
            diagnostic complet), le débit en diagnostics même quand un palier est plus court qu'un
            diagnostic (à 50 utilisateurs, un diagnostic dure plus que le palier). CPU : part des
            deux cœurs prise pendant le palier par les trois services mesurés, par Locust et par le
            reste de la machine (d'autres travaux la partageaient pendant la course : les latences
            en dépendent).
        """),
    ]
    errors: Counter = Counter()
    for s in ours:
        errors.update(s["error_kinds"])
    if errors:
        lines += ["", "Erreurs : " + ", ".join(f"{kind} ({n})" for kind, n in errors.most_common()) + "."]
    lines += [
        "",
        "Par moyen d'accès (p50 / p95) :",
        "",
        "| utilisateurs | `POST /api/messages` | Socket.IO |",
        "|---:|---:|---:|",
    ]
    for s in ours:
        rest, sio = s["by_transport"]["rest"], s["by_transport"]["socketio"]
        lines.append(
            f"| {s['users']} | {_ms(rest['p50'])} / {_ms(rest['p95'])} ms ({rest['n']} tours) "
            f"| {_ms(sio['p50'])} / {_ms(sio['p95'])} ms ({sio['n']} tours) |"
        )
    lines += _services(figures)
    lines += _turn_cost(figures, ours)
    if reference:
        lines += _reference(ours, ref)
    lines += _store(figures)
    lines += _profile(figures)
    if SCALE_FIGURES.exists():
        lines += scale_section(json.loads(SCALE_FIGURES.read_text(encoding="utf-8")))
    return "\n".join(lines) + "\n"


# The scale-out section and the capacity model (figures of scripts/bench_scale.py) -------------

CORES_USABLE = 0.85  # share of a machine's cores a service may take before queueing dominates
THINK_SECONDS = 20.0  # a person reads a question and answers it: one turn per 20 s or so
PG_MAX_CONNECTIONS = 100  # PostgreSQL's default max_connections
SHARED_MACHINE = 0.25  # other work took more than this share of the cores: the turns/s say little
APP_SERVICES = ("rasa", "actions", "web", "nginx")
DATA_SERVICES = ("postgres", "redis")
SCALE_NAMES = {**SERVICE_NAMES, "web": "site (2 processus)", "nginx": "nginx", "postgres": "PostgreSQL",
               "redis": "Redis"}  # fmt: skip


def scale_section(figures: dict[str, Any]) -> list[str]:
    """The scale-out run beside the single-process one, then the capacity model (in French)."""
    single, scale = figures["single"], figures["scale"]
    seconds = figures["seconds"]
    lines = [
        "",
        "## Passage à l'échelle (`make bench-scale`)",
        "",
        _text(f"""
            Course du {figures['started_at'][:16].replace('T', ' ')} UTC, {figures['machine']} ; charge
            de la machine avant : {_dec(figures['loadavg_before'][0], 2)}, après :
            {_dec(figures['loadavg_after'][0], 2)} (d'autres travaux partageaient la machine) ; durée
            {seconds // 60} min {seconds % 60} s. Écrit par `scripts/bench_scale.py`, chiffres bruts dans
            `benchmarks/load.scale.json`. Les deux montages utilisent le même code, le même PostgreSQL
            (magasin des conversations de Rasa et base des diagnostics) et le même Redis (verrous de
            Rasa, limites de débit, sessions), démarrés par les scripts du projet ; ils tournent l'un
            après l'autre, avec les mêmes utilisateurs simulés que `make bench-load`. **Un processus de
            chaque** : `deploy/supervisord.conf` (un serveur d'actions, un Rasa, un site), utilisateurs
            directement sur le site. **Réparti** : `deploy/scale/supervisord.conf` (deux serveurs
            d'actions, deux Rasa, deux processus du site, nginx devant), utilisateurs **par nginx en
            HTTPS** (le coût de TLS et du mandataire est compté). Chaque utilisateur simulé attend
            environ 1 s entre deux tours : N utilisateurs ne demandent guère plus de N / (1 s + la
            latence) tours par seconde, si bien qu'à 50 utilisateurs la topologie répartie attend
            encore ses utilisateurs ; le palier le plus chargé ({max(s['users'] for s in scale['levels'])}
            utilisateurs) sature les deux montages, et reste sous les 100 conversations que chaque
            Rasa garde en mémoire (`endpoints.yml`). Le rapport des débits se lit à ce palier.
        """),
        "",
        "| montage | utilisateurs | tours | erreurs | p50 | p95 | p99 | tours/s "
        "| CPU des 2 cœurs (total / services) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, run in (("un processus de chaque", single), ("réparti (nginx, 2 × 3)", scale)):
        for s in run["levels"]:
            lines.append(
                f"| {label} | {s['users']} | {s['turns']} | {s['errors']} | {_ms(s['p50_ms'])} ms "
                f"| {_ms(s['p95_ms'])} ms | {_ms(s['p99_ms'])} ms | {_dec(s['turns_per_s'])} "
                f"| {_pc(s['machine_busy'])} / {_pc(s['services_busy'])} |"
            )
    top_single, top_scale = single["levels"][-1], scale["levels"][-1]
    ratio = top_scale["turns_per_s"] / max(top_single["turns_per_s"], 1e-9)
    errors = sum(s["errors"] for run in (single, scale) for s in run["levels"])
    met = ratio >= 1.3 and top_scale["machine_busy"] >= 0.85 and errors == 0
    lines += [
        "",
        _text(f"""
            À {top_scale['users']} utilisateurs : **{_dec(top_scale['turns_per_s'])} tours/s réparti contre
            {_dec(top_single['turns_per_s'])} avec un processus de chaque, soit × {_dec(ratio, 2)}** ; les
            deux cœurs occupés à {_pc(top_scale['machine_busy'])} (un processus de chaque :
            {_pc(top_single['machine_busy'])}) ; {errors} erreur(s) en tout. Objectif (≥ 85 % des deux
            cœurs, ≥ 1,3 × les tours/s, zéro erreur) : {'atteint' if met else '**non atteint**'}.
        """),
    ]
    others = max(top_single["others_busy"], top_scale["others_busy"])
    if others > SHARED_MACHINE:
        share = top_scale["services_busy"] / max(top_single["services_busy"], 1e-9)
        per_cpu = (top_scale["turns_per_s"] / max(top_scale["services_busy"], 1e-9)) / max(
            top_single["turns_per_s"] / max(top_single["services_busy"], 1e-9), 1e-9
        )
        lines += [
            "",
            _text(f"""
                **Machine partagée : ces tours/s ne mesurent pas la topologie.** Pendant la course,
                d'autres travaux prenaient jusqu'à {_pc(others)} des deux cœurs (charge moyenne
                {_dec(figures['loadavg_before'][0], 1)}) : les services du diagnostic n'en ont obtenu que
                {_pc(top_single['services_busy'])} (un de chaque) et {_pc(top_scale['services_busy'])}
                (réparti), soit × {_dec(share, 2)} de CPU pour la topologie répartie, qui a davantage de
                processus à servir ; rapportés au CPU obtenu, les tours/s sont × {_dec(per_cpu, 2)}. Les
                objectifs de débit et d'occupation des cœurs se jugent sur une machine calme :
                relancez `make bench-scale` quand elle l'est. Le CPU par tour de chaque service (plus bas),
                qui fonde le modèle de capacité, dépend beaucoup moins de ce partage.
            """),
        ]
    lines += [
        "",
        "Temps CPU par tour et mémoire de pointe de chaque service, au palier le plus chargé :",
        "",
        "| service | processus | CPU par tour, un de chaque | CPU par tour, réparti "
        "| mémoire de pointe, réparti |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in (*APP_SERVICES, *DATA_SERVICES):
        one = top_single["cpu_ms_per_turn"].get(name)
        many = top_scale["cpu_ms_per_turn"].get(name)
        lines.append(
            f"| {SCALE_NAMES[name]} | {scale['processes'].get(name, 1)} | {_dec(one)} ms | {_dec(many)} ms "
            f"| {_mb(scale['peak_rss'].get(name))} |"
        )
    lines += statement_table(single, scale)
    for label, run in (("un processus de chaque", single), ("réparti", scale)):
        store = run["store"]
        counts = store["counts"]
        verdict = "intacte" if store["ok"] else "**problèmes** : " + " ; ".join(store["problems"][:5])
        lines += [
            "",
            _text(f"""
                Base des diagnostics ({label}, PostgreSQL) : {counts.get('conversations', 0)} conversations,
                {counts.get('taken', 0)} réponses prises, {counts.get('stored', 0)} enregistrées,
                {counts.get('lost', 0)} perdue(s), {counts.get('duplicated', 0)} en double,
                {counts.get('wrong_text', 0)} d'un autre texte, {counts.get('foreign_diagnostics', 0)}
                diagnostic(s) étranger(s) : {verdict}.
            """),
        ]
    return lines + capacity_model(figures)


def statement_table(single: dict[str, Any], scale: dict[str, Any]) -> list[str]:
    """PostgreSQL's work per turn, statement by statement (pg_stat_statements), in both runs."""
    if "statements" not in single or "statements" not in scale:
        return []
    one, many = single["statements"], scale["statements"]
    lines = [
        "",
        _text(f"""
            Ce que PostgreSQL exécute par tour au palier le plus chargé (`pg_stat_statements`, temps
            d'exécution attente des verrous comprise) : **{_dec(one['calls_per_turn'], 1)}
            instructions et {_dec(one['ms_per_turn'], 2)} ms** avec un processus de chaque,
            **{_dec(many['calls_per_turn'], 1)} instructions et {_dec(many['ms_per_turn'], 2)} ms**
            réparti. Les plus coûteuses :
        """),
        "",
        "| montage | base | instruction | appels par tour | ms par tour | ms par appel |",
        "|---|---|---|---:|---:|---:|",
    ]
    for label, run in (("un de chaque", one), ("réparti", many)):
        for statement in run["busiest"]:
            query = statement["query"].replace("|", "\\|").replace("`", "'")
            lines.append(
                f"| {label} | {statement['database']} | `{query}` | {_dec(statement['calls_per_turn'], 2)} "
                f"| {_dec(statement['ms_per_turn'], 3)} | {_dec(statement['mean_ms'], 3)} |"
            )
    return lines


def capacity_model(figures: dict[str, Any]) -> list[str]:
    """How far N machines of this size go, from the CPU each service spent per turn (measured)."""
    scale = figures["scale"]
    top = scale["levels"][-1]
    per_turn = top["cpu_ms_per_turn"]
    app_ms = sum(per_turn.get(name, 0.0) for name in APP_SERVICES)
    cores = os.cpu_count() or 2
    app_tps = cores * CORES_USABLE * 1000 / max(app_ms, 1e-9)
    pg_tps = cores * CORES_USABLE * 1000 / max(per_turn.get("postgres", 0.0), 1e-9)
    redis_tps = CORES_USABLE * 1000 / max(per_turn.get("redis", 0.0), 1e-9)  # one thread
    connections = max(scale.get("pg_connections_peak", 0), 1)
    machines_by_connections = PG_MAX_CONNECTIONS // connections
    # How many application machines each shared limit allows: the smallest bites first.
    allows = {
        f"les connexions à PostgreSQL (`max_connections = {PG_MAX_CONNECTIONS}`)": machines_by_connections,
        "le CPU de PostgreSQL": math.floor(pg_tps / app_tps),
        "Redis": math.floor(redis_tps / app_tps),
    }
    bottlenecks = sorted(allows.items(), key=lambda item: item[1])
    first = "; puis ".join(f"{name} au-delà de {n} machine(s) d'application" for name, n in bottlenecks)
    lines = [
        "",
        "## Modèle de capacité",
        "",
        _text(f"""
            Calculé à partir du CPU que chaque service a dépensé par tour au palier le plus chargé de la
            course répartie (mesuré ci-dessus), pour des machines de cette taille ({cores} cœurs) dont on
            n'occupe que {_pc(CORES_USABLE)} (au-delà, l'attente domine la latence). Les services de
            l'application (Rasa, serveur d'actions, site, nginx) ne partagent rien entre eux hors
            PostgreSQL et Redis : ils se multiplient par machines entières. PostgreSQL et Redis restent
            partagés, sur une machine de même taille à part.
        """),
        "",
        f"- Application : {_dec(app_ms)} ms de CPU par tour → **{_dec(app_tps)} tours/s par machine**.",
        f"- PostgreSQL : {_dec(per_turn.get('postgres'))} ms par tour → {_dec(pg_tps)} tours/s sur une "
        f"machine de {cores} cœurs.",
        f"- Redis : {_dec(per_turn.get('redis'))} ms par tour, un seul fil → {_dec(redis_tps)} tours/s.",
        f"- Connexions à PostgreSQL : {connections} au plus pendant la course (2 Rasa, 2 serveurs d'actions, "
        f"2 processus du site) ; avec `max_connections = {PG_MAX_CONNECTIONS}` (défaut), "
        f"{machines_by_connections} machines d'application au plus.",
        "",
        _text(f"""
            Personnes simultanées : une personne envoie un tour toutes les {_dec(THINK_SECONDS, 0)} s
            environ (lire la question, répondre) ; les utilisateurs simulés, eux, répondent en 0,5 à 1,5 s.
            Un diagnostic complet compte {TURNS_PER_DIAGNOSTIC} tours.
        """),
        "",
        "| machines d'application | tours/s | personnes simultanées "
        "| diagnostics complets / heure | limite |",
        "|---:|---:|---:|---:|---|",
    ]
    for machines in (1, 2, 4, 8, 16, 32):
        limits = {"application": machines * app_tps, "PostgreSQL (CPU)": pg_tps, "Redis": redis_tps}
        limit, tps = min(limits.items(), key=lambda item: item[1])
        if machines > machines_by_connections:
            limit += f", et connexions PostgreSQL (> {PG_MAX_CONNECTIONS})"
        lines.append(
            f"| {machines} | {_dec(tps)} | {_ms(tps * THINK_SECONDS)} "
            f"| {_ms(tps * 3600 / TURNS_PER_DIAGNOSTIC)} | {limit} |"
        )
    lines += [
        "",
        _text(f"""
            **Goulots, dans l'ordre où ils arrivent : {first}.** Ce qu'il faut changer alors : (1) un
            PgBouncer en mode transaction devant PostgreSQL dès que les connexions approchent
            `max_connections` (chaque processus garde son propre pool : Rasa, serveur d'actions,
            site) ; (2) ensuite le CPU de PostgreSQL : l'essentiel de sa charge vient des événements
            que Rasa écrit (et relit) dans son magasin à chaque tour et des transactions de la base
            des diagnostics ; une machine plus grosse pour PostgreSQL, puis des réplicas en lecture
            pour la revue du personnel et les exports ; le CPU par tour mesuré ici l'est sans `fsync`
            (PostgreSQL de test sur la boucle locale) : en production, compter en plus la latence
            des écritures sur disque ; (3) Redis ne sert que des verrous et des compteurs et suit de
            loin : un Redis Sentinel suffit pour la disponibilité. Côté application, ajouter des
            machines suffit (ou des processus Rasa tant qu'il reste des cœurs) : Rasa n'utilise
            qu'un cœur par processus et reste le plus gros consommateur par tour.
        """),
    ]
    return lines


def _services(figures: dict[str, Any]) -> list[str]:
    a = figures["assistant"]
    ref = figures.get("reference") or {}
    lines = [
        "",
        "## Chaque service",
        "",
        _text("""
            Démarrage : secondes entre le lancement de supervisord et la première réponse 200 de
            l'adresse de santé du service (ils démarrent ensemble). Mémoire : mémoire résidente (RSS,
            `/proc`) du processus et de ses enfants, relevée toutes les demi-secondes pendant toute la
            course. CPU par tour : temps CPU du service pendant le palier, divisé par ses tours.
        """),
        "",
        "| service | démarrage | RSS au repos | RSS maximale | CPU par tour à 1 / 20 / 50 utilisateurs |",
        "|---|---:|---:|---:|---:|",
    ]
    levels = {s["users"]: s for s in a["levels"]}
    for name in SERVICES:
        cpu = " / ".join(
            _ms(levels[u]["cpu_ms_per_turn"].get(name)) if u in levels else "–" for u in (1, 20, 50)
        )
        lines.append(
            f"| {SERVICE_NAMES[name]} | {_dec(a['start_s'].get(name))} s | {_mb(a['idle_rss'].get(name))} "
            f"| {_mb(a['peak_rss'].get(name))} | {cpu} ms |"
        )
    warm = a.get("warm_up")
    if warm:
        lines += [
            "",
            _text(f"""
                Premier diagnostic après le démarrage, seul et hors des paliers (à froid : ce que les
                serveurs chargent au premier usage) : {warm['turns']} tours en {_dec(warm['total_s'])} s,
                médiane {_ms(warm['median_ms'])} ms, le plus lent {_ms(warm['slowest_ms'])} ms (tour
                {warm['slowest_turn']}).
            """),
        ]
    if ref:
        lines += [
            "",
            _text(f"""
                Référence : son Rasa démarre en {_dec(ref['start_s'].get('rasa'))} s ; RSS maximale de
                son Rasa {_mb(ref['peak_rss'].get('rasa'))}, de son site {_mb(ref['peak_rss'].get('web'))}.
            """),
        ]
    return lines


def _turn_cost(figures: dict[str, Any], ours: list[dict[str, Any]]) -> list[str]:
    engine = figures["engine"]
    lines = [
        "",
        f"## Le coût d'un tour selon sa place : tour {TURN_A} contre tour {TURN_B}",
        "",
        _text(f"""
            Le tour {TURN_A} est la première réponse (après « bonjour » et « commencer »), le tour
            {TURN_B} une des dernières questions. Latence médiane de ces tours (nombre de tours mesurés) :
        """),
        "",
        f"| utilisateurs | tour {TURN_A} | tour {TURN_B} | tour {TURN_B} / tour {TURN_A} |",
        "|---:|---:|---:|---:|",
    ]
    note = _text("""
        « – » : aucune conversation n'a atteint ce tour pendant le palier. À plusieurs utilisateurs,
        la latence d'un tour est surtout l'attente derrière les tours des autres ; le coût propre d'un
        tour se lit mieux à 1 utilisateur, dans la taille de ce que Rasa relit et envoie (« Profil
        d'un tour ») et dans le moteur seul ci-dessous.
    """)
    for s in ours:
        a, b = s["turn_a"], s["turn_b"]
        lines.append(
            f"| {s['users']} | {_ms(a['p50'])} ms ({a['n']}) | {_ms(b['p50'])} ms ({b['n']}) "
            f"| {_ratio(b['p50'], a['p50'])} |"
        )
    lines += ["", note]
    tens = [s for s in ours if s["users"] in (1, 20)]
    if tens:
        keys = list(tens[0]["by_tens"])
        lines += ["", "Latence médiane par tranche de tours (ms) :", ""]
        lines += ["| utilisateurs | " + " | ".join(f"tours {k}" for k in keys) + " |"]
        lines += ["|---:|" + "---:|" * len(keys)]
        for s in tens:
            values = " | ".join(_ms(s["by_tens"][k]["p50"]) for k in keys)
            lines.append(f"| {s['users']} | {values} |")
    a, b = engine.get("turn_a"), engine.get("turn_b")
    if a and b:
        lines += [
            "",
            _text(f"""
                Le moteur seul (`bot/dialogue.py` appelé comme le fait `actions/actions.py`, dans un
                processus, sur une base SQLite neuve) : tour {TURN_A} {_dec(a['ms'])} ms,
                {a['transactions']} transaction(s), {a['sql']} requêtes SQL ; tour {TURN_B}
                {_dec(b['ms'])} ms, {b['transactions']} transaction(s), {b['sql']} requêtes SQL.
            """),
        ]
    return lines


def _reference(ours: list[dict[str, Any]], ref: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        "## L'assistant de référence, même charge",
        "",
        _text("""
            `benchmarks/reference/` : un assistant `rasa init` nu (le « moodbot » traduit) avec le même
            pipeline NLU français que `config.yml` (sans `AnswerVocabularyClassifier`, propre au
            questionnaire) et les politiques par défaut de `rasa init`, sans serveur d'actions ;
            entraîné une fois (modèle en cache sous `var/cache/`). Il démarre de la même façon : Rasa et
            son canal REST (conversations dans SQLite), **derrière le même site**
            (`python -m bot.web`), qui reçoit les mêmes utilisateurs (mêmes paliers, mêmes attentes,
            même part de Socket.IO). Les deux assistants tournent côte à côte et chaque palier est
            joué sur l'un puis aussitôt sur l'autre, pour que la charge d'une machine partagée pèse
            autant sur les deux. Comme il ne pose pas de questions, chaque conversation suit un
            texte fixe du même nombre de tours. Un tour Socket.IO de la référence finit au dernier
            événement reçu (rien n'annonce la fin : le client attend 0,25 s de silence, non compté).
            Rapports : cet assistant / la référence.
        """),
        "",
        "| utilisateurs | tours | erreurs | p50 | p95 | p99 | tours/s | rapport p50 | rapport p95 "
        "| rapport tours/s | CPU des 2 cœurs : services + Locust + autres |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ours_by = {s["users"]: s for s in ours}
    for r in ref:
        o = ours_by.get(r["users"], {})
        lines.append(
            f"| {r['users']} | {r['turns']} | {r['errors']} | {_ms(r['p50_ms'])} ms | {_ms(r['p95_ms'])} ms "
            f"| {_ms(r['p99_ms'])} ms | {_dec(r['turns_per_s'])} | {_ratio(o.get('p50_ms'), r['p50_ms'])} "
            f"| {_ratio(o.get('p95_ms'), r['p95_ms'])} | {_ratio(o.get('turns_per_s'), r['turns_per_s'])} "
            f"| {_pc(r['services_busy'])} + {_pc(r['driver_busy'])} + {_pc(r['others_busy'])} |"
        )
    top = max(ref, key=lambda r: r["users"], default=None)
    if top and top["users"] in ours_by:
        o = ours_by[top["users"]]
        lines += [
            "",
            _text(f"""
                Des utilisateurs qui attendent en moyenne {_dec(sum(WAIT) / 2)} s entre deux tours ne
                peuvent pas envoyer plus de « utilisateurs / ({_dec(sum(WAIT) / 2)} s + latence) »
                tours par seconde : aux petits paliers, le débit suit les utilisateurs ; la capacité
                se lit au palier le plus chargé, {top['users']} utilisateurs :
                {_dec(o['turns_per_s'])} tours/s pour cet assistant, {_dec(top['turns_per_s'])} pour
                la référence.
            """),
        ]
    return lines


def _store(figures: dict[str, Any]) -> list[str]:
    store = figures["assistant"]["store"]
    c = store["counts"]
    verdict = "**rien de perdu, rien en double, rien de mélangé**" if store["ok"] else "**ÉCHEC**"
    lines = [
        "",
        "## La base des diagnostics après la course",
        "",
        _text("""
            Lue directement (`diagnostic.db` de la course), conversation par conversation
            (`check_store` de `scripts/bench_load.py`) : chaque réponse envoyée et prise (la réponse est
            passée à la question suivante ou au résultat) est enregistrée une fois, dans l'ordre
            d'envoi, sous le diagnostic de sa conversation, avec le texte que cette conversation a
            tapé ; aucune révision (une question enregistrée deux fois) ; aucun diagnostic hors des
            conversations de la charge.
        """),
        "",
        _text(f"""
            {verdict} : {c.get('conversations', 0)} conversations, {c.get('taken', 0)} réponses prises,
            {c.get('stored', 0)} enregistrées ; perdues {c.get('lost', 0)}, en double
            {c.get('duplicated', 0)}, révisions {c.get('revisions', 0)}, hors ordre
            {c.get('out_of_order', 0)}, d'un autre texte {c.get('wrong_text', 0)}, inattendues
            {c.get('unexpected', 0)}, diagnostics étrangers {c.get('foreign_diagnostics', 0)}.
        """),
    ]
    lines += [f"- {problem}" for problem in store["problems"]]
    return lines


def _profile(figures: dict[str, Any]) -> list[str]:
    tracker = figures["assistant"]["tracker"]
    engine = figures["engine"]
    kinds = ", ".join(f"{k} {v:.0f}" for k, v in list(tracker["event_kinds"].items())[:8])
    a, b = engine.get("turn_a") or {}, engine.get("turn_b") or {}
    lines = [
        "",
        "## Profil d'un tour",
        "",
        _text(f"""
            **Le tracker.** Un diagnostic terminé laisse en moyenne {tracker['events_mean'] or 0:.0f}
            événements dans le suivi des conversations de Rasa
            ({(tracker['json_bytes_mean'] or 0) / 1024:.0f} Ko de JSON ; par diagnostic : {kinds}).
            Le `SQLTrackerStore` de Rasa relirait et rejouerait **tous** les événements de la session
            à chaque message, et les recompterait (`SELECT count(*)`) avant d'écrire les nouveaux.
            Le magasin du projet (`channels/tracker_store.py`, `CachingSQLTrackerStore`) garde le
            suivi de chaque conversation en mémoire entre deux messages : une requête indexée (plus
            petit et plus grand identifiant d'événement de la conversation) vérifie que la base n'a
            rien d'autre, seuls les événements écrits entre-temps par un autre serveur Rasa sont lus,
            et l'écriture n'insère que les nouveaux, sans recompter. Une session ne se termine
            qu'après 60 minutes d'inactivité (`session_config` de `domain.yml`) : un diagnostic entier
            est une seule session.
        """),
        "",
        _text(f"""
            **Ce qui part au serveur d'actions.** À chaque message, Rasa envoie l'état du tracker
            (créneaux, dernier message, dernière action) et les seuls événements depuis
            l'avant-dernier message de l'utilisateur (`channels/rasa_speedups.py`), sans le domaine
            (`enable_selective_domain` dans `endpoints.yml`) : {tracker['action_body_turn_a'] / 1024:.0f}
            Ko au tour {TURN_A}, {tracker['action_body_turn_b'] / 1024:.0f} Ko au tour {TURN_B},
            {tracker['action_body_end'] / 1024:.0f} Ko à la fin d'un diagnostic (le domaine, qui n'est
            plus envoyé, pèse {tracker['domain_bytes'] / 1024:.0f} Ko). Les actions ne lisent que le
            dernier message (texte, intention, entités, métadonnées) et les boutons du message de
            l'assistant qui le précède : l'état du diagnostic est dans la base des diagnostics.
        """),
        "",
        _text(f"""
            **Sessions de base de données.** Le serveur d'actions ouvre une transaction par tour
            (`DiagnosticStore.turn()`) : {a.get('transactions', '–')} transaction(s) et
            {a.get('sql', '–')} requêtes SQL au tour {TURN_A}, {b.get('transactions', '–')} et
            {b.get('sql', '–')} au tour {TURN_B} (mesuré sur le moteur seul). Rasa ouvre une session
            SQLAlchemy pour lire le tracker et une autre pour l'écrire (`session_scope`, avec chaque fois
            `ensure_schema_exists`).
        """),
        "",
        _text("""
            **Appels synchrones dans des gestionnaires asynchrones.** `DiagnosticAction.run` est
            `async` mais appelle le moteur et SQLAlchemy de façon synchrone : pendant la lecture de la
            réponse et les écritures, la boucle d'événements du serveur d'actions ne sert personne
            d'autre. De même, dans Rasa, la lecture et l'écriture du suivi sont `async` mais font
            leurs requêtes SQLAlchemy synchrones sur la boucle (dont le COMMIT). Le site attend Rasa
            sans bloquer (httpx asynchrone) et ses limites de débit en
            mémoire ne font pas d'entrées-sorties.
        """),
        "",
        _text("""
            **Connexions entre les services.** Le site parle à Rasa sur des connexions gardées
            ouvertes d'un tour à l'autre, par le pool d'aiohttp sous le client httpx
            (`bot/web/aiohttp_transport.py`) : le pool d'httpx (httpcore 1.0) parcourait toutes ses
            connexions deux fois par requête et interrogeait le système pour chacune, soit 1,5 à 3 ms
            de CPU par appel avec 10 à 30 appels en cours, contre 0,5 à 0,6 ms. Rasa parle au serveur
            d'actions de même (patch 5 de `channels/rasa_speedups.py`) : il ouvrait une session
            aiohttp et une connexion par action. Les deux limites de débit d'un message (client,
            conversation) sont comptées en un seul passage par un fil quand elles sont dans Redis
            (`RateLimits.ahit_all`). La base des diagnostics ne vérifie une connexion (`SELECT 1`)
            qu'après une seconde d'inactivité (`ping_after_idle`), et lit les réponses d'un tour en
            colonnes, sans construire d'objets ORM.
        """),
    ]
    shares = figures["assistant"].get("profile_shares")
    if shares:
        lines += _profile_table(figures, shares)
        lines += _findings(figures, shares)
    return lines


def _pc(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def _profile_table(figures: dict[str, Any], shares: dict[str, dict[str, float]]) -> list[str]:
    level = figures["assistant"].get("profile_level") or {}
    tops = figures["assistant"].get("profile_top") or {}
    lines = [
        "",
        _text(f"""
            **Profil (py-spy, 100 échantillons par seconde, {PROFILE_USERS} utilisateurs pendant
            {PROFILE_SECONDS} s, dans une course à part : {level.get('turns', 0)} tours, p50
            {_ms(level.get('p50_ms'))} ms).** Part du temps de chaque service (de tous ses
            échantillons) dont la pile contient :
        """),
        "",
        "| service | partie | part du temps |",
        "|---|---|---:|",
    ]
    for name, parts in PARTS.items():
        lines.append(f"| {SERVICE_NAMES[name]} | occupé (hors attente de la boucle d'événements) "
                     f"| {_pc(shares[name]['busy'])} |")  # fmt: skip
        for key, (label, _, _) in parts.items():
            lines.append(f"| {SERVICE_NAMES[name]} | {label} | {_pc(shares[name][key])} |")
    lines += ["", "Temps propre (hors attente), les 5 premières fonctions de chaque service :", ""]
    for name in SERVICES:
        top = tops.get(name) or {}
        total = top.get("samples") or 1
        listed = ", ".join(f"`{fn}` {100 * n / total:.0f} %" for fn, n in top.get("top_own", [])[:5])
        lines.append(f"- {SERVICE_NAMES[name]} : {listed}")
    return lines


def _cold_start(figures: dict[str, Any]) -> list[str]:
    warm = figures["assistant"].get("warm_up") or {}
    if not warm or warm["slowest_ms"] < 1000:
        return []
    return [
        "- " + _text(f"""
            **À froid.** Au premier diagnostic après le démarrage, un tour prend
            {_ms(warm['slowest_ms'])} ms (tour {warm['slowest_turn']}, « {warm['slowest_sent']} »,
            pour une médiane de {_ms(warm['median_ms'])} ms) : ce que les serveurs chargent encore
            au premier usage (`actions/actions.py` charge le lecteur appris et son modèle spaCy au
            démarrage, en lisant une première réponse).
        """),
    ]


def _findings(figures: dict[str, Any], shares: dict[str, dict[str, float]]) -> list[str]:
    """What the profile shows (the words are fixed, the figures are the run's)."""
    r, a, w = shares["rasa"], shares["actions"], shares["web"]
    tracker = figures["assistant"]["tracker"]
    levels = {s["users"]: s for s in figures["assistant"]["levels"]}
    level20 = levels.get(20) or {}
    services = _pc(level20.get("services_busy"))
    rasa_cpu = _pc((level20.get("cpu_share") or {}).get("rasa"))
    return [
        "",
        "### Ce que montre le profil",
        "",
        "- " + _text(f"""
            **Rasa est le goulet.** À {PROFILE_USERS} utilisateurs, il est occupé {_pc(r['busy'])} du
            temps, le serveur d'actions {_pc(a['busy'])}, le site {_pc(w['busy'])}. Rasa sert d'un seul
            processus, donc d'un seul cœur : au palier de 20 utilisateurs, les trois services ne
            prennent que {services} des deux cœurs (Rasa à lui seul {rasa_cpu} ; un cœur entier vaut
            50 %), et la latence est surtout de l'attente derrière Rasa. Occupé presque tout le temps
            sans prendre tout un cœur, Rasa passe une part de son temps de traitement sans le
            processeur et sans rendre la main à sa boucle d'événements : attentes synchrones (dont le
            COMMIT SQLite du tracker) et, sur une machine partagée, attente d'un cœur libre.
        """),
        "- " + _text(f"""
            **La réponse du serveur d'actions** est vérifiée par un validateur construit une fois au
            démarrage (`channels/rasa_speedups.py`, même schéma et mêmes refus que
            `jsonschema.validate`, qui revérifiait le schéma contre le méta-schéma à chaque appel et
            prenait 28 % du temps de Rasa avant l'issue 12) : {_pc(r['schema'])} de son temps.
        """),
        "- " + _text(f"""
            **Le tracker.** Sa lecture prend {_pc(r['retrieve'])} du temps de Rasa (rejeu d'événements
            relus {_pc(r['from_dict'])}, recherche de leur classe {_pc(r['resolve'])}), son écriture
            {_pc(r['save'])} (dont le COMMIT SQLite {_pc(r['commit'])}, synchrone sur la boucle
            d'événements ; recomptage des événements stockés, seulement dans les cas de repli,
            {_pc(r['recount'])}). Ni l'une ni l'autre ne croît avec la conversation : le suivi gardé
            en mémoire n'est pas relu, et seuls les nouveaux événements sont écrits.
        """),
        "- " + _text(f"""
            **La NLU** prend {_pc(r['nlu'])} du temps de Rasa (le graphe de composants, via dask), la
            politique {_pc(r['policy'])}.
        """),
        "- " + _text(f"""
            **Le serveur d'actions** : l'action prend {_pc(a['action'])} de son temps, dont le moteur
            {_pc(a['engine'])}, la lecture des réponses {_pc(a['understanding'])}, les requêtes SQL
            {_pc(a['sql'])} et le COMMIT SQLite {_pc(a['commit'])} ; tout cela synchrone, dans une
            coroutine (`async def run`), donc sans servir d'autre appel pendant ce temps. Décoder les
            {tracker['action_body_end'] / 1024:.0f} Ko reçus en fin de diagnostic prend
            {_pc(a['json'])}.
        """),
        "- " + _text(f"""
            **Le site** (la porte) est occupé {_pc(w['busy'])} du temps : `POST /api/messages`
            {_pc(w['chat'])}, Socket.IO {_pc(w['socketio'])}, limites de débit {_pc(w['limits'])}. Il
            n'est pas un goulet.
        """),
        *_cold_start(figures),
        "- " + _text("""
            **Ce qui reste :** la NLU (le pipeline lui-même, comme pour l'assistant de référence) ;
            le COMMIT SQLite du suivi, synchrone sur la boucle (en production, PostgreSQL ; sous
            SQLite, le mode WAL le réduirait, au prix d'un changement de durabilité et du
            comportement face à un autre écrivain) ; une connexion SQLite neuve à chaque session de
            SQLAlchemy (`NullPool`), deux par message.
        """),
    ]


if __name__ == "__main__":
    sys.exit(main())
