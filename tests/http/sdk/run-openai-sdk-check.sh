#!/usr/bin/env bash
# The official OpenAI SDK for JavaScript (npm package "openai") and Vercel's AI SDK (npm "ai" and
# "@ai-sdk/openai") against `aiagency serve` with the instant fake provider: models, a plain
# completion, a streamed continuation with usage, the Responses API (plain, streamed, retrieved,
# continued), embeddings (demo embedding) as floats and as base64, and errors raised as the SDK's own classes. CTest runs it as test_openai_sdks when
# node and npm are found (it downloads the SDKs; exit code 77 = skipped when npm cannot reach the
# registry).
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

if ! npm install --silent --no-audit --no-fund --prefix "$WORK/sdk" openai ai @ai-sdk/openai >/dev/null; then
  echo "SKIP: npm could not install the SDKs" >&2
  exit 77
fi
cp "$HERE/openai-sdk-check.mjs" "$HERE/responses-sdk-check.mjs" "$WORK/sdk/"
start_agency_server
echo "openai SDK $(node -p "require('$WORK/sdk/node_modules/openai/package.json').version") against 127.0.0.1:$PORT"
echo "ai $(node -p "require('$WORK/sdk/node_modules/ai/package.json').version"), @ai-sdk/openai $(node -p "require('$WORK/sdk/node_modules/@ai-sdk/openai/package.json').version")"
AGENCY_BASE_URL="http://127.0.0.1:$PORT/v1" AGENCY_KEY=$KEY node "$WORK/sdk/openai-sdk-check.mjs"
AGENCY_BASE_URL="http://127.0.0.1:$PORT/v1" AGENCY_KEY=$KEY node "$WORK/sdk/responses-sdk-check.mjs"
