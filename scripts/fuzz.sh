#!/usr/bin/env bash
# Usage: scripts/fuzz.sh [seconds] — builds the libFuzzer targets with clang and runs each briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
scripts/build.sh fuzz fuzz_chat_request fuzz_sse_stream
for target in chat_request sse_stream; do
  corpus=$(mktemp -d)
  cp tests/fuzz/corpus/$target/* "$corpus"/
  echo "fuzzing $target for ${seconds}s"
  build/fuzz/tests/fuzz/fuzz_$target -max_total_time="$seconds" -print_final_stats=1 "$corpus" 2>&1 | tail -n 3
  rm -rf "$corpus"
done
