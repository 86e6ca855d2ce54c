#!/usr/bin/env bash
# Usage: scripts/package.sh — builds Release and its Debian package, build/release/qgate_<version>_<arch>.deb
# (cmake/packaging.cmake; Depends computed by dpkg-shlibdeps, from dpkg-dev). Install it with
# `apt-get install ./build/release/qgate_*.deb` (README "Install as a service").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release qgate
cd build/release
cpack -G DEB
