#!/usr/bin/env bash
# Installs (from Debian's packages, if missing) and starts the services the tests use,
# then writes their addresses to var/test-services.env for `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if ((${#need[@]})); then
    echo "Installation des paquets Debian : ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

url=$(bash scripts/start-test-postgres.sh)
echo "export TEST_POSTGRES_URL='${url}'" > var/test-services.env
echo "PostgreSQL de test : ${url}" >&2
