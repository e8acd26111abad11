#!/usr/bin/env bash
# Start a throwaway Redis server for the tests (rate limits, sessions), idempotently.
#
# Usage:
#   export TEST_REDIS_URL="$(scripts/start-test-redis.sh)"   # start if not running
#   .venv/bin/pytest tests/web/test_ratelimit.py              # redis params now run
#   scripts/start-test-redis.sh stop                          # stop the server
#   scripts/start-test-redis.sh url                           # print the URL only
#
# Only the URL goes to stdout; progress messages go to stderr. The server listens on
# loopback only, keeps nothing on disk and runs without a password (tests only).
# Settings (environment): REDIS_BIN (default redis-server), REDISTEST_PORT (default 56379),
# REDISTEST_DIR (default /tmp/redistest: pid file and log).
set -euo pipefail

REDIS_BIN="${REDIS_BIN:-redis-server}"
PORT="${REDISTEST_PORT:-56379}"
DIR="${REDISTEST_DIR:-/tmp/redistest}"
URL="redis://127.0.0.1:${PORT}/0"

log() { echo "start-test-redis: $*" >&2; }

ping() {
    # A PING in Redis's protocol, without redis-cli: true when the server answers +PONG.
    (
        exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
        printf 'PING\r\n' >&3
        reply=""
        read -r -t 2 reply <&3 || true
        [[ "$reply" == "+PONG"* ]]
    ) 2>/dev/null
}

case "${1:-start}" in
    url)
        echo "$URL"
        exit 0
        ;;
    stop)
        if [ -f "$DIR/redis.pid" ] && kill -0 "$(cat "$DIR/redis.pid")" 2>/dev/null; then
            kill "$(cat "$DIR/redis.pid")"
            rm -f "$DIR/redis.pid"
        else
            log "not running"
        fi
        exit 0
        ;;
    start) ;;
    *)
        echo "usage: $0 [start|stop|url]" >&2
        exit 2
        ;;
esac

if ! command -v "$REDIS_BIN" >/dev/null 2>&1; then
    log "redis-server not found (install Debian's redis-server or set REDIS_BIN)"
    exit 1
fi

if ping; then
    log "already running on port $PORT"
else
    mkdir -p "$DIR"
    log "starting on 127.0.0.1:$PORT (log $DIR/redis.log)"
    "$REDIS_BIN" --bind 127.0.0.1 --port "$PORT" --save "" --appendonly no \
        --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" --dir "$DIR" >&2
    for _ in $(seq 50); do
        ping && break
        sleep 0.1
    done
    if ! ping; then
        log "the server did not answer (see $DIR/redis.log)"
        exit 1
    fi
fi

echo "$URL"
