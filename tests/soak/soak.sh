#!/usr/bin/env bash
# Soak test: the real program against a real PostgreSQL cluster with faults injected,
# then a consistency check of every conversation.
#   tests/soak/soak.sh AIAGENCY_BINARY [MINUTES]      (./dev soak [MINUTES] builds and runs it;
#   MINUTES may be a fraction; CTest's test_soak runs 1, about 70 s in all)
# Clients are `aiagency chat` processes and curl requests to one `aiagency serve`, with the demo
# provider (no network: get_weather points at a closed port, so its calls come back as error
# results), several at once on a few shared conversations. Faults: kill -9 of clients (chat
# processes and curl), kill -9 of the server (then started again), PostgreSQL restarts,
# SIGSTOP/SIGCONT of the whole cluster. Exit status 0 only when every conversation is consistent,
# the server stopped on SIGTERM at the end, and the check itself finds every problem in
# conversations broken on purpose (selfcheck.sql).
set -uo pipefail

HERE=$(dirname "$(readlink -f "$0")")

BIN=$(readlink -f "${1:?usage: soak.sh AIAGENCY_BINARY [MINUTES]}")
MINUTES=${2:-1}
SECONDS_TOTAL=$(awk -v m="$MINUTES" 'BEGIN { printf "%d", m * 60 }')
CLIENTS=${SOAK_CLIENTS:-6}
CONVERSATIONS=${SOAK_CONVERSATIONS:-4}
SERVER_SHARE=${SOAK_SERVER_SHARE:-3} # one client in N talks to the server over HTTP (0: no server)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

WORK=$(mktemp -d /tmp/aiagency-soak-XXXXXX)
chmod 755 "$WORK"
PGDATA=$WORK/pgdata
SOCK=$WORK/sock
RESULTS=$WORK/results
mkdir -p "$SOCK" "$RESULTS" "$WORK/config"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$SOCK" "$WORK"

