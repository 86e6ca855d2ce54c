#!/usr/bin/env bash
# Usage: scripts/install-deps.sh [--test]
# Installs what qgate needs on Debian 12 (skipping what is present): the build's -dev packages,
# the docs assets (npm, pinned by web/package-lock.json), and with --test what the tests drive
# (clang's libFuzzer, Chromium for the browser tests, nginx and jq for the benchmark's smoke).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config git curl
  libcaf-dev libboost1.81-dev libsimdjson-dev libcurl4-openssl-dev libspdlog-dev libfmt-dev
  libgtest-dev libsqlite3-dev libtomlplusplus-dev libcli11-dev libssl-dev zlib1g-dev sqlite3
  libpq-dev libhiredis-dev
)
[ "${1:-}" = "--test" ] && packages+=(clang-14 libclang-rt-14-dev clang-format-14 clang-format chromium fonts-wqy-zenhei nginx jq iproute2 dpkg-dev lintian
  postgresql-15 redis-server prometheus)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  echo "qgate: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Docs assets (and, for tests, the OpenAPI linter and playwright-core), exactly as locked.
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
