#!/usr/bin/env bash
# The MCP client against servers written with the official MCP TypeScript SDK (npm
# "@modelcontextprotocol/sdk"): installs the SDK into a temporary directory, puts the test
# servers beside it and runs test_mcpclient there. CTest runs it as test_mcp_sdk_servers when node
# and npm are found; exit code 77 = skipped when npm cannot install the SDK.
#
# Usage: tests/mcp/sdk/run-mcp-client-check.sh BUILD_DIR   (test_mcpclient built in BUILD_DIR)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:?usage: run-mcp-client-check.sh BUILD_DIR}" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if ! npm install --silent --no-audit --no-fund --prefix "$WORK" @modelcontextprotocol/sdk zod >/dev/null; then
  echo "SKIP: npm could not install @modelcontextprotocol/sdk" >&2
  exit 77
fi
cp "$HERE/stdio-server.mjs" "$HERE/http-server.mjs" "$HERE/stateless-server.mjs" "$WORK/"
echo "@modelcontextprotocol/sdk $(node -p "require('$WORK/node_modules/@modelcontextprotocol/sdk/package.json').version")"
AGENCY_MCP_SDK_DIR="$WORK" "$BUILD/tests/mcp/test_mcpclient"
