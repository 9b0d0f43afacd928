#!/usr/bin/env bash
# Release build figures: hydrate bundle size (raw and gzip), then requests per second and p99 of
# the domain list page with 50 domains under `wrk -c64 -d15s`, next to a bare axum handler, and
# the Thunderbird autoconfig document (per-client limit lifted for the run).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/versions.env
scripts/ensure-tools.sh wrk curl
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailsettings/target}"

# wasm-opt from npm's binaryen (Debian's binaryen produces a bundle that fails to hydrate).
tools="$HOME/.cache/mailsettings/binaryen"
if [ ! -x "$tools/node_modules/.bin/wasm-opt" ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-save --silent "binaryen@$BINARYEN_NPM_VERSION"
fi
export PATH="$tools/node_modules/.bin:$PATH"

cargo leptos build --release
cargo build --release -p server --example bare_axum

site="$PWD/target/site"
wasm=$(ls "$site"/pkg/*.wasm)
js=$(ls "$site"/pkg/*.js)
printf 'hydrate bundle: wasm %s B raw, %s B gzip; js %s B raw, %s B gzip\n' \
  "$(stat -c %s "$wasm")" "$(gzip -9c "$wasm" | wc -c)" "$(stat -c %s "$js")" "$(gzip -9c "$js" | wc -c)"

work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

app_port=$(free_port)
export DATABASE_URL="sqlite://$work/bench.db?mode=rwc"
MAILSETTINGS_ADMIN_PASSWORD='bench password 123' "$CARGO_TARGET_DIR/release/server" create-admin --email bench@example.com >/dev/null
# The autoconfig figure measures the document, not the per-client limit (60 a minute).
LEPTOS_SITE_ROOT="$site" LEPTOS_SITE_ADDR="127.0.0.1:$app_port" LEPTOS_ENV=PROD RUST_LOG=warn \
  MAILSETTINGS_MAIL_CLIENTS_PER_MINUTE=1000000000 \
  "$CARGO_TARGET_DIR/release/server" >"$work/server.log" 2>&1 &
pids+=($!)
base_port=$(free_port)
"$CARGO_TARGET_DIR/release/examples/bare_axum" "127.0.0.1:$base_port" &
pids+=($!)
for url in "http://127.0.0.1:$app_port/health" "http://127.0.0.1:$base_port/"; do
  for _ in $(seq 100); do curl -fs "$url" >/dev/null && break; sleep 0.1; done
done

app="http://127.0.0.1:$app_port"
curl -fs -c "$work/jar" -H 'Accept: application/json' \
  --data-urlencode email=bench@example.com --data-urlencode 'password=bench password 123' "$app/api/login" >/dev/null
for i in $(seq -w 1 50); do
  # A request that changes something must come from the app's origin (CSRF check).
  curl -fs -b "$work/jar" -H 'Accept: application/json' -H "Origin: $app" \
    --data-urlencode "settings[domain]=bench$i.example.com" \
    --data-urlencode "settings[imap_host]=imap.bench$i.example.com" \
    --data-urlencode 'settings[imap_port]=993' --data-urlencode 'settings[imap_security]=ssl' \
    --data-urlencode "settings[smtp_host]=smtp.bench$i.example.com" \
    --data-urlencode 'settings[smtp_port]=465' --data-urlencode 'settings[smtp_security]=ssl' \
    --data-urlencode 'save_anyway=on' \
    "$app/api/create_domain" >/dev/null
done
cookie=$(awk '$6 == "mailsettings_session" {print $7}' "$work/jar")
# What crosses the wire for a cold load of the domain list (the page, then its wasm, JS and CSS),
# as a browser that accepts br, or gzip, or nothing asks for it.
over_wire() {
  local total=0 n
  for path in /domains "/pkg/$(basename "$wasm")" "/pkg/$(basename "$js")" /pkg/mailsettings.css; do
    n=$(curl -fs -H "Cookie: mailsettings_session=$cookie" -H "Accept-Encoding: $1" -o /dev/null \
      -w '%{size_download}' "$app$path")
    total=$((total + n))
  done
  echo "$total"
}
printf 'cold load of the domain list over the wire: %s B with br, %s B with gzip, %s B uncompressed\n' \
  "$(over_wire br)" "$(over_wire gzip)" "$(over_wire identity)"
rows=$(curl -fs -H "Cookie: mailsettings_session=$cookie" "$app/domains" | grep -oE 'href="/domains/[0-9]+">Edit' | wc -l)
echo "domain list page shows $rows domains"

report() {
  local name=$1 out
  shift
  out=$(wrk -c64 -t2 -d15s --latency "$@")
  printf '%s: %s requests/s, p99 %s\n' "$name" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")"
}
report "domain list page (50 domains)" -H "Cookie: mailsettings_session=$cookie" "$app/domains"
report "bare axum handler" "http://127.0.0.1:$base_port/"
curl -fs "$app/mail/config-v1.1.xml?emailaddress=user@bench01.example.com" | grep -q '<hostname>imap.bench01.example.com</hostname>'
report "Thunderbird autoconfig document" "$app/mail/config-v1.1.xml?emailaddress=user@bench01.example.com"
