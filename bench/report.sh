# The report of bench/run: medians over rounds, "added" = path minus direct, targets beside.
# Sourced by bench/run after the measurements; reads the JSON files in $run_dir.

# Median over rounds of FIELD for PATH at concurrency C.
tp_median() {
  local p=$1 c=$2 field=$3 r
  for ((r = 1; r <= rounds; r++)); do jget "$run_dir/tp-$p-c$c-r$r.json" "$field"; done | median
}
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "**missed**"; fi; }

write_report() {
  local c p n f
  echo "## qgate benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"
  echo "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM; $pinning;"
  echo "open files limit $fd_limit; nginx $(nginx -v 2>&1 | sed 's/.*\///' || echo absent);"
  echo "$rounds interleaved rounds of ${seconds} s (+${warmup} s warm-up) per point, medians shown."
  [ $smoke = 1 ] && echo && echo "**Smoke run: tiny loads, the numbers mean nothing.**"
  echo
  echo "### Throughput, non-stream (req/s, closed loop)"
  echo
  echo "| concurrency | direct | nginx | qgate | qgate/nginx |"
  echo "|---:|---:|---:|---:|---:|"
  for c in "${concurrencies[@]}"; do
    local d ng q ratio="–"
    d=$(tp_median direct "$c" .rps)
    ng=$(tp_median nginx "$c" .rps)
    q=$(tp_median qgate "$c" .rps)
    awk "BEGIN { exit !($ng > 0) }" && ratio=$(calc "%.2f" "$q / $ng")
    echo "| $c | $(calc %.0f "$d") | $(calc %.0f "$ng") | $(calc %.0f "$q") | $ratio |"
  done
  echo
  echo "Two io threads, nothing pinned (qgate, the mock and loadgen share both cores):"
  echo
  echo "| concurrency | qgate, 1 io thread on one core | qgate, 2 io threads | ratio |"
  echo "|---:|---:|---:|---:|"
  for c in "${wide_concurrencies[@]}"; do
    local one two
    one=$(tp_median qgate "$c" .rps)
    two=$(tp_median qgate2 "$c" .rps)
    echo "| $c | $(calc %.0f "$one") | $(calc %.0f "$two") | $(calc %.2f "$two / ($one + 1e-9)") |"
  done
  echo
  echo "Context switches per request, all qgate threads: $(for c in "${concurrencies[@]}"; do
    printf 'c=%s %s; ' "$c" "$(for ((r = 1; r <= rounds; r++)); do cat "$run_dir/cs-c$c-r$r"; done | median)"
  done)"
  echo
  echo "### Latency at concurrency 1 (µs; added = path − direct)"
  echo
  echo "| path | p50 | p99 | added p50 | added p99 |"
  echo "|---|---:|---:|---:|---:|"
  local d50 d99
  d50=$(tp_median direct 1 .latency_us.p50)
  d99=$(tp_median direct 1 .latency_us.p99)
  for p in "${paths[@]}"; do
    local p50 p99
    p50=$(tp_median "$p" 1 .latency_us.p50)
    p99=$(tp_median "$p" 1 .latency_us.p99)
    echo "| $p | $(calc %.1f "$p50") | $(calc %.1f "$p99") | $(calc %.1f "$p50 - $d50") | $(calc %.1f "$p99 - $d99") |"
  done
  echo
  echo "### Streams ($chunks chunks ${interval} ms apart; µs; added = path − direct)"
  echo
  echo "Steady state (all N but the largest): N streams open at all times (each replaced as it"
  echo "ends) for ${stream_seconds} s after a ${stream_warmup} s warm-up. Largest N: one burst of N streams,"
  echo "one per connection, all opened at once. One run per path; \"streams ok\" counts the streams measured,"
  echo "\"failed\" the requests that ended in a transport error or a non-2xx status."
  echo
  echo "| N | path | streams ok | failed | lost streams | frames missing | TTFT p50 | TTFT p99 | gap p99 | added TTFT p50 | added TTFT p99 | added gap p99 | peak RSS |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for n in "${stream_sizes[@]}"; do
    local base=$run_dir/st-direct-n$n.json
    for p in "${paths[@]}"; do
      f=$run_dir/st-$p-n$n.json
      local rss="–"
      [ "$p" = qgate ] && rss="$(calc %.1f "${hwm_kb[$n]:-0} / 1024") MB"
      echo "| $n | $p | $(jget "$f" .ok)/$(jget "$f" .completed) | $(jget "$f" .errors) | $(jget "$f" .lost_streams) | $(jget "$f" .frames_lost)" \
        "| $(jget "$f" .ttft_us.p50) | $(jget "$f" .ttft_us.p99) | $(jget "$f" .gap_us.p99)" \
        "| $(calc %.1f "$(jget "$f" .ttft_us.p50) - $(jget "$base" .ttft_us.p50)")" \
        "| $(calc %.1f "$(jget "$f" .ttft_us.p99) - $(jget "$base" .ttft_us.p99)")" \
        "| $(calc %.1f "$(jget "$f" .gap_us.p99) - $(jget "$base" .gap_us.p99)") | $rss |"
    done
  done
  echo
  local ready idle
  ready=$(printf '%s\n' "${ready_ms[@]}" | median)
  idle=$(printf '%s\n' "${idle_kb[@]}" | median)
  echo "### Start-up"
  echo
  echo "start-to-ready (spawn → first 200 from GET /healthz, fresh catalog, median of $start_runs):"
  echo "$ready ms (runs: ${ready_ms[*]}); idle RSS $(calc %.1f "$idle / 1024") MB."
  [ $smoke = 1 ] && return 0
  echo
  echo "### Targets"
  echo
  local q64 n64 d1 ng1 q1 small big_n d99 ng99 q99 two64 cs1 cs64
  q64=$(tp_median qgate 64 .rps)
  n64=$(tp_median nginx 64 .rps)
  d1=$(tp_median direct 1 .latency_us.p50)
  ng1=$(tp_median nginx 1 .latency_us.p50)
  q1=$(tp_median qgate 1 .latency_us.p50)
  d99=$(tp_median direct 1 .latency_us.p99)
  ng99=$(tp_median nginx 1 .latency_us.p99)
  q99=$(tp_median qgate 1 .latency_us.p99)
  two64=$(tp_median qgate2 64 .rps)
  cs1=$(for ((r = 1; r <= rounds; r++)); do cat "$run_dir/cs-c1-r$r"; done | median)
  cs64=$(for ((r = 1; r <= rounds; r++)); do cat "$run_dir/cs-c64-r$r"; done | median)
  small=${stream_sizes[0]}
  local mid=${stream_sizes[1]}
  local fm=$run_dir/st-qgate-n$mid.json fmd=$run_dir/st-direct-n$mid.json
  big_n=${stream_sizes[-1]}
  local fq=$run_dir/st-qgate-n$big_n.json fs=$run_dir/st-qgate-n$small.json
  local fd=$run_dir/st-direct-n$small.json
  local added_ttft
  added_ttft=$(calc %.1f "$(jget "$fs" .ttft_us.p99) - $(jget "$fd" .ttft_us.p99)")
  echo "| target | measured | verdict |"
  echo "|---|---|---|"
  echo "| throughput ≥ 1.0× nginx at c=64 | $(calc %.2f "$q64 / ($n64 + 1e-9)")× | $(verdict "$q64 >= $n64") |"
  echo "| throughput at c=64 with 2 io threads (unpinned) ≥ 1.8× one core | $(calc %.2f "$two64 / ($q64 + 1e-9)")× | $(verdict "$two64 >= 1.8 * $q64") |"
  echo "| added p50 at c=1 ≤ nginx's + 20 µs | qgate $(calc %.1f "$q1 - $d1") µs, nginx $(calc %.1f "$ng1 - $d1") µs | $(verdict "$q1 - $d1 <= $ng1 - $d1 + 20") |"
  echo "| added p99 at c=1 ≤ 2× nginx's | qgate $(calc %.1f "$q99 - $d99") µs, nginx $(calc %.1f "$ng99 - $d99") µs | $(verdict "$q99 - $d99 <= 2 * ($ng99 - $d99)") |"
  echo "| context switches per request ≤ 1 at c=64, ≤ 3 at c=1 | $cs64 at c=64, $cs1 at c=1 | $(verdict "$cs64 <= 1 && $cs1 <= 3") |"
  echo "| $big_n streams: zero lost frames | $(jget "$fq" .lost_streams) lost streams, $(jget "$fq" .frames_lost) frames missing, $(jget "$fq" .errors) errors, $(jget "$fq" .ok) ok | $(verdict "$(jget "$fq" .lost_streams) + $(jget "$fq" .frames_lost) + $(jget "$fq" .errors) == 0 && $(jget "$fq" .ok) > 0") |"
  echo "| qgate RSS ≤ 200 MB at $big_n streams | $(calc %.1f "${hwm_kb[$big_n]:-0} / 1024") MB | $(verdict "${hwm_kb[$big_n]:-0} <= 204800") |"
  echo "| added TTFT p99 ≤ 1 ms at $small streams | $added_ttft µs | $(verdict "$added_ttft <= 1000") |"
  local mid_ttft mid_gap
  mid_ttft=$(calc %.1f "$(jget "$fm" .ttft_us.p50) - $(jget "$fmd" .ttft_us.p50)")
  mid_gap=$(calc %.1f "$(jget "$fs" .gap_us.p99) - $(jget "$fd" .gap_us.p99)")
  echo "| added TTFT p50 ≤ 1 ms at $mid streams | $mid_ttft µs | $(verdict "$mid_ttft <= 1000") |"
  echo "| added inter-chunk p99 ≤ 200 µs at $small streams | $mid_gap µs | $(verdict "$mid_gap <= 200") |"
  echo "| start-to-ready ≤ 100 ms | $ready ms | $(verdict "$ready <= 100") |"
  echo "| idle RSS ≤ 20 MB | $(calc %.1f "$idle / 1024") MB | $(verdict "$idle <= 20480") |"
  if [ "$big_n" != 10000 ]; then
    echo
    echo "The large stream round is $big_n, not 10,000: the open-files hard limit is $fd_limit and a"
    echo "proxy needs two sockets per stream."
  fi
}

