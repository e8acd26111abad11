#!/usr/bin/env bash
# Sourced by the install scripts (install-browser.sh, install-authorities.sh), from the
# repository's root:
#   apt_install PACKAGE...    installs Debian packages;
#   npm_pack NAME VERSION     copies an npm package into var/npm-cache/ (npm pack), only when
#                             that version's tarball is missing; prints nothing else.
# Nothing is downloaded at run or test time: the code reads these local copies.

NPM_CACHE=var/npm-cache

if [[ $(id -u) -eq 0 ]]; then sudo=(); else sudo=(sudo); fi
apt_install() {
    echo "Installation des paquets Debian : $*..."
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null
}

npm_pack() {  # name, version
    local name=$1 version=$2 file
    # npm names a scoped package's tarball without the "@" and with "-" for "/".
    file="${name#@}"
    local tarball="$NPM_CACHE/${file//\//-}-$version.tgz"
    if [[ -s "$tarball" ]]; then return 0; fi
    command -v npm >/dev/null || apt_install npm
    mkdir -p "$NPM_CACHE"
    echo "Copie locale de $name@$version (npm pack)..."
    (cd "$NPM_CACHE" && npm pack --silent "$name@$version" >/dev/null)
    [[ -s "$tarball" ]] || { echo "npm pack n'a pas produit $tarball" >&2; exit 1; }
}
