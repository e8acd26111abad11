"""`make bench-scale`: the scale-out topology on this machine, beside one process of each (issue 12).

1. PostgreSQL and Redis of its own (Debian's packages, started by the project's scripts
   scripts/start-test-postgres.sh and start-test-redis.sh, on the ports of
   deploy/scale/topology.env, with their data under /tmp), fresh databases.
2. The single-process run: deploy/supervisord.conf (one action server, one Rasa, one door, as
   `make run`), on the same PostgreSQL and Redis (databases of its own), the users straight on
   the door. Started, loaded, stopped.
3. The scale-out run: deploy/scale/supervisord.conf (two action servers, two Rasa, two door
   processes, nginx with TLS in front), the users through nginx over HTTPS.
4. Each run: one warm-up conversation, then the same levels of simulated users as
   `make bench-load` (scripts/bench_load.py's code: Locust, scripts/load_users.py), each
   service's CPU time and peak memory, the machine's CPU; then the diagnostic store checked
   on PostgreSQL (every answer taken stored once, in order, in its own diagnostic).
5. The figures go to benchmarks/load.scale.json, and benchmarks/load.md is written again with
   its scale-out section and the capacity model (scripts/bench_load.py renders both).

Exit status 1 when a store check fails. ``--quick``: one level of 20 users for 30 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_load as load  # noqa: E402
import httpx  # noqa: E402

from bot.service_secret import ACTIONS_SECRET, RASA_SECRET  # noqa: E402
from tests.faults.stack import CONFIG, Stack, stack_env, stack_urls  # noqa: E402
from tests.servers import MODEL, new_secret  # noqa: E402

TOPOLOGY = ROOT / "deploy" / "scale" / "supervisord.conf"
TOPOLOGY_ENV = ROOT / "deploy" / "scale" / "topology.env"
SCALE_FIGURES = ROOT / "benchmarks" / "load.scale.json"
PG_DATA = Path("/tmp/bench-scale-postgres")
REDIS_DIR = Path("/tmp/bench-scale-redis")
# Users -> seconds. Each simulated user waits about 1 s between turns, so N users cannot ask
# for much more than N / (1 s + latency) turns per second: 50 users nearly saturate one
# process of each but not the scale-out topology; 80 saturate both. 80 stays below the
# tracker store's 100 cached conversations per Rasa (endpoints.yml), so that the top level
# measures the servers, not a cache too small for the users.
LEVELS = {20: 60, 50: 60, 80: 90}
QUICK_LEVELS = {20: 30}
# s: two Rasa load their model at once; on a machine other work shares, that took over 400 s.
START_DEADLINE = 900
# The single-process run's own ports (the range this machine gives the benchmark) and stores.
SINGLE_PORTS = {
    "RASA_PORT": 6315,
    "ACTIONS_PORT": 6365,
    "DIAGNOSTIC_WEB_PORT": 6310,
    "DIAGNOSTIC_DEMO_PORT": 6311,
}
DATABASES = {"scale": ("diagnostic", "tracker"), "single": ("diagnostic_single", "tracker_single")}
# PostgreSQL counts its statements (pg_stat_statements) during the busiest level of each run.
STATEMENT_STATISTICS = "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top"
MOST_STATEMENTS = 8
# Services measured in the scale-out run: name in the figures -> its supervisord programs.
SCALE_SERVICES = {
    "rasa": ["rasa-1", "rasa-2"],
    "actions": ["actions-1", "actions-2"],
    "web": ["web-1", "web-2"],
    "nginx": ["nginx"],
}


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (comments and blank lines skipped), as deploy/scale/topology.env."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


# PostgreSQL and Redis ---------------------------------------------------------------------


def _script(name: str, env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(
        ["bash", str(ROOT / "scripts" / name), *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{name} : {completed.stderr[-2000:]}")
    return completed.stdout.strip()


@contextlib.contextmanager
def data_services(topology: dict[str, str]) -> Iterator[dict[str, Any]]:
    """This benchmark's own PostgreSQL and Redis, with fresh databases; stopped after."""
    from sqlalchemy import create_engine, text

    pg_env = {**os.environ, "PGTEST_PORT": topology["POSTGRES_PORT"], "PGTEST_DATA": str(PG_DATA),
              "PGTEST_DB": "postgres", "PGTEST_SERVER_OPTIONS": STATEMENT_STATISTICS}  # fmt: skip
    redis_env = {**os.environ, "REDISTEST_PORT": topology["REDIS_PORT"], "REDISTEST_DIR": str(REDIS_DIR)}
    print("PostgreSQL et Redis du banc (scripts/start-test-postgres.sh, start-test-redis.sh)...", flush=True)
    _script("start-test-postgres.sh", pg_env)
    try:
        redis_url = _script("start-test-redis.sh", redis_env)
        admin = create_engine(f"postgresql+psycopg2://postgres@127.0.0.1:{topology['POSTGRES_PORT']}/postgres",
                              isolation_level="AUTOCOMMIT", future=True)  # fmt: skip
        with admin.connect() as db:
            for name in (name for pair in DATABASES.values() for name in pair):
                db.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                db.execute(text(f'CREATE DATABASE "{name}"'))
            db.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
        import redis

        client = redis.Redis.from_url(redis_url)
        client.flushall()  # this benchmark's own Redis
        client.close()
        yield {
            "postgres_pid": int((PG_DATA / "postmaster.pid").read_text().split()[0]),
            "redis_pid": int((REDIS_DIR / "redis.pid").read_text().strip()),
            "admin": admin,
        }
        admin.dispose()
    finally:
        _script("start-test-redis.sh", redis_env, "stop")
        _script("start-test-postgres.sh", pg_env, "stop")


