#!/usr/bin/env bash
# Installs what the browser tests and the widget benchmark need, only when it is missing:
#   - Debian's headless Chromium (/usr/bin/chromium), driven by Playwright for Python;
#   - the npm packages axe-core and rasa-webchat 1.0.1, packed (npm pack) into var/npm-cache/.
# Nothing is downloaded at test time: the tests read these local copies. Called by
# `make browser` and `make bench-widget`; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

AXE_CORE_VERSION=4.14.1
RASA_WEBCHAT_VERSION=1.0.1
CACHE=var/npm-cache

if [[ $(id -u) -eq 0 ]]; then sudo=(); else sudo=(sudo); fi
apt_install() {
    echo "Installation des paquets Debian : $*..."
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null
}

if [[ ! -x /usr/bin/chromium ]]; then
    apt_install chromium fonts-dejavu-core
fi

mkdir -p "$CACHE"
pack() {  # package, version
    local tarball="$CACHE/$1-$2.tgz"
    if [[ -s "$tarball" ]]; then return 0; fi
    command -v npm >/dev/null || apt_install npm
    echo "Copie locale de $1@$2 (npm pack)..."
    (cd "$CACHE" && npm pack --silent "$1@$2" >/dev/null)
    [[ -s "$tarball" ]] || { echo "npm pack n'a pas produit $tarball" >&2; exit 1; }
}
pack axe-core "$AXE_CORE_VERSION"
pack rasa-webchat "$RASA_WEBCHAT_VERSION"
