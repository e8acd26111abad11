#!/usr/bin/env bash
# Creates var/secrets.env (mode 600) with the embedded default's secrets, once: every missing
# one is drawn at random and appended, an existing value is never changed. The file holds
# `export NAME=value` lines; scripts/run.sh sources it, but a value already set in the
# environment (a deployment's) wins over the file's. Called by scripts/run.sh (`make run`,
# `make shell`) and `make secrets`; DIAGNOSTIC_SECRETS_FILE names another file (tests).
#   DIAGNOSTIC_RASA_SECRET     the web application -> Rasa's REST channel
#   DIAGNOSTIC_ACTIONS_SECRET  Rasa -> the action server (endpoints.yml)
#   DIAGNOSTIC_SECRET_KEY      the web application's own key (staff sessions, ids)
set -euo pipefail
cd "$(dirname "$0")/.."
file="${DIAGNOSTIC_SECRETS_FILE:-var/secrets.env}"
names=(DIAGNOSTIC_RASA_SECRET DIAGNOSTIC_ACTIONS_SECRET DIAGNOSTIC_SECRET_KEY)

umask 077
mkdir -p "$(dirname "$file")"
if [[ ! -e "$file" ]]; then
    printf '# Secrets of the embedded default, made by scripts/make-secrets.sh. Keep private.\n' >"$file"
fi
chmod 600 "$file"
for name in "${names[@]}"; do
    if ! grep -q "^export ${name}=." "$file"; then
        # 48 random bytes in URL-safe base64: 64 characters, as secrets.token_urlsafe(48).
        value=$(head -c 48 /dev/urandom | base64 -w0 | tr '+/' '-_')
        printf 'export %s=%s\n' "$name" "$value" >>"$file"
        echo "Secret ${name} créé dans ${file}."
    fi
done
