#!/usr/bin/env bash
# ./dev bench server: the headless server under wrk on loopback (DESIGN.md §11).
#
# Starts, each on a free port and with its own data directory: an instant OpenAI-compatible provider
# (bench_fakeprovider), `aiagency serve` using it, and a bare QHttpServer route (bench_bareserver) as
# the reference measured in the same run. Then, at 1, 64 and 256 connections:
#   GET /health on the bare route and on the server, POST /chat/consulting and
#   POST /v1/chat/completions (a flow without tools; every request stores a new conversation).
# Prints requests/s and p50/p99 per run, the server's memory idle and under load, and the /health
# ratio against the bare route (target >= 90%, idle memory < 60 MB) as a Markdown table.
#
# Usage: bench/bench_server.sh BUILD_DIR   (BENCH_SECONDS per run, default 5)
set -euo pipefail

BUILD=${1:?usage: bench_server.sh BUILD_DIR}
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
CONNECTIONS=(1 64 256)
command -v wrk >/dev/null || { echo "wrk is missing: run ./dev setup" >&2; exit 2; }

WORK=$(mktemp -d)
# shellcheck source=serverprocs.sh
. "$(dirname "$0")/serverprocs.sh"
cleanup() { stop_processes; rm -rf "$WORK"; }
trap cleanup EXIT

rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

start_agency_server
start_process bare "$BUILD/bench/bench_bareserver"
BARE_PORT=$(head -1 "$WORK/bare.out")
IDLE_MB=$(rss_mb "$SERVER_PID")

cat >"$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
done = function(summary, latency, requests)
  io.write(string.format("non2xx %d\n", summary.errors.status))
end
LUA
cat >"$WORK/get.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
done = function(summary, latency, requests)
  io.write(string.format("non2xx %d\n", summary.errors.status))
end
LUA
export BENCH_KEY=$KEY

# wrk's latency as milliseconds ("850.00us", "1.20ms", "2.00s").
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }

PEAK_MB=$IDLE_MB
sample_memory() { # while wrk runs: the server's peak RSS
  while kill -0 "$1" 2>/dev/null; do
    local now; now=$(rss_mb "$SERVER_PID")
    PEAK_MB=$(awk -v a="$PEAK_MB" -v b="$now" 'BEGIN { print (b > a ? b : a) }')
    sleep 0.2
  done
}

ROWS=()
declare -A RPS
run() { # label url script connections
  local label=$1 url=$2 script=$3 conns=$4 threads=2
  [ "$conns" -lt 2 ] && threads=1
  wrk -t"$threads" -c"$conns" -d"${SECONDS_PER_RUN}s" --latency -s "$script" "$url" >"$WORK/wrk.out" 2>&1 &
  local wrk_pid=$!
  PEAK_MB=$(rss_mb "$SERVER_PID")
  sample_memory "$wrk_pid"
  wait "$wrk_pid" || { cat "$WORK/wrk.out" >&2; exit 1; }
  local rps p50 p99 bad
  rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$WORK/wrk.out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$WORK/wrk.out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$WORK/wrk.out")")
  bad=$(awk '/^non2xx/ {print $2}' "$WORK/wrk.out")
  RPS["$label/$conns"]=$rps
  ROWS+=("| $label | $conns | $rps | $p50 | $p99 | ${bad:-0} | $PEAK_MB |")
}

CHAT_BODY='{"message":"Give me one short tip."}'
OPENAI_BODY='{"model":"consulting","messages":[{"role":"user","content":"Give me one short tip."}]}'
for conns in "${CONNECTIONS[@]}"; do
  run "bare QHttpServer GET /health" "http://127.0.0.1:$BARE_PORT/health" "$WORK/get.lua" "$conns"
  run "GET /health" "http://127.0.0.1:$PORT/health" "$WORK/get.lua" "$conns"
  export BENCH_BODY=$CHAT_BODY
  run "POST /chat/consulting" "http://127.0.0.1:$PORT/chat/consulting" "$WORK/post.lua" "$conns"
  export BENCH_BODY=$OPENAI_BODY
  run "POST /v1/chat/completions" "http://127.0.0.1:$PORT/v1/chat/completions" \
    "$WORK/post.lua" "$conns"
done
LOAD_MB=$(rss_mb "$SERVER_PID")

echo
echo "Server: $(git -C "$(dirname "$0")/.." rev-parse --short HEAD 2>/dev/null), $(nproc) cores, ${SECONDS_PER_RUN} s per run, wrk on loopback"
echo
echo "| route | connections | requests/s | p50 ms | p99 ms | non-2xx | server RSS peak MB |"
echo "|---|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
echo
for conns in "${CONNECTIONS[@]}"; do
  bare=${RPS["bare QHttpServer GET /health/$conns"]}
  ours=${RPS["GET /health/$conns"]}
  awk -v o="$ours" -v b="$bare" -v c="$conns" \
    'BEGIN { printf "/health at %d connections: %.0f%% of the bare QHttpServer route (target >= 90%%)\n", c, (b > 0 ? 100 * o / b : 0) }'
done
echo "Server memory: idle $IDLE_MB MB (target < 60 MB), after the runs $LOAD_MB MB"
