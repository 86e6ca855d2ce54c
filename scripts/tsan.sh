#!/usr/bin/env bash
# Usage: scripts/tsan.sh [ctest args...] — builds the ThreadSanitizer variant and runs what sets
# more than one thread to work: the integration suites and the unit_threads binaries (ctest labels;
# the browser, OpenAPI lint and clang-format tests do not run again). Every process, also each
# gateway and mock a test starts, writes its reports to build/tsan/tsan-reports/: any report fails
# the run and is printed, even one from a child whose exit no test looked at.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh tsan
reports=$PWD/build/tsan/tsan-reports
rm -rf "$reports"
mkdir -p "$reports"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp:log_path=$reports/report${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
status=0
ctest --test-dir build/tsan --output-on-failure -j 2 --timeout 600 -L 'integration|threads' "$@" ||
  status=$?
if compgen -G "$reports/report.*" >/dev/null; then
  for report in "$reports"/report.*; do
    echo "== $report"
    cat "$report"
  done
  echo "tsan: ThreadSanitizer reports above (build/tsan/tsan-reports)" >&2
  status=1
fi
exit "$status"
