#!/usr/bin/env bash
# Quick start: install what is missing, build with ASan+UBSan, run the fuzz smoke, every test, the
# threaded tests again under ThreadSanitizer, and the benchmark's smoke (tiny loads through all
# three paths, and the fleet's legs over Redis and PostgreSQL; it checks that the suites still work).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh asan
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
scripts/fuzz.sh "${QGATE_FUZZ_SECONDS:-20}"
ctest --test-dir build/asan --output-on-failure -j 2 --timeout 600
scripts/tsan.sh
bench/run --smoke --build-dir build/asan
bench/fleet --smoke --build-dir build/asan
