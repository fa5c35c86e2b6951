#!/usr/bin/env bash
# ./dev bench server: the headless server under wrk on loopback (docs/benchmarks.md).
#
# Starts, each on a free port and with its own data directory: an instant OpenAI-compatible provider
# (bench_fakeprovider), `aiagency serve` using it, and a bare QHttpServer route (bench_bareserver) as
# the reference measured in the same run. Then, at 1, 64 and 256 connections:
#   GET /health on the bare route and on the server, POST /chat/consulting and
#   POST /v1/chat/completions (a flow without tools; every request stores a new conversation).
# Prints requests/s and p50/p99 per run, the server's memory idle and under load, and the /health
# ratio against the bare route (target >= 90%, idle memory < 60 MB) as a Markdown table.
#
# --compare-gateway also installs Portkey's open-source gateway (npm @portkey-ai/gateway) into the
# temporary directory and runs it proxying the same instant provider, plus the provider called
# directly, at the same connection counts; then prints the issue-12 comparison: at 1 connection the
# latency each adds over the provider alone (ours, which stores every turn durably, at most 2x
# Portkey's, which stores nothing), at 64 connections requests/s (ours at least Portkey's).
#
# Every measurement is repeated BENCH_REPEATS times (default 3), the routes compared taking turns,
# and the table shows medians: on a shared machine one window of a few seconds can be slowed by
# whatever else runs, and interleaving spreads that over both sides of a ratio. The /health pairs
# run first, before any chat stores turns (see below).
#
# Usage: bench/bench_server.sh BUILD_DIR [--compare-gateway]   (BENCH_SECONDS per run, default 5)
set -euo pipefail

BUILD=${1:?usage: bench_server.sh BUILD_DIR [--compare-gateway]}
COMPARE_GATEWAY=0
case "${2:-}" in
  "") ;;
  --compare-gateway) COMPARE_GATEWAY=1 ;;
  *) echo "unknown option: $2 (the only option is --compare-gateway)" >&2; exit 2 ;;
esac
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
REPEATS=${BENCH_REPEATS:-3}
CONNECTIONS=(1 64 256)
command -v wrk >/dev/null || { echo "wrk is missing: run ./dev setup" >&2; exit 2; }
if [ "$COMPARE_GATEWAY" = 1 ]; then
  command -v npm >/dev/null && command -v node >/dev/null ||
    { echo "--compare-gateway needs node and npm (./dev bench installs them)" >&2; exit 2; }
fi

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

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

if [ "$COMPARE_GATEWAY" = 1 ]; then
  echo "installing @portkey-ai/gateway from npm into a temporary directory…" >&2
  npm install --silent --no-audit --no-fund --prefix "$WORK/gateway" @portkey-ai/gateway >/dev/null
  GATEWAY_VERSION=$(node -p "require('$WORK/gateway/node_modules/@portkey-ai/gateway/package.json').version")
  GATEWAY_PORT=$(free_port)
  # --headless and NODE_ENV=production: no log UI, as a gateway runs in production.
  NODE_ENV=production node "$WORK/gateway/node_modules/@portkey-ai/gateway/build/start-server.js" \
    --port="$GATEWAY_PORT" --headless >"$WORK/gateway.out" 2>"$WORK/gateway.err" &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$GATEWAY_PORT/" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fs "http://127.0.0.1:$GATEWAY_PORT/" >/dev/null ||
    { echo "the gateway did not start:" >&2; cat "$WORK/gateway.err" >&2; exit 1; }
fi

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
cat >"$WORK/gateway.lua" <<'LUA'
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench"
wrk.headers["x-portkey-provider"] = "openai"
wrk.headers["x-portkey-custom-host"] = os.getenv("BENCH_PROVIDER")
done = function(summary, latency, requests)
  io.write(string.format("non2xx %d\n", summary.errors.status))
end
LUA
export BENCH_KEY=$KEY BENCH_PROVIDER=$OPENAI_BASE_URL

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

declare -A SAMPLES PEAKS BAD
LABELS=()
run() { # label url script connections: one wrk window; its numbers join the label's samples
  local label=$1 url=$2 script=$3 conns=$4 threads=2
  [ "$conns" -lt 2 ] && threads=1
  wrk -t"$threads" -c"$conns" -d"${SECONDS_PER_RUN}s" --latency -s "$script" "$url" >"$WORK/wrk.out" 2>&1 &
  local wrk_pid=$!
  PEAK_MB=$(rss_mb "$SERVER_PID")
  sample_memory "$wrk_pid"
  wait "$wrk_pid" || { cat "$WORK/wrk.out" >&2; exit 1; }
  local rps p50 p99 bad key="$label/$conns"
  rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$WORK/wrk.out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$WORK/wrk.out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$WORK/wrk.out")")
  bad=$(awk '/^non2xx/ {print $2}' "$WORK/wrk.out")
  [ -n "${SAMPLES[$key]+set}" ] || LABELS+=("$key")
  SAMPLES["$key"]+="$rps $p50 $p99"$'\n'
  BAD["$key"]=$(( ${BAD[$key]:-0} + ${bad:-0} ))
  PEAKS["$key"]=$(awk -v a="${PEAKS[$key]:-0}" -v b="$PEAK_MB" 'BEGIN { print (b > a ? b : a) }')
}

warm_up() { # url script: two seconds of traffic, not measured (JIT, caches, pools, prepared statements)
  wrk -t2 -c16 -d2s -s "$2" "$1" >/dev/null 2>&1 || true
}

