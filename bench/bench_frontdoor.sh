#!/usr/bin/env bash
# ./dev bench frontdoor: one address holding 1,000 half-open sockets must not stop anyone else
# (docs/benchmarks.md "Front door"). Starts `aiagency serve` as ./dev bench server does, but with the
# per-address connection cap at its default (HTTP_MAX_CONNECTIONS_PER_CLIENT), then runs
# bench/frontdoor.py: GET /health from 127.0.0.2, p50/p99 with nothing held and while 127.0.0.1
# holds the sockets.
#
# Usage: bench/bench_frontdoor.sh BUILD_DIR [HOLD_COUNT] [REQUESTS]
set -euo pipefail

BUILD=${1:?usage: bench_frontdoor.sh BUILD_DIR [HOLD_COUNT] [REQUESTS]}
WORK=$(mktemp -d)
# shellcheck source=serverprocs.sh
. "$(dirname "$0")/serverprocs.sh"
cleanup() { stop_processes; rm -rf "$WORK"; }
trap cleanup EXIT

BENCH_PER_CLIENT_CAP=default start_agency_server
echo
echo "Front door: $(git -C "$(dirname "$0")/.." rev-parse --short HEAD 2>/dev/null), $(nproc) cores, loopback"
echo
python3 "$(dirname "$0")/frontdoor.py" "$PORT" "${2:-1000}" "${3:-500}"
