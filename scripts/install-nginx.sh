#!/usr/bin/env bash
# Installs nginx from Debian's packages if it is missing (nginx-light, else nginx), for
# `make bench-scale` (scripts/start-nginx.sh starts it on loopback). Idempotent; prints
# the path of the nginx binary.
set -euo pipefail

find_nginx() {
    command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; }
}

if ! find_nginx >/dev/null; then
    echo "Installation de nginx (paquet Debian)..." >&2
    apt-get update -qq
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null
    fi
    # The package starts the system's nginx on port 80 where it can: the project's runs its own.
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now nginx >/dev/null 2>&1 || true; fi
fi
binary=$(find_nginx || true)
if [[ -z "$binary" ]]; then
    echo "nginx est introuvable après l'installation (paquets nginx-light ou nginx)." >&2
    exit 1
fi
echo "$binary"
