#!/usr/bin/env bash
# Usage: scripts/fuzz.sh [seconds] [target...] — builds the libFuzzer targets with clang and runs
# each for `seconds` (default 20) on a copy of its seed corpus (tests/fuzz/corpus/<name>).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(chat_request openai_request http_request message_framing sse_stream config admin_request)
scripts/build.sh fuzz "${targets[@]/#/fuzz_}"
for target in "${targets[@]}"; do
  corpus=$(mktemp -d)
  cp tests/fuzz/corpus/$target/* "$corpus"/
  echo "fuzzing $target for ${seconds}s"
  build/fuzz/tests/fuzz/fuzz_$target -max_total_time="$seconds" -print_final_stats=1 "$corpus" 2>&1 | tail -n 3
  rm -rf "$corpus"
done
