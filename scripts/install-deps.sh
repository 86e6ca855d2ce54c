#!/usr/bin/env bash
# Installs the Debian 12 packages qgate needs to build, run and test; skips what is present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libcaf-dev libboost1.81-dev libsimdjson-dev libcurl4-openssl-dev libspdlog-dev libfmt-dev
  libgtest-dev libsqlite3-dev libtomlplusplus-dev libcli11-dev
  clang-14 libclang-rt-14-dev nodejs sqlite3 curl
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
echo "qgate: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
