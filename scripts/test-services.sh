#!/usr/bin/env bash
# Installs (from Debian's packages, if missing) and starts the services the tests use,
# then writes their addresses to var/test-services.env for `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if ((${#need[@]})); then
    echo "Installation des paquets Debian : ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

url=$(bash scripts/start-test-postgres.sh)
redis_url=$(bash scripts/start-test-redis.sh)
{
    echo "export TEST_POSTGRES_URL='${url}'"
    echo "export TEST_REDIS_URL='${redis_url}'"
} > var/test-services.env
echo "PostgreSQL de test : ${url}" >&2
echo "Redis de test : ${redis_url}" >&2