median() { # key column(1 rps, 2 p50, 3 p99)
  printf '%s' "${SAMPLES[$1]}" | awk -v c="$2" 'NF { print $c }' | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

CHAT_BODY='{"message":"Give me one short tip."}'
OPENAI_BODY='{"model":"consulting","messages":[{"role":"user","content":"Give me one short tip."}]}'
# The provider's own model name: the gateway passes it through; ours names a flow instead.
PROVIDER_BODY='{"model":"bench-model","messages":[{"role":"user","content":"Give me one short tip."}]}'
# /health against the bare route first, both warmed up alike: after thousands of stored turns the
# database keeps working in the background for a while (WAL, checkpoints, autovacuum), which would
# slow only the side that shares the machine's cores with it at that moment.
warm_up "http://127.0.0.1:$BARE_PORT/health" "$WORK/get.lua"
warm_up "http://127.0.0.1:$PORT/health" "$WORK/get.lua"
for conns in "${CONNECTIONS[@]}"; do
  for _ in $(seq 1 "$REPEATS"); do
    run "bare QHttpServer GET /health" "http://127.0.0.1:$BARE_PORT/health" "$WORK/get.lua" "$conns"
    run "GET /health" "http://127.0.0.1:$PORT/health" "$WORK/get.lua" "$conns"
  done
done
export BENCH_BODY=$OPENAI_BODY
warm_up "http://127.0.0.1:$PORT/v1/chat/completions" "$WORK/post.lua"
if [ "$COMPARE_GATEWAY" = 1 ]; then
  export BENCH_BODY=$PROVIDER_BODY
  warm_up "http://127.0.0.1:$GATEWAY_PORT/v1/chat/completions" "$WORK/gateway.lua"
fi
for conns in "${CONNECTIONS[@]}"; do
  export BENCH_BODY=$CHAT_BODY
  run "POST /chat/consulting" "http://127.0.0.1:$PORT/chat/consulting" "$WORK/post.lua" "$conns"
  for _ in $(seq 1 "$REPEATS"); do
    export BENCH_BODY=$OPENAI_BODY
    run "POST /v1/chat/completions" "http://127.0.0.1:$PORT/v1/chat/completions" "$WORK/post.lua" "$conns"
    if [ "$COMPARE_GATEWAY" = 1 ]; then
      export BENCH_BODY=$PROVIDER_BODY
      run "instant provider alone" "$OPENAI_BASE_URL/chat/completions" "$WORK/gateway.lua" "$conns"
      run "Portkey gateway $GATEWAY_VERSION -> provider" \
        "http://127.0.0.1:$GATEWAY_PORT/v1/chat/completions" "$WORK/gateway.lua" "$conns"
    fi
  done
done
LOAD_MB=$(rss_mb "$SERVER_PID")

echo
echo "Server: $(git -C "$(dirname "$0")/.." rev-parse --short HEAD 2>/dev/null), $(nproc) cores, ${SECONDS_PER_RUN} s per run, medians of $REPEATS interleaved runs (chat/consulting: one), wrk on loopback"
echo
echo "| route | connections | requests/s | p50 ms | p99 ms | non-2xx | server RSS peak MB |"
echo "|---|---:|---:|---:|---:|---:|---:|"
declare -A RPS P50
for key in "${LABELS[@]}"; do
  RPS["$key"]=$(median "$key" 1)
  P50["$key"]=$(median "$key" 2)
  echo "| ${key%/*} | ${key##*/} | $(printf '%.0f' "${RPS[$key]}") | ${P50[$key]} | $(median "$key" 3) | ${BAD[$key]} | ${PEAKS[$key]} |"
done
echo
for conns in "${CONNECTIONS[@]}"; do
  bare=${RPS["bare QHttpServer GET /health/$conns"]}
  ours=${RPS["GET /health/$conns"]}
  awk -v o="$ours" -v b="$bare" -v c="$conns" \
    'BEGIN { printf "/health at %d connections: %.0f%% of the bare QHttpServer route (target >= 90%%)\n", c, (b > 0 ? 100 * o / b : 0) }'
done
echo "Server memory: idle $IDLE_MB MB (target < 60 MB), after the runs $LOAD_MB MB"
if [ "$COMPARE_GATEWAY" = 1 ]; then
  gw="Portkey gateway $GATEWAY_VERSION -> provider"
  ours="POST /v1/chat/completions"
  echo
  echo "Against Portkey's gateway $GATEWAY_VERSION (it stores nothing; every one of our requests stores a turn durably):"
  awk -v o="${P50["$ours/1"]}" -v g="${P50["$gw/1"]}" -v p="${P50["instant provider alone/1"]}" 'BEGIN {
    ao = o - p; ag = g - p
    printf "1 connection, p50 added over the provider alone: ours %.2f ms, Portkey %.2f ms: %.1fx (target <= 2x): %s\n",
      ao, ag, (ag > 0 ? ao / ag : 0), (ag > 0 && ao <= 2 * ag ? "PASS" : "MISS") }'
  awk -v o="${RPS["$ours/64"]}" -v g="${RPS["$gw/64"]}" 'BEGIN {
    printf "64 connections, requests/s: ours %d, Portkey %d: %.0f%% (target >= 100%%): %s\n",
      o, g, (g > 0 ? 100 * o / g : 0), (o >= g ? "PASS" : "MISS") }'
fi
