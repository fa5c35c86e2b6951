#!/usr/bin/env bash
# The official MCP TypeScript SDK (npm "@modelcontextprotocol/sdk") as the client of the agency's
# MCP server: over stdio to `aiagency mcp --tenant acme` and over Streamable HTTP to /mcp of
# `aiagency serve`, with the offline demo provider and demo embedding. Tenant "other" has its own
# conversation and document, which acme must never see. CTest runs it as test_mcp_sdk_client when
# node and npm are found (exit code 77 = skipped when npm cannot install the SDK).
#
# Usage: tests/mcpserver/sdk/run-mcp-sdk-check.sh BUILD_DIR   (BUILD_DIR holds app/aiagency)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:?usage: run-mcp-sdk-check.sh BUILD_DIR}" && pwd)
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! npm install --silent --no-audit --no-fund --prefix "$WORK/sdk" @modelcontextprotocol/sdk >/dev/null; then
  echo "SKIP: npm could not install @modelcontextprotocol/sdk" >&2
  exit 77
fi
cp "$HERE/mcp-sdk-check.mjs" "$WORK/sdk/"

chmod 755 "$WORK" # run as root, the embedded cluster runs as postgres and must reach it
export AGENCY_DATA_DIR=$WORK/data XDG_CONFIG_HOME=$WORK/config XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$WORK}
export LLM_PROVIDER=demo EMBEDDING_PROVIDER=demo LOG_LEVEL=warning
AIAGENCY=$BUILD/app/aiagency

key() { "$AIAGENCY" keys create --tenant "$1" --name "mcp-$1" 2>>"$WORK/keys.err" | tail -1; }
ACME_KEY=$(key acme)
OTHER_KEY=$(key other)
[ -n "$ACME_KEY" ] && [ -n "$OTHER_KEY" ] || { echo "cannot create keys:" >&2; cat "$WORK/keys.err" >&2; exit 1; }

# One document per tenant, each with a word of its own.
printf 'Quarterly plan.\n\nThe acme lighthouse project budget is 480000 euros for 2027.\n' >"$WORK/acme-plan.txt"
printf 'Secret notes.\n\nThe other tenant keeps its walrus inventory in the basement.\n' >"$WORK/other-notes.txt"
"$AIAGENCY" docs add --tenant acme "$WORK/acme-plan.txt" >/dev/null
"$AIAGENCY" docs add --tenant other "$WORK/other-notes.txt" >/dev/null

"$AIAGENCY" serve --port 0 >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
PORT=
for _ in $(seq 1 300); do # it says where it listens
  PORT=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$WORK/server.err" | grep -o '[0-9]*$' || true)
  [ -n "$PORT" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
[ -n "$PORT" ] || { echo "the server did not start:" >&2; cat "$WORK/server.err" >&2; exit 1; }

echo "@modelcontextprotocol/sdk $(node -p "require('$WORK/sdk/node_modules/@modelcontextprotocol/sdk/package.json').version") against aiagency mcp and 127.0.0.1:$PORT/mcp"
AGENCY_BIN=$AIAGENCY AGENCY_URL="http://127.0.0.1:$PORT" ACME_KEY=$ACME_KEY OTHER_KEY=$OTHER_KEY \
  node "$WORK/sdk/mcp-sdk-check.mjs"
