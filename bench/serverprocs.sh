# Sourced by bench/bench_server.sh and tests/http/sdk/run-openai-sdk-check.sh: the instant provider
# and `aiagency serve` on free loopback ports, with a throwaway data directory and a tenant key.
# The caller sets BUILD (a build directory) and WORK (a temporary directory it removes), and kills
# every pid in PIDS when it exits.
PIDS=()

# Starts "$@" in the background, output in $WORK/$name.out/.err; waits for its first line of stdout.
start_process() { # name command...
  local name=$1; shift
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  PIDS+=($!)
  for _ in $(seq 1 200); do
    [ -s "$WORK/$name.out" ] && return 0
    kill -0 "${PIDS[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not start:" >&2; cat "$WORK/$name.err" >&2; return 1
}

# Sets OPENAI_BASE_URL (the instant provider), KEY (a key of tenant "bench"), PORT and SERVER_PID.
start_agency_server() {
  chmod 755 "$WORK" # run as root, the embedded cluster runs as postgres and must reach it
  export AGENCY_DATA_DIR=$WORK/data XDG_CONFIG_HOME=$WORK/config XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$WORK}
  export LLM_PROVIDER=openai OPENAI_API_KEY=bench OPENAI_MODEL=bench-model LOG_LEVEL=warning
  export OPENAI_RATE_LIMIT_TPM=1000000000000 OPENAI_RATE_LIMIT_TPH=1000000000000
  # Every load generator connection comes from 127.0.0.1: let one address open as many as the
  # heaviest run (256) rather than the per-address share a server on a network keeps, unless the
  # caller measures that share (BENCH_PER_CLIENT_CAP=default).
  if [ "${BENCH_PER_CLIENT_CAP:-}" = default ]; then unset HTTP_MAX_CONNECTIONS_PER_CLIENT
  else export HTTP_MAX_CONNECTIONS_PER_CLIENT=1024
  fi
  start_process provider "$BUILD/bench/bench_fakeprovider" || return 1
  OPENAI_BASE_URL=$(head -1 "$WORK/provider.out"); export OPENAI_BASE_URL
  KEY=$("$BUILD/app/aiagency" keys create --tenant bench --name bench 2>"$WORK/keys.err" | tail -1) || true
  [ -n "$KEY" ] || { echo "cannot create a key:" >&2; cat "$WORK/keys.err" >&2; return 1; }
  "$BUILD/app/aiagency" serve --port 0 >"$WORK/server.out" 2>"$WORK/server.err" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  PORT=
  for _ in $(seq 1 300); do # it says where it listens
    PORT=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$WORK/server.err" | grep -o '[0-9]*$' || true)
    [ -n "$PORT" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$PORT" ] || { echo "the server did not start:" >&2; cat "$WORK/server.err" >&2; return 1; }
  curl -fs "http://127.0.0.1:$PORT/health" >/dev/null || { echo "server unhealthy" >&2; cat "$WORK/server.err" >&2; return 1; }
}

stop_processes() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
