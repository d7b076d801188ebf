#!/usr/bin/env bash
# Sets up a fresh Debian machine for floatip: system packages, npm dependencies
# (this builds the native addon), and the compiled JavaScript in dist/.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=$(grep -v '^\s*#' scripts/apt-packages.txt | tr '\n' ' ')
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "${missing// /}" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: Debian packages missing:$missing; run this script as root, or install them yourself." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# node-gyp must build against Debian's Node headers, never download them.
export npm_config_nodedir=/usr
npm ci --no-audit --no-fund
npm run build