def reset_statements(admin: Any) -> None:
    """Start counting PostgreSQL's statements afresh (pg_stat_statements)."""
    from sqlalchemy import text

    with admin.connect() as db:
        db.execute(text("SELECT pg_stat_statements_reset()"))


def statements_per_turn(admin: Any, databases: tuple[str, ...], turns: int) -> dict[str, Any]:
    """What PostgreSQL ran for ``databases`` since the last reset, per turn: every statement's
    calls and execution time (waits for locks included), the busiest first."""
    from sqlalchemy import bindparam, text

    query = text(
        "SELECT d.datname, s.query, s.calls, s.total_exec_time, s.rows FROM pg_stat_statements s "
        "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname IN :names ORDER BY s.total_exec_time DESC"
    ).bindparams(bindparam("names", expanding=True))
    with admin.connect() as db:
        rows = db.execute(query, {"names": list(databases)}).all()
    per_turn = max(turns, 1)
    return {
        "turns": turns,
        "calls_per_turn": sum(row.calls for row in rows) / per_turn,
        "ms_per_turn": sum(row.total_exec_time for row in rows) / per_turn,
        "busiest": [
            {
                "database": row.datname,
                "query": " ".join(row.query.split())[:200],
                "calls_per_turn": row.calls / per_turn,
                "ms_per_turn": row.total_exec_time / per_turn,
                "mean_ms": row.total_exec_time / max(row.calls, 1),
            }
            for row in rows[:MOST_STATEMENTS]
        ],
    }


class ConnectionWatch(threading.Thread):
    """The most connections PostgreSQL held at once (pg_stat_activity, every second)."""

    def __init__(self, admin: Any) -> None:
        super().__init__(daemon=True)
        self.admin = admin
        self.peak = 0
        self._done = threading.Event()

    def run(self) -> None:
        from sqlalchemy import text

        with self.admin.connect() as db:
            while not self._done.is_set():
                query = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                count = db.execute(text(query))
                self.peak = max(self.peak, int(count.scalar_one()) - 1)  # less this watch
                self._done.wait(1)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


# The two stacks -------------------------------------------------------------------------


def store_env(topology: dict[str, str], kind: str) -> dict[str, str]:
    """The variables naming the stores of one run (``kind``: "scale" or "single")."""
    diagnostic, tracker = DATABASES[kind]
    pg = f"postgres@127.0.0.1:{topology['POSTGRES_PORT']}"
    redis_db = {"scale": (0, 1), "single": (2, 3)}[kind]
    return {
        "DIAGNOSTIC_DATABASE_URL": f"postgresql+psycopg2://{pg}/{diagnostic}",
        "TRACKER_DIALECT": "postgresql",
        "TRACKER_URL": f"postgresql://{pg}/{tracker}",
        "TRACKER_DB": tracker,
        "LOCK_STORE_URL": f"redis://127.0.0.1:{topology['REDIS_PORT']}/{redis_db[0]}",
        "LOCK_STORE_PREFIX": kind,
        "LOCK_OWNER_LEASE": topology["LOCK_OWNER_LEASE"],
        "TICKET_LOCK_LIFETIME": topology["TICKET_LOCK_LIFETIME"],
        "DIAGNOSTIC_REDIS_URL": f"redis://127.0.0.1:{topology['REDIS_PORT']}/{redis_db[1]}",
    }


