#!/usr/bin/env bash
# Installs the .deb into a clean, minimal Debian 12 root (debootstrap minbase) and checks it the way
# the install section of docs/operations.md uses it: --version, the server on the embedded database as the
# service user, /health, a key and an authenticated chat with the demo provider, then remove (data
# kept) and purge (state gone). Needs root and Debian's package archive.
#   packaging/test-package.sh path/to/aiagency_<version>_amd64.deb
set -euo pipefail
deb=$(realpath "$1")
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${AGENCY_TEST_CACHE:-/var/cache/aiagency-test}
tarball=$cache/bookworm-minbase.tgz
root=$(mktemp -d /tmp/aiagency-root.XXXXXX)
port=${AGENCY_TEST_PORT:-18080}
server_pid=

log() { printf '\033[1m--> %s\033[0m\n' "$*" >&2; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
in_root() { chroot "$root" "$@"; }
as_service() { in_root runuser -u aiagency -- env -i PATH=/usr/bin:/bin HOME=/var/lib/aiagency \
  TMPDIR=/run/aiagency aiagency --env-file /etc/aiagency/aiagency.env "$@"; }

cleanup() {
  set +e
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  # Whatever PostgreSQL the root still runs (a failed run) must not outlive the test.
  for p in $(ls -d /proc/[0-9]* 2>/dev/null); do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  for m in dev/shm dev/pts dev proc sys run; do umount -l "$root/$m" 2>/dev/null; done
  rm -rf "$root"
}
trap cleanup EXIT

log "minimal Debian 12 root in $root"
mkdir -p "$cache"
if [ ! -f "$tarball" ]; then
  debootstrap --variant=minbase --make-tarball="$tarball" bookworm "$root.work" "$mirror" >/dev/null
  rm -rf "$root.work"
fi
debootstrap --variant=minbase --unpack-tarball="$tarball" bookworm "$root" "$mirror" >/dev/null
chmod 0755 "$root" # mktemp made it 0700: the root's users could not reach anything
cat > "$root/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
SRC
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount -t devpts devpts "$root/dev/pts" -o newinstance,ptmxmode=0666
mount -t tmpfs tmpfs "$root/dev/shm"
mount -t tmpfs tmpfs "$root/run"
# No init system in the root: services must not be started by package scripts.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"; chmod +x "$root/usr/sbin/policy-rc.d"

log "apt install ./$(basename "$deb")  (dependencies from the archive)"
cp "$deb" "$root/tmp/"
in_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "/tmp/$(basename "$deb")" >/dev/null
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl ca-certificates >/dev/null

log "aiagency --version"
in_root aiagency --version | grep -q '^aiagency ' || fail "--version"
in_root test -f /usr/share/man/man1/aiagency.1.gz || fail "man page missing"
in_root test -f /usr/share/applications/aiagency.desktop || fail ".desktop missing"
in_root getent passwd aiagency >/dev/null || fail "service user missing"
[ "$(in_root stat -c %U:%a /var/lib/aiagency)" = "aiagency:700" ] || fail "state dir owner/mode"

log "aiagency serve as the service user, embedded database (what aiagency.service runs)"
# systemd's RuntimeDirectory=aiagency, by hand: the root has no init system.
in_root install -d -o aiagency -g aiagency -m 0700 /run/aiagency
as_service serve --port "$port" > "$root/tmp/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health" || true)
  [ "$code" = 200 ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$root/tmp/serve.log"; fail "serve exited"; }
  sleep 0.5
done
[ "$code" = 200 ] || { cat "$root/tmp/serve.log"; fail "GET /health answered $code"; }
log "GET /health: 200"

log "aiagency keys create --tenant acme, then an authenticated chat"
key=$(as_service keys create --tenant acme --name package-test | tail -n 1)
[ ${#key} -ge 40 ] || fail "no key printed (got '$key')"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/chat/consulting" \
  -H 'Content-Type: application/json' -d '{"message":"Hello"}')
[ "$code" = 401 ] || fail "chat without a key answered $code, expected 401"
body=$(curl -s -w '\n%{http_code}' -X POST "http://127.0.0.1:$port/chat/consulting" \
  -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d '{"message":"Hello"}')
code=${body##*$'\n'}
[ "$code" = 200 ] || fail "authenticated chat answered $code: $body"
printf '%s\n' "${body%$'\n'*}" | grep -q '"conversation_id"' || fail "chat answer has no conversation_id"
log "chat: 200"

log "stop the server (SIGTERM): it stops the embedded database"
# SIGTERM to aiagency itself, as systemd sends it: runuser, if signalled, would answer by killing its
# child after 2 s and exiting with the signal. Its exit status is then the server's own.
descendants() { local p; for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }
serve_pid=$(for p in $(descendants "$server_pid"); do
  [ "$(cat "/proc/$p/comm" 2>/dev/null)" = aiagency ] && echo "$p"; done | head -n 1)
[ -n "$serve_pid" ] || fail "no aiagency process under runuser"
kill -TERM "$serve_pid"; wait "$server_pid" || fail "serve exited non-zero on SIGTERM"; server_pid=
! in_root test -f /var/lib/aiagency/pgdata/postmaster.pid || fail "embedded PostgreSQL left running"

log "apt remove: user data stays"
in_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq aiagency >/dev/null
in_root test -d /var/lib/aiagency/pgdata || fail "remove deleted the data"
in_root test -f /etc/aiagency/aiagency.env || fail "remove deleted the settings (a conffile)"
log "apt purge: the service's state is gone"
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq aiagency >/dev/null
! in_root test -e /var/lib/aiagency || fail "purge left /var/lib/aiagency"
! in_root test -e /etc/aiagency || fail "purge left /etc/aiagency"
echo "test-package: all checks passed"
