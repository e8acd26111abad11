#!/usr/bin/env bash
# Starts the action server, the Rasa server, the web application and the demo commune
# website, says in French what runs where, and stops everything on Ctrl-C.
# `scripts/run.sh shell` opens `rasa shell` instead of the servers. Called by `make run` /
# `make shell`, which set the variables.
# The web application is the only public door. Rasa (REST channel only, no HTTP API, no
# CORS) and the action server listen on loopback (RASA_HOST, ACTIONS_HOST) and refuse every
# call without their secret, read from the environment or else from var/secrets.env
# (scripts/make-secrets.sh creates it once).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-server}"
mkdir -p var/log
pids=()

# Secrets: a value set in the environment (a deployment's) wins over var/secrets.env.
bash scripts/make-secrets.sh
preset=()
for name in DIAGNOSTIC_RASA_SECRET DIAGNOSTIC_ACTIONS_SECRET DIAGNOSTIC_SECRET_KEY; do
    if [[ -n "${!name:-}" ]]; then preset+=("$name=${!name}"); fi
done
# shellcheck source=/dev/null
source var/secrets.env
for assignment in "${preset[@]}"; do export "$assignment"; done

stop() {
    trap - INT TERM EXIT
    if ((${#pids[@]})); then
        echo
        echo "Arrêt des serveurs..."
        kill "${pids[@]}" 2>/dev/null || true
        wait "${pids[@]}" 2>/dev/null || true
        echo "Tout est arrêté."
    fi
}
trap stop INT TERM EXIT

wait_for() {  # url, name, pid
    local url=$1 name=$2 pid=$3
    for _ in $(seq 1 300); do
        if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "Le $name s'est arrêté au démarrage : voir var/log/." >&2
            exit 1
        fi
        sleep 1
    done
    echo "Le $name ne répond pas après 5 minutes : voir var/log/." >&2
    exit 1
}

echo "Démarrage du serveur d'actions (port ${ACTIONS_PORT})..."
SANIC_HOST="${ACTIONS_HOST}" .venv/bin/rasa run actions --actions actions --port "${ACTIONS_PORT}" \
    >var/log/actions.log 2>&1 &
pids+=($!)
wait_for "http://${ACTIONS_HOST}:${ACTIONS_PORT}/health" "serveur d'actions" "${pids[-1]}"

if [[ "$mode" == shell ]]; then
    echo "Conversation dans le terminal ; tapez /stop pour quitter."
    .venv/bin/rasa shell --model models/diagnostic.tar.gz --endpoints endpoints.yml --quiet \
        --interface 127.0.0.1
    exit 0
fi

echo "Démarrage du serveur Rasa (port ${RASA_PORT}) ; le chargement du modèle prend environ une minute..."
# No --enable-api and no --cors: only the REST channel, which checks the secret itself.
# (No --auth-token either: with the API off it guards nothing, and `ps` would show it.)
.venv/bin/rasa run --model models/diagnostic.tar.gz --endpoints endpoints.yml \
    --credentials credentials.yml --interface "${RASA_HOST}" --port "${RASA_PORT}" \
    >var/log/rasa.log 2>&1 &
pids+=($!)
wait_for "http://${RASA_HOST}:${RASA_PORT}/" "serveur Rasa" "${pids[-1]}"

echo "Démarrage du site web (port ${DIAGNOSTIC_WEB_PORT}) et du site de démonstration (port ${DIAGNOSTIC_DEMO_PORT})..."
.venv/bin/python -m bot.web site >var/log/web.log 2>&1 &
pids+=($!)
wait_for "http://${DIAGNOSTIC_WEB_HOST}:${DIAGNOSTIC_WEB_PORT}/api/health" "site web" "${pids[-1]}"
.venv/bin/python -m bot.web demo >var/log/demo.log 2>&1 &
pids+=($!)
wait_for "http://${DIAGNOSTIC_WEB_HOST}:${DIAGNOSTIC_DEMO_PORT}/" "site de démonstration" "${pids[-1]}"

cat <<MSG

L'assistant est prêt. Ouvrez dans votre navigateur :

    ${DIAGNOSTIC_PUBLIC_URL}

  - Site de démonstration (le widget sur le site d'une commune) : http://${DIAGNOSTIC_WEB_HOST}:${DIAGNOSTIC_DEMO_PORT}
  - Widget à intégrer : <script src="${DIAGNOSTIC_PUBLIC_URL}/widget.js" async></script>
  - API de discussion : POST ${DIAGNOSTIC_PUBLIC_URL}/api/messages
  - Socket.IO (rasa-webchat) : ${DIAGNOSTIC_PUBLIC_URL}/socket.io/
  - Diagnostics     : ${DIAGNOSTIC_DATABASE_URL}
  - Journaux        : var/log/
Le site est la seule porte publique : Rasa (${RASA_HOST}:${RASA_PORT}) et le serveur d'actions
(${ACTIONS_HOST}:${ACTIONS_PORT}) restent privés et refusent tout appel sans leur secret
(var/secrets.env).
Essayez aussi :
  curl -s -X POST ${DIAGNOSTIC_PUBLIC_URL}/api/messages \\
       -H 'Content-Type: application/json' -d '{"message": "bonjour"}'
Ctrl-C arrête tout.
MSG
wait -n "${pids[@]}"
echo "Un des serveurs s'est arrêté : voir var/log/." >&2
