#!/usr/bin/env bash
# Runs the browser end-to-end tests (end2end/, Playwright with Debian's Chromium) against an
# already built server. Each Playwright project (js, nojs) starts its own server on a free port
# with its own fresh SQLite database.
#
# Env in (required, absolute paths):
#   SERVER_BIN  the built server binary, e.g. $PWD/target/debug/server
#   SITE_ROOT   the built site directory (LEPTOS_SITE_ROOT), e.g. $PWD/target/site
#   MAIL_LAB_BIN the built probe/examples/mail_lab (real Dovecot + Postfix for connection tests)
# Optional: E2E_WORKERS (default 2), E2E_SERVER_STDOUT=1, CHROMIUM_BIN (default /usr/bin/chromium),
#   E2E_SPECS (space-separated spec files under end2end/, e.g. tests/waits-keyboard.spec.ts; default all).
# Extra arguments are not accepted; the exit code is Playwright's.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
e2e_dir="$repo_root/end2end"

die() { echo "e2e.sh: $*" >&2; exit 2; }

[ "$#" -eq 0 ] || die "takes no arguments (got: $*)"
[ -n "${SERVER_BIN:-}" ] || die "SERVER_BIN is not set (absolute path of the built server binary)"
[ -n "${SITE_ROOT:-}" ] || die "SITE_ROOT is not set (absolute path of the built site root, e.g. target/site)"
case "$SERVER_BIN" in /*) ;; *) die "SERVER_BIN must be an absolute path: $SERVER_BIN" ;; esac
case "$SITE_ROOT" in /*) ;; *) die "SITE_ROOT must be an absolute path: $SITE_ROOT" ;; esac
[ -f "$SERVER_BIN" ] || die "SERVER_BIN does not exist: $SERVER_BIN (build the server first)"
[ -x "$SERVER_BIN" ] || die "SERVER_BIN is not executable: $SERVER_BIN"
[ -d "$SITE_ROOT" ] || die "SITE_ROOT does not exist: $SITE_ROOT (build the site first)"
[ -x "${MAIL_LAB_BIN:-}" ] || die "MAIL_LAB_BIN is not an executable: ${MAIL_LAB_BIN:-unset} (cargo build -p probe --example mail_lab)"
export SERVER_BIN SITE_ROOT

# Real mail servers for the connection tests; they stop when this script ends.
coproc LAB { exec "$MAIL_LAB_BIN"; }
lab_pid=$LAB_PID
trap 'kill "$lab_pid" 2>/dev/null || true; wait "$lab_pid" 2>/dev/null || true' EXIT
IFS= read -r -t 60 MAIL_LAB <&"${LAB[0]}" || die "the mail lab did not start"
export MAIL_LAB

# Debian's Chromium; never a browser download.
command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

cd "$e2e_dir"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
fi

# Both SQLite files go here; removed after a passing run, kept for inspection after a failure.
E2E_DB_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mailsettings-e2e.XXXXXX")"
export E2E_DB_DIR

status=0
# shellcheck disable=SC2086 # E2E_SPECS is a list of paths
npx playwright test --reporter=list ${E2E_SPECS:-} || status=$?

if [ "$status" -eq 0 ]; then
  rm -rf "$E2E_DB_DIR"
else
  echo "e2e.sh: tests failed (exit $status); databases kept in $E2E_DB_DIR; traces in $e2e_dir/test-results" >&2
fi
exit "$status"