cleanup() {
  jobs -p | xargs -r kill -9 2>/dev/null
  if [ -f "$PGDATA/postmaster.pid" ]; then
    pm=$(head -1 "$PGDATA/postmaster.pid")
    kill -CONT "$pm" $(pgrep -P "$pm") 2>/dev/null
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "soak: ${MINUTES} min, ${CLIENTS} clients, ${CONVERSATIONS} shared conversations, $BIN" >&2
as_pg "$PGBIN/initdb" -D "$PGDATA" -U aiagency --auth=trust --no-sync -E UTF8 --no-locale >/dev/null || exit 1
pg_start() {
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/server.log" -w -t 60 \
    -o "-k $SOCK -c listen_addresses= -c fsync=off" start >/dev/null
}
pg_start || { cat "$WORK/server.log" >&2; exit 1; }
as_pg "$PGBIN/createdb" -h "$SOCK" -U aiagency soak || exit 1

export DATABASE_URL="postgresql:///soak?host=$SOCK&user=aiagency"
export LLM_PROVIDER=demo XDG_CONFIG_HOME=$WORK/config
export OPEN_METEO_BASE_URL=http://127.0.0.1:9/v1 OPEN_METEO_GEOCODING_URL=http://127.0.0.1:9/v1
export WEATHER_HTTP_TIMEOUT_MS=1000 AGENCY_TURN_WAIT_MS=${SOAK_TURN_WAIT_MS:-3000}
export AGENCY_DB_STATEMENT_TIMEOUT_MS=3000 AGENCY_DB_CONNECT_TIMEOUT_S=2 AGENCY_DB_RETRY_MS=5000
export AGENCY_TURN_LEASE_S=5 HTTP_TURN_DEADLINE_MS=60000
"$BIN" migrate >/dev/null 2>&1 || { echo "soak: migrate failed" >&2; exit 1; }
psql() { as_pg "$PGBIN/psql" -h "$SOCK" -U aiagency -d soak -XAtq -v ON_ERROR_STOP=1 "$@"; }

# The check must be able to fail: first run it over conversations broken on purpose (one per
# problem, and a sound one), in a transaction rolled back, and insist it finds exactly those.
found=$({ echo "BEGIN;"; cat "$HERE/selfcheck.sql" "$HERE/check.sql"; echo "ROLLBACK;"; } | psql |
  grep '^00000000-0000-4000-8000-' | sort)
expected="00000000-0000-4000-8000-000000000001 ordered
00000000-0000-4000-8000-000000000002 unanswered
00000000-0000-4000-8000-000000000003 orphan
00000000-0000-4000-8000-000000000004 duplicate
00000000-0000-4000-8000-000000000005 interleaved"
if [ "$found" != "$expected" ]; then
  printf 'soak: the consistency check is broken: on selfcheck.sql it found\n%s\ninstead of\n%s\n' \
    "$found" "$expected" >&2
  exit 1
fi

# The server: started (again after each kill -9) on a free port, which it prints; clients read
# the URL from server.url.
SERVER_PID=
server_start() {
  "$BIN" serve --no-auth --port 0 >/dev/null 2>"$WORK/serve.err" &
  SERVER_PID=$!
  local url
  for _ in $(seq 1 600); do
    url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/serve.err")
    if [ -n "$url" ]; then echo "$url" >"$WORK/server.url"; return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "soak: the server did not start" >&2; cat "$WORK/serve.err" >&2
  return 1
}
if [ "$SERVER_SHARE" -gt 0 ]; then server_start || exit 1; fi

# The shared conversations, each opened by a first turn.
CONVS=()
for i in $(seq 1 "$CONVERSATIONS"); do
  id=$("$BIN" chat --tenant soak --flow weather "opening $i: what is the weather in Paris?" 2>&1 >/dev/null |
    sed -n 's/^conversation: \([0-9a-f-]*\).*/\1/p')
  [ -n "$id" ] || { echo "soak: could not open conversation $i" >&2; exit 1; }
  CONVS+=("$id")
done

# One turn over HTTP: POST /chat/weather with curl; its cause from the status.
http_client() {
  local n=$1 conv=$2 msg=$3 body code
  body="{\"tenant_id\":\"soak\",\"message\":\"$msg\"${conv:+,\"conversation_id\":\"$conv\"}}"
  code=$(curl -s -o "$RESULTS/$n.body" -w '%{http_code}' -m 120 -H 'Content-Type: application/json' \
    --data-binary "$body" "$(cat "$WORK/server.url")/chat/weather")
  local status=$?
  # A curl killed with -9 printed no status at all.
  [ $status -eq 137 ] && code=killed
  case $code in
    200) echo "completed (http)" ;;
    409) echo "refused: a reply is still being written (http 409)" ;;
    503) echo "failed: database unavailable (http 503)" ;;
    killed) echo "failed: killed (kill -9, curl)" ;;
    000) echo "failed: server killed or restarting (http, no answer)" ;;
    *) echo "failed: http $code $(head -c 80 "$RESULTS/$n.body")" ;;
  esac >"$RESULTS/$n.cause"
}

