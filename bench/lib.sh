# Helpers for bench/run: start and stop the processes under test, probe them, read results.
# Sourced, not run. Every wait is bounded; every process started is remembered and stopped.

bench_pids=()

# Stops what this script started (only those pids), newest first.
bench_stop_all() {
  local i
  for ((i = ${#bench_pids[@]} - 1; i >= 0; i--)); do
    kill "${bench_pids[i]}" 2>/dev/null || true
  done
  for ((i = ${#bench_pids[@]} - 1; i >= 0; i--)); do
    wait "${bench_pids[i]}" 2>/dev/null || true
  done
  bench_pids=()
}

# Stops one process started here and waits (≤ 10 s) for it to go.
bench_stop() {
  local pid=$1 n
  kill "$pid" 2>/dev/null || true
  for ((n = 0; n < 200; n++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Prints the first capture of REGEX (sed -E, one group) in FILE, waiting up to SECONDS for it.
wait_for_line() {
  local file=$1 regex=$2 seconds=$3 n value
  for ((n = 0; n < seconds * 20; n++)); do
    value=$(sed -nE "s/.*${regex}.*/\\1/p" "$file" 2>/dev/null | head -n1)
    if [ -n "$value" ]; then
      echo "$value"
      return 0
    fi
    sleep 0.05
  done
  echo "bench: no '$regex' in $file after ${seconds}s:" >&2
  tail -n 20 "$file" >&2 || true
  return 1
}

# True when GET /healthz on 127.0.0.1:PORT answers 200. Bash's /dev/tcp in a subshell: no curl
# process per probe, so start-to-ready is resolved to about a millisecond.
probe_healthz() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
    IFS= read -r -t 2 line <&3 || exit 1
    [[ $line == "HTTP/1.1 200"* ]]
  ) 2>/dev/null
}

# A loopback port nobody listens on, from 18900-19899.
free_port() {
  local p
  for ((p = 18900 + RANDOM % 500; p < 19900; p++)); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# KEY from /proc/PID/status in kB (VmRSS, VmHWM).
proc_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# Starts the mock on core 1; sets mock_port and mock_pid. Extra arguments go to the mock.
start_mock() {
  local name=$1
  shift
  $pin_load "$mock_bin" --port 0 --record 0 --threads 1 "$@" >"$run_dir/$name.out" 2>&1 &
  mock_pid=$!
  bench_pids+=("$mock_pid")
  mock_port=$(wait_for_line "$run_dir/$name.out" 'listening on 127\.0\.0\.1:([0-9]+)' 10)
}

# Starts qgate on core 0 in front of the mock; sets qgate_port and qgate_pid.
start_qgate() {
  local name=$1 upstream_port=$2
  rm -f "$run_dir/$name.db"*
  DASHSCOPE_API_KEY=sk-qgate-mock DASHSCOPE_BASE_URL="http://127.0.0.1:$upstream_port" \
    QGATE_LOG_ACCESS=false QGATE_CATALOG_PATH="$run_dir/$name.db" \
    QGATE_SERVER_IO_THREADS="${QGATE_SERVER_IO_THREADS:-1}" \
    $pin_proxy "$qgate_bin" --port "${3:-0}" >"$run_dir/$name.out" 2>&1 &
  qgate_pid=$!
  bench_pids+=("$qgate_pid")
  qgate_port=$(wait_for_line "$run_dir/$name.out" 'qgate listening on 127\.0\.0\.1:([0-9]+)' 20)
}

# Starts nginx (one worker, no daemon, its own prefix, loopback only) on core 0 in front of the
# mock; sets nginx_port and nginx_pid.
start_nginx() {
  local name=$1 upstream_port=$2 prefix="$run_dir/$1" n
  nginx_port=$(free_port)
  mkdir -p "$prefix/logs" "$prefix/tmp"
  local nofile
  nofile=$(ulimit -n)
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$nginx_port|g" -e "s|@UPSTREAM@|$upstream_port|g" \
    -e "s|@NOFILE@|$nofile|g" -e "s|@CONNECTIONS@|$((nofile - 50))|g" \
    "$root/bench/nginx.conf.in" >"$prefix/nginx.conf"
  $pin_proxy nginx -p "$prefix" -c "$prefix/nginx.conf" >"$run_dir/$name.out" 2>&1 &
  nginx_pid=$!
  bench_pids+=("$nginx_pid")
  for ((n = 0; n < 200; n++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$nginx_port") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench: nginx did not start" >&2
  cat "$run_dir/$name.out" "$prefix/logs/error.log" >&2 || true
  return 1
}

# Runs loadgen on core 1 with --json; OUT gets the JSON. A failed run leaves {} behind.
# Context switches of every thread of PID so far (voluntary and not).
ctx_switches() {
  cat /proc/"$1"/task/*/status 2>/dev/null |
    awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { n += $2 } END { print n + 0 }'
}

loadgen_json() {
  local out=$1
  shift
  if ! $pin_load "$loadgen_bin" --json -q "$@" >"$out" 2>"$out.err"; then
    echo '{}' >"$out"
  fi
}

# Field of a loadgen JSON file (jq path), or 0.
jget() { jq -r "($2) // 0" "$1" 2>/dev/null || echo 0; }

# Median of numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
