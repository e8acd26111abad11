#!/usr/bin/env bash
# Creates var/locust-venv, the load benchmark's own environment (`make bench-load`), from the
# pinned benchmarks/locust-requirements.txt: Locust's dependencies clash with Rasa's, so they
# never go into .venv. Downloads happen here, at install time, never while the benchmark runs.
# Does nothing when the environment is already there for the same requirements.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=var/locust-venv
requirements=benchmarks/locust-requirements.txt
stamp="$venv/.installed"
if [[ -f "$stamp" ]] && cmp -s "$requirements" "$stamp"; then
    exit 0
fi
echo "Installation de Locust dans $venv (environnement séparé de .venv)..."
rm -rf "$venv"
python3.10 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements"
"$venv/bin/python" -c "import importlib.util as u, sys; sys.exit(not all(map(u.find_spec, ('locust', 'socketio', 'websocket'))))"
cp "$requirements" "$stamp"
