#!/usr/bin/env bash
# Quick start: install what is missing, build Release, start qgate on 127.0.0.1:8000.
# Without DASHSCOPE_API_KEY it runs against the bundled mock of DashScope, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release qgate mock_dashscope

mock_pid=
cleanup() { [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null || true; }
trap cleanup EXIT

if [ -z "${DASHSCOPE_API_KEY:-}" ]; then
  mock_log=$(mktemp)
  build/release/tools/mock_dashscope/mock_dashscope --port 0 --chunk-interval-ms 30 >"$mock_log" &
  mock_pid=$!
  for _ in $(seq 100); do grep -q "listening on" "$mock_log" && break; sleep 0.05; done
  mock_port=$(grep -o 'listening on [^ ]*' "$mock_log" | sed 's/.*://')
  export DASHSCOPE_API_KEY=sk-qgate-mock
  export DASHSCOPE_BASE_URL="http://127.0.0.1:${mock_port}"
  cat >&2 <<MSG
################################################################################
#  DASHSCOPE_API_KEY is not set: qgate runs against the LOCAL MOCK of DashScope  #
#  at ${DASHSCOPE_BASE_URL}. Answers are generated, not real model output.        #
#  export DASHSCOPE_API_KEY=sk-... to call the real Bailian platform.           #
################################################################################
MSG
fi
build/release/qgate "$@"