# One client: a turn on a random shared conversation (or a new one); its exit status is its cause.
client() {
  local n=$1 conv=${CONVS[$((RANDOM % ${#CONVS[@]}))]} msg
  if [ $((RANDOM % 3)) -eq 0 ]; then msg="turn $n: weather in Berlin?"; else msg="turn $n: hello"; fi
  [ $((RANDOM % 8)) -eq 0 ] && conv=
  if [ "$SERVER_SHARE" -gt 0 ] && [ $((RANDOM % SERVER_SHARE)) -eq 0 ]; then
    http_client "$n" "$conv" "$msg"
    return
  fi
  local args=(chat --tenant soak --flow weather)
  [ -n "$conv" ] && args+=(--conversation "$conv")
  timeout -s KILL 120 "$BIN" "${args[@]}" "$msg" >/dev/null 2>"$RESULTS/$n.err"
  local code=$? err
  err=$(grep -m1 '^aiagency: ' "$RESULTS/$n.err" | cut -c1-90)
  # The cause, from the exit status (exit-code table) or, for a generic failure, the message.
  if [ $code -eq 0 ]; then echo "completed"
  elif [ $code -eq 137 ]; then echo "failed: killed (kill -9)"
  elif [ $code -eq 4 ] || [[ $err == *"still being written"* ]]; then echo "refused: a reply is still being written"
  elif [ $code -eq 7 ] || [[ $err == *"not stored"* || $err == *"database"* || $err == *"connect"* ]]; then
    echo "failed: database unavailable"
  else echo "failed: exit $code ${err}"
  fi >"$RESULTS/$n.cause"
}

declare -A PIDS=()
n=0
end=$((SECONDS + SECONDS_TOTAL))
next_fault=$((SECONDS + 5))
faults_kill=0 faults_restart=0 faults_freeze=0 faults_server=0
while [ $SECONDS -lt $end ]; do
  for pid in "${!PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || unset "PIDS[$pid]"; done
  while [ ${#PIDS[@]} -lt "$CLIENTS" ]; do
    # (stderr closed: the shell's "Killed" notices for clients killed on purpose are noise)
    n=$((n + 1)); client "$n" 2>/dev/null & PIDS[$!]=$n
  done
  if [ $SECONDS -ge $next_fault ]; then
    pm=$(head -1 "$PGDATA/postmaster.pid" 2>/dev/null)
    case $((RANDOM % (SERVER_SHARE > 0 ? 4 : 3))) in
      0) # kill -9 a client (the aiagency process, not its timeout wrapper; or a curl)
        victim=$({ pgrep -f "$BIN chat"; pgrep -f "curl -s -o $RESULTS/"; } | shuf -n 1)
        [ -n "$victim" ] && kill -9 "$victim" 2>/dev/null && faults_kill=$((faults_kill + 1)) ;;
      1) # restart PostgreSQL
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 restart \
          -o "-k $SOCK -c listen_addresses= -c fsync=off" >/dev/null 2>&1 && faults_restart=$((faults_restart + 1)) ;;
      2) # freeze the whole cluster for 2-4 s
        if [ -n "$pm" ]; then
          procs="$pm $(pgrep -P "$pm" | tr '\n' ' ')"
          kill -STOP $procs 2>/dev/null; sleep $((2 + RANDOM % 3)); kill -CONT $procs 2>/dev/null
          faults_freeze=$((faults_freeze + 1))
        fi ;;
      3) # kill -9 the server mid-whatever, then start it again
        kill -9 "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null
        server_start || exit 1
        faults_server=$((faults_server + 1)) ;;
    esac
    next_fault=$((SECONDS + 3 + RANDOM % 5))
  fi
  sleep 0.2
done
for pid in "${!PIDS[@]}"; do wait "$pid"; done

# The server stops on SIGTERM (the clients are done, so promptly), whatever the faults did to it.
server_stopped="not running"
if [ -n "$SERVER_PID" ]; then
  kill -TERM "$SERVER_PID"
  for _ in $(seq 1 300); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$SERVER_PID" 2>/dev/null; then server_stopped="did NOT stop within 30 s of SIGTERM"
  else wait "$SERVER_PID"; server_stopped="stopped on SIGTERM (exit $?)"; fi
fi

pg_ctl_status() { as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }
pg_ctl_status || pg_start

# Turns attempted, and how each ended (the CLI's exit status).
attempted=$n

# Consistency of every conversation (check.sql says what it looks for).
PROBLEMS=$(psql <"$HERE/check.sql") || { echo "soak: the consistency check failed to run" >&2; exit 1; }
conversations=$(psql -c "SELECT count(*) FROM conversations")
messages=$(psql -c "SELECT count(*) FROM messages")
inconsistent=$(printf '%s' "$PROBLEMS" | grep -c . || true)

echo
echo "soak result (${MINUTES} min)"
echo "  faults injected: ${faults_kill} client kill -9, ${faults_server} server kill -9, ${faults_restart} PostgreSQL restarts, ${faults_freeze} cluster freezes (SIGSTOP/SIGCONT)"
echo "  turns attempted: ${attempted}"
cat "$RESULTS"/*.cause | sort | uniq -c | sort -rn | while read -r count cause; do printf '  %-60s %s\n' "$cause" "$count"; done
echo "  conversations: ${conversations}, messages: ${messages}"
echo "  conversations inconsistent: ${inconsistent}"
echo "  server: ${server_stopped}"
if [ "$inconsistent" -ne 0 ]; then
  echo "$PROBLEMS" | head -20
  exit 1
fi
[[ $server_stopped != *NOT* ]] || exit 1
