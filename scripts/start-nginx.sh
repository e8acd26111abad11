#!/usr/bin/env bash
# Starts nginx in front of the door processes, in the foreground (supervisord's child in
# deploy/scale/supervisord.conf, or by hand), with its own folder: the configuration rendered
# from deploy/nginx.conf, its pid file, temp files and a TLS certificate for loopback that
# this script generates with openssl (self-signed, 127.0.0.1 and localhost) when missing.
#
# Usage: scripts/start-nginx.sh FOLDER        (default var/nginx)
# Settings (environment, see deploy/scale/topology.env): NGINX_HTTP_PORT, NGINX_HTTPS_PORT,
# NGINX_UPSTREAMS (the door processes, "host:port,host:port"), NGINX_LISTEN (default 127.0.0.1).
# `scripts/start-nginx.sh FOLDER check` only renders the configuration and checks it (nginx -t).
set -euo pipefail
cd "$(dirname "$0")/.."
folder="$(realpath -m "${1:-var/nginx}")"
mode="${2:-run}"

nginx_bin=$(bash scripts/install-nginx.sh)
: "${NGINX_HTTP_PORT:?NGINX_HTTP_PORT manque (voir deploy/scale/topology.env)}"
: "${NGINX_HTTPS_PORT:?NGINX_HTTPS_PORT manque (voir deploy/scale/topology.env)}"
: "${NGINX_UPSTREAMS:?NGINX_UPSTREAMS manque : les processus du site, « hôte:port,hôte:port »}"
export NGINX_DIR="$folder" NGINX_LISTEN="${NGINX_LISTEN:-127.0.0.1}"
NGINX_UPSTREAM_LINES=""
for upstream in ${NGINX_UPSTREAMS//,/ }; do
    NGINX_UPSTREAM_LINES+="server ${upstream};"$'\n        '
done
export NGINX_UPSTREAM_LINES

mkdir -p "$folder/tmp" "$folder/tls"
if [[ ! -s "$folder/tls/cert.pem" || ! -s "$folder/tls/key.pem" ]]; then
    echo "Certificat TLS auto-signé pour 127.0.0.1 et localhost : $folder/tls/cert.pem" >&2
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$folder/tls/key.pem" -out "$folder/tls/cert.pem" 2>/dev/null
    chmod 600 "$folder/tls/key.pem"
fi
# shellcheck disable=SC2016  # the names envsubst replaces, not their values
envsubst '${NGINX_DIR} ${NGINX_LISTEN} ${NGINX_HTTP_PORT} ${NGINX_HTTPS_PORT} ${NGINX_UPSTREAM_LINES}' \
    <deploy/nginx.conf >"$folder/nginx.conf"
"$nginx_bin" -t -q -p "$folder" -e stderr -c "$folder/nginx.conf"
if [[ "$mode" == check ]]; then
    exit 0
fi
echo "nginx : https://${NGINX_LISTEN}:${NGINX_HTTPS_PORT}/ (http://${NGINX_LISTEN}:${NGINX_HTTP_PORT}/ redirigé), vers ${NGINX_UPSTREAMS}" >&2
exec "$nginx_bin" -p "$folder" -e stderr -c "$folder/nginx.conf" -g "daemon off;"
