#!/bin/sh
# Runs a test in its own D-Bus session with a GNOME keyring (Secret Service) unlocked in a
# throwaway home, so the real qtkeychain adaptor can be tested without touching the user's
# keychain. Exit 77 (CTest: skipped) when the tools are missing; `./dev setup` installs them.
set -u
for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null; then
    echo "skipped: $tool is not installed (./dev setup installs gnome-keyring)"
    exit 77
  fi
done
home=$(mktemp -d)
runtime=$(mktemp -d)
chmod 700 "$runtime"
# The login keyring is created on first unlock with this password; gnome-keyring refuses an empty one
# without a prompt, and there is no display to prompt on.
HOME=$home XDG_RUNTIME_DIR=$runtime XDG_DATA_HOME=$home/.local/share AGENCY_TEST_KEYCHAIN=1 \
  dbus-run-session -- sh -c 'printf test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null && "$@"' \
  sh "$@"
status=$?
rm -rf "$home" "$runtime"
exit "$status"
