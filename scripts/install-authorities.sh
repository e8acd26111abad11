#!/usr/bin/env bash
# Copies the official administrative division, Etalab's npm package
# @etalab/decoupage-administratif (MIT), into var/npm-cache/ (npm pack), only when missing.
# `python -m bot authorities load` reads that copy into the diagnostic store; nothing is
# downloaded at run or test time. Called by `make install-authorities` (which `make run`,
# `make unit` and `make test` depend on); safe to run again.
# To move to a newer version: change DECOUPAGE_VERSION, then `make run` loads it (an older
# version never replaces a newer one; see the README, « Le découpage administratif »).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/npm-pack.sh
source scripts/npm-pack.sh

DECOUPAGE_VERSION=6.0.0

npm_pack @etalab/decoupage-administratif "$DECOUPAGE_VERSION"
