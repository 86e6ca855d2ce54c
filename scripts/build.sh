#!/usr/bin/env bash
# Usage: scripts/build.sh release|asan|tsan|fuzz [targets...] — configures (once) and builds one variant.
set -euo pipefail
cd "$(dirname "$0")/.."
variant=${1:-release}
shift || true
case "$variant" in
  release) args=(-DCMAKE_BUILD_TYPE=Release -DQGATE_TESTS=OFF) ;;
  asan) args=(-DCMAKE_BUILD_TYPE=Debug -DQGATE_SANITIZE=ON -DQGATE_TESTS=ON) ;;
  tsan) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DQGATE_TSAN=ON -DQGATE_TESTS=ON) ;;
  fuzz) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DQGATE_FUZZ=ON -DQGATE_TESTS=OFF
              -DCMAKE_CXX_COMPILER=clang++-14) ;;
  *) echo "unknown variant $variant" >&2; exit 2 ;;
esac
# Paths relative to the checkout let clones share one ccache (CI builds a fresh clone).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
dir=build/$variant
[ -f "$dir/build.ninja" ] || cmake -S . -B "$dir" -G Ninja "${args[@]}"
# Beast translation units take ~1.3 GB each: two jobs fit any machine we run on.
cmake --build "$dir" -j "${QGATE_BUILD_JOBS:-2}" ${1:+--target "$@"}