# The smoke's only judgement: every leg worked.
smoke_check() {
  local f bad=0
  for f in "$run_dir"/tp-*.json "$run_dir"/st-*.json; do
    if [ "$(jget "$f" .ok)" = 0 ] || [ "$(jget "$f" .errors)" != 0 ] || [ "$(jget "$f" .lost_streams)" != 0 ]; then
      echo "bench smoke: $(basename "$f") failed: $(cat "$f") $(cat "$f.err" 2>/dev/null)" >&2
      bad=1
    fi
  done
  [ $bad = 0 ] && echo "bench smoke: every leg worked" >&2
  return $bad
}

# The OpenAI front door's own rows, beside the seed API's and against the direct path, from the
# same interleaved rounds and the same qgate process.
leg_label() {
  case "$1" in
    direct) echo "direct" ;;
    qgate) echo "qgate, seed API" ;;
    openai) echo "qgate, OpenAI API" ;;
  esac
}
write_openai_report() {
  local c p f n=$openai_streams
  echo
  echo "### OpenAI front door (POST /v1/chat/completions; µs; added = path − direct)"
  echo
  echo "\`loadgen --target openai\` against the same qgate and mock as the seed API, in the same rounds;"
  echo "streams ask for \`stream_options.include_usage\`. Output tokens/s: from the usage reported."
  echo
  echo "| concurrency | path | req/s | p50 | p99 | added p50 | added p99 | output tokens/s |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|"
  for c in "${openai_concurrencies[@]}"; do
    local d50 d99
    d50=$(tp_median direct "$c" .latency_us.p50)
    d99=$(tp_median direct "$c" .latency_us.p99)
    for p in direct qgate openai; do
      local p50 p99
      p50=$(tp_median "$p" "$c" .latency_us.p50)
      p99=$(tp_median "$p" "$c" .latency_us.p99)
      echo "| $c | $(leg_label "$p") | $(calc %.0f "$(tp_median "$p" "$c" .rps)")" \
        "| $(calc %.1f "$p50") | $(calc %.1f "$p99") | $(calc %.1f "$p50 - $d50")" \
        "| $(calc %.1f "$p99 - $d99") | $(calc %.0f "$(tp_median "$p" "$c" .output_tokens_per_s)") |"
    done
  done
  echo
  echo "| N streams | path | streams ok | failed | lost streams | frames missing | TTFT p50 | TTFT p99 | gap p99 | added TTFT p50 | added TTFT p99 | added gap p99 | output tokens/s |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  local base=$run_dir/st-direct-n$n.json
  for p in direct qgate openai; do
    f=$run_dir/st-$p-n$n.json
    echo "| $n | $(leg_label "$p") | $(jget "$f" .ok)/$(jget "$f" .completed) | $(jget "$f" .errors)" \
      "| $(jget "$f" .lost_streams) | $(jget "$f" .frames_lost) | $(jget "$f" .ttft_us.p50)" \
      "| $(jget "$f" .ttft_us.p99) | $(jget "$f" .gap_us.p99)" \
      "| $(calc %.1f "$(jget "$f" .ttft_us.p50) - $(jget "$base" .ttft_us.p50)")" \
      "| $(calc %.1f "$(jget "$f" .ttft_us.p99) - $(jget "$base" .ttft_us.p99)")" \
      "| $(calc %.1f "$(jget "$f" .gap_us.p99) - $(jget "$base" .gap_us.p99)")" \
      "| $(calc %.0f "$(jget "$f" .output_tokens_per_s)") |"
  done
}

# The same qgate path measured from two binaries in one run (bench/run --baseline DIR).
write_baseline_report() {
  local c p
  echo
  echo "### Before/after (seed API, non-stream; µs): baseline = $1/qgate, current = $qgate_bin"
  echo
  echo "| concurrency | binary | req/s | p50 | p99 |"
  echo "|---:|---|---:|---:|---:|"
  for c in "${openai_concurrencies[@]}"; do
    for p in baseline qgate; do
      echo "| $c | $([ $p = qgate ] && echo current || echo baseline)" \
        "| $(calc %.0f "$(tp_median "$p" "$c" .rps)") | $(calc %.1f "$(tp_median "$p" "$c" .latency_us.p50)")" \
        "| $(calc %.1f "$(tp_median "$p" "$c" .latency_us.p99)") |"
    done
  done
}
