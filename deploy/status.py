"""``make status``: which services run under supervisord, since when, and where their logs are.

Asks the supervisord that ``make run`` started (deploy/supervisord.conf) through its socket,
``$DIAGNOSTIC_RUN_DIR/supervisord.sock`` (var/ by default). Exit status: 0 when every service
runs, 1 when one does not, 2 when supervisord does not answer.
"""

from __future__ import annotations

import os
import sys
import time
import xmlrpc.client
from pathlib import Path

from supervisor.xmlrpc import SupervisorTransport

ROOT = Path(__file__).resolve().parents[1]
NAMES = {
    "actions": "serveur d'actions",
    "rasa": "serveur Rasa",
    "web": "site web",
    "demo": "site de démonstration",
}
STATES = {
    "RUNNING": "en marche",
    "STARTING": "en cours de démarrage",
    "BACKOFF": "redémarrage après un échec (nouvel essai bientôt)",
    "STOPPED": "arrêté",
    "STOPPING": "en cours d'arrêt",
    "EXITED": "arrêté (sera redémarré)",
    "FATAL": "en échec : ne redémarre plus, voir son journal",
    "UNKNOWN": "état inconnu",
}


def socket_path(environ: os._Environ[str] | dict[str, str] = os.environ) -> Path:
    run_dir = environ.get("DIAGNOSTIC_RUN_DIR") or str(ROOT / "var")
    return Path(run_dir) / "supervisord.sock"


def connect(sock: Path) -> xmlrpc.client.ServerProxy:
    transport = SupervisorTransport(None, None, f"unix://{sock}")
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} j {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


def describe(info: dict, now: float) -> str:
    name = NAMES.get(info["name"], info["name"])
    state = STATES.get(info["statename"], info["statename"].lower())
    lines = [f"{name} ({info['name']}) : {state}"]
    if info["statename"] == "RUNNING":
        started = time.strftime("%d/%m/%Y %H:%M:%S", time.localtime(info["start"]))
        lines.append(f"    depuis le {started} ({_duration(now - info['start'])}), processus {info['pid']}")
    elif info.get("stop"):
        stopped = time.strftime("%d/%m/%Y %H:%M:%S", time.localtime(info["stop"]))
        lines.append(f"    arrêté le {stopped} ({info.get('spawnerr') or info.get('description', '')})")
    lines.append(f"    journal : {info['stdout_logfile']}")
    return "\n".join(lines)


def main() -> int:
    sock = socket_path()
    server = connect(sock)
    try:
        supervisor_pid = server.supervisor.getPID()
        infos = server.supervisor.getAllProcessInfo()
    except (OSError, xmlrpc.client.Error):
        print(f"Aucun serveur ne tourne (supervisord ne répond pas sur {sock}) : lancez « make run ».")
        return 2
    finally:
        server("close")()
    now = time.time()
    log_dir = os.environ.get("DIAGNOSTIC_LOG_DIR") or str(ROOT / "var" / "log")
    print(f"supervisord (processus {supervisor_pid}) ; arrêts et redémarrages : {log_dir}/supervisord.log")
    for info in infos:
        print(describe(info, now))
    return 0 if all(info["statename"] == "RUNNING" for info in infos) else 1


if __name__ == "__main__":
    sys.exit(main())
