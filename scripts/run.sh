#!/usr/bin/env bash
# Starts the action server, the Rasa server, the web application and the demo commune
# website, says in French what runs where, and stops everything on Ctrl-C.
# The servers run under supervisord (deploy/supervisord.conf): each one that stops is started
# again by itself, and its exit is logged in supervisord.log; `make status` lists them.
# `scripts/run.sh shell` opens `rasa shell` instead of the servers. Called by `make run` /
# `make shell`, which set the variables.
# The web application is the only public door. Rasa (REST channel only, no HTTP API, no
# CORS) and the action server listen on loopback (RASA_HOST, ACTIONS_HOST) and refuse every
# call without their secret, read from the environment or else from var/secrets.env
# (scripts/make-secrets.sh creates it once).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-server}"
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

export DIAGNOSTIC_RUN_DIR="${DIAGNOSTIC_RUN_DIR:-$PWD/var}" DIAGNOSTIC_LOG_DIR="${DIAGNOSTIC_LOG_DIR:-$PWD/var/log}"
mkdir -p "$DIAGNOSTIC_RUN_DIR" "$DIAGNOSTIC_LOG_DIR"

stop() {
    trap - INT TERM EXIT
    if ((${#pids[@]})); then
        echo
        echo "Arrêt des serveurs..."
        kill "${pids[@]}" 2>/dev/null || true
        wait "${pids[@]}" 2>/dev/null || true
        echo
        echo "Serveurs arrêtés : tout est arrêté."
    fi
}
trap stop INT TERM EXIT

wait_for() {  # url, name, pid
    local url=$1 name=$2 pid=$3
    for _ in $(seq 1 300); do
        if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "Le $name s'est arrêté au démarrage : voir ${DIAGNOSTIC_LOG_DIR}/." >&2
            exit 1
        fi
        sleep 1
    done
    echo "Le $name ne répond pas après 5 minutes : voir ${DIAGNOSTIC_LOG_DIR}/ et « make status »." >&2
    exit 1
}

if [[ "$mode" == shell ]]; then
    echo "Démarrage du serveur d'actions (port ${ACTIONS_PORT})..."
    SANIC_HOST="${ACTIONS_HOST}" .venv/bin/rasa run actions --actions actions --port "${ACTIONS_PORT}" \
        >"${DIAGNOSTIC_LOG_DIR}/actions.log" 2>&1 &
    pids+=($!)
    wait_for "http://${ACTIONS_HOST}:${ACTIONS_PORT}/health" "serveur d'actions" "${pids[-1]}"
    echo "Conversation dans le terminal ; tapez /stop pour quitter."
    .venv/bin/rasa shell --model models/diagnostic.tar.gz --endpoints endpoints.yml --quiet \
        --interface 127.0.0.1
    exit 0
fi

# Every server runs under supervisord (deploy/supervisord.conf), which starts again any that
# stops and logs each exit in supervisord.log; Ctrl-C stops supervisord, which stops them all.
if [[ -S "${DIAGNOSTIC_RUN_DIR}/supervisord.sock" ]] \
    && .venv/bin/supervisorctl -c deploy/supervisord.conf pid >/dev/null 2>&1; then
    echo "Les serveurs tournent déjà (voir « make status ») : rien n'est démarré." >&2
    exit 1
fi

announce() {  # waits for each service in turn and says in French what runs where
    # A service that fails is retried by supervisord: the pid watched is this script's.
    local supervised=$$
    echo "Démarrage des serveurs sous supervision (supervisord) ; journaux dans ${DIAGNOSTIC_LOG_DIR}/."
    echo "Démarrage du serveur d'actions (port ${ACTIONS_PORT})..."
    wait_for "http://${ACTIONS_HOST}:${ACTIONS_PORT}/health" "serveur d'actions" "$supervised"

    echo "Démarrage du serveur Rasa (port ${RASA_PORT}) ; le chargement du modèle prend environ une minute..."
    # No --enable-api and no --cors: only the REST channel, which checks the secret itself.
    # (No --auth-token either: with the API off it guards nothing, and `ps` would show it.)
    wait_for "http://${RASA_HOST}:${RASA_PORT}/" "serveur Rasa" "$supervised"

    echo "Démarrage du site web (port ${DIAGNOSTIC_WEB_PORT}) et du site de démonstration (port ${DIAGNOSTIC_DEMO_PORT})..."
    wait_for "http://${DIAGNOSTIC_WEB_HOST}:${DIAGNOSTIC_WEB_PORT}/api/health" "site web" "$supervised"
    wait_for "http://${DIAGNOSTIC_WEB_HOST}:${DIAGNOSTIC_DEMO_PORT}/" "site de démonstration" "$supervised"

    cat <<MSG

L'assistant est prêt. Ouvrez dans votre navigateur :

    ${DIAGNOSTIC_PUBLIC_URL}

  - Site de démonstration (le widget sur le site d'une commune) : http://${DIAGNOSTIC_WEB_HOST}:${DIAGNOSTIC_DEMO_PORT}
  - Widget à intégrer : <script src="${DIAGNOSTIC_PUBLIC_URL}/widget.js" async></script>
  - API de discussion : POST ${DIAGNOSTIC_PUBLIC_URL}/api/messages
  - Socket.IO (rasa-webchat) : ${DIAGNOSTIC_PUBLIC_URL}/socket.io/
  - Diagnostics     : ${DIAGNOSTIC_DATABASE_URL}
  - Journaux        : ${DIAGNOSTIC_LOG_DIR}/ (un fichier par service, et supervisord.log)
Le site est la seule porte publique : Rasa (${RASA_HOST}:${RASA_PORT}) et le serveur d'actions
(${ACTIONS_HOST}:${ACTIONS_PORT}) restent privés et refusent tout appel sans leur secret
(var/secrets.env).
Essayez aussi :
  curl -s -X POST ${DIAGNOSTIC_PUBLIC_URL}/api/messages \\
       -H 'Content-Type: application/json' -d '{"message": "bonjour"}'
Un service qui s'arrête est redémarré tout seul ; « make status » dit ce qui tourne.
Ctrl-C arrête tout.
MSG
}

# supervisord runs in the foreground: Ctrl-C reaches it, and it stops every service
# (SIGTERM, then SIGKILL after stopwaitsecs) before it returns.
# Ctrl-C: supervisord handles it; this script goes on once supervisord has returned.
trap ':' INT
trap 'kill -TERM "$(cat "${DIAGNOSTIC_RUN_DIR}/supervisord.pid")" 2>/dev/null || true' TERM
trap - EXIT
announce &
announcer=$!
status=0
.venv/bin/supervisord -c deploy/supervisord.conf || status=$?
kill "$announcer" 2>/dev/null || true
wait "$announcer" 2>/dev/null || true
if ((status)); then
    echo "supervisord s'est arrêté sur une erreur : voir ${DIAGNOSTIC_LOG_DIR}/supervisord.log." >&2
    exit "$status"
fi
echo
echo "Serveurs arrêtés : tout est arrêté."
