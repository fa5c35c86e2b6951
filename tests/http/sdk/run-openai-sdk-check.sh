#!/usr/bin/env bash
# The official OpenAI SDK for JavaScript (npm package "openai") against `aiagency serve` with the
# instant fake provider: models, a plain completion, a streamed continuation with usage, errors
# raised as the SDK's own classes, and embeddings (demo embedding) as floats and as base64. Not part of CTest (it downloads the SDK): run it by hand.
#
# Usage: tests/http/sdk/run-openai-sdk-check.sh BUILD_DIR   (needs node and npm; BUILD_DIR built
# with the bench targets: bench_fakeprovider, aiagency)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:?usage: run-openai-sdk-check.sh BUILD_DIR}" && pwd)
WORK=$(mktemp -d)
# shellcheck source=../../../bench/serverprocs.sh
. "$HERE/../../../bench/serverprocs.sh"
cleanup() { stop_processes; rm -rf "$WORK"; }
trap cleanup EXIT

npm install --silent --no-audit --no-fund --prefix "$WORK/sdk" openai >/dev/null
cp "$HERE/openai-sdk-check.mjs" "$WORK/sdk/"
start_agency_server
echo "openai SDK $(node -p "require('$WORK/sdk/node_modules/openai/package.json').version") against 127.0.0.1:$PORT"
AGENCY_BASE_URL="http://127.0.0.1:$PORT/v1" AGENCY_KEY=$KEY node "$WORK/sdk/openai-sdk-check.mjs"
