#!/usr/bin/env bash
# Installs what the browser tests and the widget benchmark need, only when it is missing:
#   - Debian's headless Chromium (/usr/bin/chromium), driven by Playwright for Python;
#   - the npm packages axe-core and rasa-webchat 1.0.1, packed (npm pack) into var/npm-cache/.
# Nothing is downloaded at test time: the tests read these local copies. Called by
# `make browser` and `make bench-widget`; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/npm-pack.sh
source scripts/npm-pack.sh

AXE_CORE_VERSION=4.14.1
RASA_WEBCHAT_VERSION=1.0.1

if [[ ! -x /usr/bin/chromium ]]; then
    apt_install chromium fonts-dejavu-core
fi

npm_pack axe-core "$AXE_CORE_VERSION"
npm_pack rasa-webchat "$RASA_WEBCHAT_VERSION"
