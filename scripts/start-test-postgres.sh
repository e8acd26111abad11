#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the storage tests, idempotently.
#
# Usage:
#   export TEST_POSTGRES_URL="$(scripts/start-test-postgres.sh)"   # init if missing, start, create db
#   .venv/bin/pytest tests/bot/test_storage.py                      # postgres params now run
#   scripts/start-test-postgres.sh stop                             # stop the server (data kept)
#   scripts/start-test-postgres.sh stop immediate                   # stop it as a crash would
#   scripts/start-test-postgres.sh url                              # print the URL only
#
# Only the URL goes to stdout; progress messages go to stderr.
# Settings (environment): PG_BIN (default /usr/lib/postgresql/15/bin), PGTEST_DATA
# (default /tmp/pgtest), PGTEST_PORT (default 55432), PGTEST_SOCKET_DIR (default /tmp),
# PGTEST_DB (default diagnostic_test), PGTEST_SERVER_OPTIONS (more `-c name=value` server settings,
# e.g. make bench-scale's pg_stat_statements). Run as root, the server runs as user postgres.
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
DATA="${PGTEST_DATA:-/tmp/pgtest}"
PORT="${PGTEST_PORT:-55432}"
SOCKET_DIR="${PGTEST_SOCKET_DIR:-/tmp}"
DB="${PGTEST_DB:-diagnostic_test}"
URL="postgresql+psycopg2://postgres@127.0.0.1:${PORT}/${DB}"

log() { echo "start-test-postgres: $*" >&2; }

# Run a command as the owner of the server (postgres when we are root).
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

psql_admin() {
    as_owner "$PG_BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

is_running() {
    [ -f "$DATA/PG_VERSION" ] && as_owner "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

case "${1:-start}" in
    url)
        echo "$URL"
        exit 0
        ;;
    stop)
        # pg_ctl's shutdown mode: smart, fast (default) or immediate (no clean shutdown).
        MODE="${2:-fast}"
        case "$MODE" in
            smart | fast | immediate) ;;
            *)
                echo "usage: $0 stop [smart|fast|immediate]" >&2
                exit 2
                ;;
        esac
        if is_running; then
            as_owner "$PG_BIN/pg_ctl" -D "$DATA" -m "$MODE" -w stop >&2
        else
            log "not running"
        fi
        exit 0
        ;;
    start) ;;
    *)
        echo "usage: $0 [start|stop [mode]|url]" >&2
        exit 2
        ;;
esac

if [ ! -x "$PG_BIN/initdb" ]; then
    log "PostgreSQL binaries not found in $PG_BIN (set PG_BIN)"
    exit 1
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
    log "initialising $DATA"
    mkdir -p "$DATA"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$DATA"
    fi
    chmod 700 "$DATA"
    as_owner "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-locale >&2
fi

if is_running; then
    log "already running on port $PORT"
else
    log "starting on 127.0.0.1:$PORT (socket dir $SOCKET_DIR, log $DATA/server.log)"
    as_owner "$PG_BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 30 \
        -o "-p $PORT -k $SOCKET_DIR -c listen_addresses=127.0.0.1 -c fsync=off ${PGTEST_SERVER_OPTIONS:-}" start >&2
fi

if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
    log "creating database $DB"
    psql_admin -c "CREATE DATABASE \"$DB\""
fi

echo "$URL"
