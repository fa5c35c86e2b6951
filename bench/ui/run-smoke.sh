#!/bin/sh
# bench_ui_smoke: the UI benchmark's quick run, with its embedded cluster in a fresh directory
# under /tmp that the server (run as `postgres` when the tests run as root) can enter wherever the
# checkout lives, as the tests' TestPostgres does; removed afterwards whatever the outcome.
#   run-smoke.sh <bench_ui> [bench_ui arguments…]
set -u
bench=$1
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-ui-smoke.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
chmod 755 "$dir"
"$bench" --quick --data-dir "$dir/data" "$@"