@contextlib.contextmanager
def supervised(config: Path, folder: Path, env: dict[str, str], urls: dict[str, str]) -> Iterator[Stack]:
    """supervisord on ``config`` with every program of ``urls`` up (the start may be slow on a
    shared machine: START_DEADLINE); stopped after, as Ctrl-C would."""
    with (folder / "supervisord.out").open("w") as output:
        supervisord = subprocess.Popen(
            [str(Path(sys.executable).with_name("supervisord")), "-c", str(config)],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    stack = Stack(
        folder=folder, env=env, door_url=env["DIAGNOSTIC_PUBLIC_URL"], urls=urls, supervisord=supervisord
    )
    try:
        deadline = time.monotonic() + 30
        while not (folder / "run" / "supervisord.sock").exists():
            assert supervisord.poll() is None, (folder / "supervisord.out").read_text()
            assert time.monotonic() < deadline, "supervisord n'a pas ouvert son socket"
            time.sleep(0.2)
        stack.wait_all_up(START_DEADLINE)
        yield stack
    finally:
        stack.close()
        supervisord.send_signal(signal.SIGINT)
        try:
            supervisord.wait(timeout=90)
        except subprocess.TimeoutExpired:
            supervisord.kill()
            supervisord.wait()


@contextlib.contextmanager
def single_stack(folder: Path, topology: dict[str, str]) -> Iterator[tuple[Stack, dict[str, list[int]]]]:
    """deploy/supervisord.conf (one process of each, as `make run`) on PostgreSQL and Redis."""
    web = f"http://127.0.0.1:{SINGLE_PORTS['DIAGNOSTIC_WEB_PORT']}"
    ports = {name: str(port) for name, port in SINGLE_PORTS.items()}
    env = stack_env(
        folder, **load.RATE_LIMITS, **store_env(topology, "single"), **ports,
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{ports['ACTIONS_PORT']}/webhook", DIAGNOSTIC_PUBLIC_URL=web,
        DIAGNOSTIC_RASA_URL=f"http://127.0.0.1:{ports['RASA_PORT']}",
    )  # fmt: skip
    with supervised(CONFIG, folder, env, stack_urls(env)) as stack:
        yield stack, {name: [stack.info(name)["pid"]] for name in load.SERVICES}


@contextlib.contextmanager
def scale_stack(folder: Path, topology: dict[str, str]) -> Iterator[tuple[Stack, dict[str, list[int]], Path]]:
    """deploy/scale/supervisord.conf: every program up, nginx answering over HTTPS."""
    (folder / "run").mkdir()
    (folder / "log").mkdir()
    env = {
        **os.environ, **topology, **load.RATE_LIMITS, **store_env(topology, "scale"),
        "DIAGNOSTIC_RUN_DIR": str(folder / "run"), "DIAGNOSTIC_LOG_DIR": str(folder / "log"),
        "RASA_TELEMETRY_ENABLED": "false", "PYTHONDONTWRITEBYTECODE": "1",
        RASA_SECRET: new_secret(), ACTIONS_SECRET: new_secret(), "DIAGNOSTIC_SECRET_KEY": new_secret(),
    }  # fmt: skip
    env.pop("SANIC_HOST", None)
    # The certificate first (and the configuration checked): the health checks trust it.
    nginx_dir = folder / "run" / "nginx"
    upstreams = ",".join(f"{topology['DIAGNOSTIC_WEB_HOST']}:{topology[f'WEB_{n}_PORT']}" for n in (1, 2))
    subprocess.run(
        ["bash", "scripts/start-nginx.sh", str(nginx_dir), "check"],
        cwd=ROOT, env={**env, "NGINX_UPSTREAMS": upstreams}, check=True,
    )  # fmt: skip
    ca_file = nginx_dir / "tls" / "cert.pem"
    host = "http://127.0.0.1"
    urls = {
        **{f"actions-{n}": f"{host}:{topology[f'ACTIONS_{n}_PORT']}/health" for n in (1, 2)},
        **{f"rasa-{n}": f"{host}:{topology[f'RASA_{n}_PORT']}/" for n in (1, 2)},
        **{f"web-{n}": f"{host}:{topology[f'WEB_{n}_PORT']}/api/health" for n in (1, 2)},
    }
    with (
        supervised(TOPOLOGY, folder, env, urls) as stack,
        httpx.Client(verify=str(ca_file), timeout=10) as client,
    ):
        for _ in range(120):
            with contextlib.suppress(httpx.HTTPError):
                if client.get(f"{stack.door_url}/api/health").status_code == 200:
                    break
            time.sleep(0.5)
        else:
            raise RuntimeError(f"nginx ne répond pas : {(folder / 'log' / 'nginx.log').read_text()[-2000:]}")
        pids = {name: [stack.info(program)["pid"] for program in programs]
                for name, programs in SCALE_SERVICES.items()}  # fmt: skip
        yield stack, pids, ca_file


# One run --------------------------------------------------------------------------------


def measure(
    kind: str, stack: Stack, pids: dict[str, list[int]], data: dict[str, Any], levels: dict[int, int],
    folder: Path, answers: dict[str, str], ca_file: Path | None,
) -> dict[str, Any]:  # fmt: skip
    """Warm-up, levels, memory and the store check of one stack (``kind``: "scale" or "single")."""
    services = {**pids, "postgres": [data["postgres_pid"]], "redis": [data["redis_pid"]]}
    sampler = load.Sampler(services)
    sampler.start()
    watch = ConnectionWatch(data["admin"])
    watch.start()
    result: dict[str, Any] = {"processes": {name: len(each) for name, each in pids.items()}}
    try:
        warm = load.warm_up(stack.door_url, "diagnostic", answers, ca_file)
        result["levels"] = []
        for index, (users, duration) in enumerate(levels.items()):
            if index == len(levels) - 1:
                reset_statements(data["admin"])
            number = (index + 1) * 10000 + (0 if kind == "single" else 100000)
            result["levels"].append(load.run_level(
                "diagnostic", stack.door_url, users, duration, folder, sampler, number, answers, ca_file,
                label=f"{kind}{users:02d}",
            ))  # fmt: skip
    finally:
        sampler.stop()
        result["pg_connections_peak"] = watch.stop()
    busiest_turns = len(result["levels"][-1].turns)
    result["statements"] = statements_per_turn(data["admin"], DATABASES[kind], busiest_turns)
    result["peak_rss"] = dict(sampler.peak)
    turns = warm.pop("records") + [turn for level in result["levels"] for turn in level.turns]
    result["warm_up"] = warm
    print("Vérification de la base des diagnostics (PostgreSQL)...", flush=True)
    result["store"] = load.check_store(stack.env["DIAGNOSTIC_DATABASE_URL"], turns)
    result["levels"] = [load.summarize(level) for level in result["levels"]]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="un palier de 20 utilisateurs, 30 s")
    args = parser.parse_args()
    if not MODEL.exists():
        print("Pas de modèle entraîné : lancez `make train`.", file=sys.stderr)
        return 2
    subprocess.run(["bash", str(ROOT / "scripts" / "install-locust.sh")], check=True)
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "install-nginx.sh")], check=True, stdout=subprocess.DEVNULL
    )
    levels = QUICK_LEVELS if args.quick else LEVELS
    topology = read_env_file(TOPOLOGY_ENV)
    answers = load.canned_answers()
    started = time.monotonic()
    figures: dict[str, Any] = {
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "loadavg_before": os.getloadavg(), "quick": args.quick,
        "machine": f"{platform.machine()}, {os.cpu_count()} cœurs, Python {platform.python_version()}",
    }  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        with data_services(topology) as data:
            (folder / "single").mkdir()
            print("Un processus de chaque (deploy/supervisord.conf) sur PostgreSQL et Redis...", flush=True)
            with single_stack(folder / "single", topology) as (stack, pids):
                figures["single"] = measure(
                    "single", stack, pids, data, levels, folder / "single", answers, None
                )
            (folder / "scale").mkdir()
            print("Topologie répartie (deploy/scale/supervisord.conf) derrière nginx...", flush=True)
            with scale_stack(folder / "scale", topology) as (stack, pids, ca_file):
                figures["scale"] = measure(
                    "scale", stack, pids, data, levels, folder / "scale", answers, ca_file
                )
        figures["loadavg_after"] = os.getloadavg()
        figures["seconds"] = round(time.monotonic() - started)
        SCALE_FIGURES.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        base = json.loads(load.FIGURES.read_text(encoding="utf-8"))
        load.REPORT.write_text(load.render(base), encoding="utf-8")
        print("\n".join(load.scale_section(figures)))
        print(f"Écrit : {SCALE_FIGURES}, {load.REPORT} ({figures['seconds']} s)")
        return 0 if all(figures[kind]["store"]["ok"] for kind in ("single", "scale")) else 1
    finally:
        if os.environ.get("BENCH_LOAD_KEEP"):
            print(f"Dossier de la course gardé : {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
