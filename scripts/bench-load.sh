#!/usr/bin/env bash
# The load and fault suite (issue 11), run by hand and reported, not on every CI run:
#  1. a release server on SQLite with 50 domains under `wrk -c256 -t2 -d60s` on the domain list
#     page, a settings panel and two API reads: requests/s, p99, errors (non-2xx and socket),
#     and the server's resident memory before, between and after the runs;
#  2. two server processes on one PostgreSQL sharing the revalidation of 1,000 real mailboxes
#     (Dovecot + Postfix on loopback), one killed with SIGKILL midway: every inbox checked
#     exactly once for the job, and `server audit verify` on the chain (server/tests/scale_out.rs
#     with MAIL_LAB_MAILBOXES=1000).
# DURATION (default 60s) and CONNECTIONS (256) change the wrk runs; INBOXES (1000) the kill test;
# PAGES_ONLY=1 stops after the wrk runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh wrk curl
probe/tests/install-mail-servers.sh
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailsettings/target}"
PATH="$(scripts/wasm-opt-path.sh):$PATH"
export PATH
duration=${DURATION:-60s}
connections=${CONNECTIONS:-256}

cargo leptos build --release --split
export RUSTFLAGS="--cfg erase_components"

work=$(mktemp -d)
server_pid=
cleanup() { [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

port=$(free_port)
app="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/load.db?mode=rwc"
MAILSETTINGS_ADMIN_PASSWORD='load password 123' "$CARGO_TARGET_DIR/release/server" create-admin --email load@example.com >/dev/null
LEPTOS_SITE_ROOT="$PWD/target/site" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_ENV=PROD RUST_LOG=warn \
  MAILSETTINGS_DATA_DIR="$work" "$CARGO_TARGET_DIR/release/server" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -fs "$app/readyz" >/dev/null && break; sleep 0.1; done

curl -fs -c "$work/jar" -H 'Accept: application/json' \
  --data-urlencode email=load@example.com --data-urlencode 'password=load password 123' "$app/api/login" >/dev/null
cookie=$(awk '$6 == "mailsettings_session" {print $7}' "$work/jar")
token=$(curl -fs -b "$work/jar" -H 'Accept: application/json' -H "Origin: $app" \
  --data-urlencode name=load --data-urlencode scope=read --data-urlencode expires_in_days=7 \
  "$app/api/create_api_token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
write=$(curl -fs -b "$work/jar" -H 'Accept: application/json' -H "Origin: $app" \
  --data-urlencode name=seed --data-urlencode scope=write --data-urlencode expires_in_days=7 \
  "$app/api/create_api_token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
for i in $(seq -w 1 50); do
  curl -fs -H "Authorization: Bearer $write" -H 'Content-Type: application/json' \
    -d "{\"settings\": {\"domain\": \"load$i.example.com\", \"imap_host\": \"imap.load$i.example.com\",
      \"imap_port\": 993, \"imap_security\": \"ssl\", \"smtp_host\": \"smtp.load$i.example.com\",
      \"smtp_port\": 465, \"smtp_security\": \"ssl\"}, \"save_anyway\": true}" \
    "$app/api/v1/domains" >/dev/null
done
first_id=$(curl -fs -H "Authorization: Bearer $token" "$app/api/v1/domains?limit=1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')

rss() { awk '/^VmRSS/ {printf "%.1f MiB", $2 / 1024}' "/proc/$server_pid/status"; }
echo "server memory (RSS) before load: $(rss)"
load() {
  local name=$1 out
  shift
  out=$(wrk -c"$connections" -t2 -d"$duration" --timeout 10s --latency "$@")
  printf '%s: %s requests/s, p99 %s, non-2xx %s, socket errors %s; RSS after: %s\n' "$name" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")" \
    "$(awk '/Non-2xx/ {print $NF}' <<<"$out" | grep . || echo 0)" \
    "$(awk '/Socket errors/ {sub(/.*Socket errors: /, ""); print}' <<<"$out" | grep . || echo none)" \
    "$(rss)"
}
echo "wrk -c$connections -t2 -d$duration, SQLite, 50 domains:"
load "domain list page" -H "Cookie: mailsettings_session=$cookie" "$app/domains"
load "settings panel" -H "Cookie: mailsettings_session=$cookie" "$app/domains/$first_id"
load "API: GET /api/v1/domains?limit=50" -H "Authorization: Bearer $token" "$app/api/v1/domains?limit=50"
load "API: GET /api/v1/domains/{id}" -H "Authorization: Bearer $token" "$app/api/v1/domains/$first_id"
load "domain list page, again" -H "Cookie: mailsettings_session=$cookie" "$app/domains"
if grep -qiE ' (ERROR|panicked)' "$work/server.log"; then
  echo "the server logged errors under load:"; grep -iE ' (ERROR|panicked)' "$work/server.log" | head -5
fi
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
# PAGES_ONLY=1: the page and API runs only (the kill test takes minutes of its own).
[ -z "${PAGES_ONLY:-}" ] || exit 0

echo "two processes on PostgreSQL, ${INBOXES:-1000} inboxes, one killed with SIGKILL midway:"
MAIL_LAB_MAILBOXES=${INBOXES:-1000} SCALE_OUT_CHECKS=16 \
  cargo test -p server --test scale_out -- --nocapture 2>&1 |
  grep -E '^(killed|[0-9]+ inboxes|server audit verify)|test result|panicked'
