#!/usr/bin/env bash
# Release build figures: hydrate bundle size (raw and gzip) next to a minimal Leptos app built
# here with the same versions, profile and steps (bench/minimal-leptos); the bytes a real
# Chromium downloads for a cold load of the domain list; then requests per second and p99 of the
# domain list page with 50 domains under `wrk -c64 -d15s`, next to a bare axum handler, and the
# Thunderbird autoconfig document (per-client limit lifted for the run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh wrk curl chromium
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailsettings/target}"

PATH="$(scripts/wasm-opt-path.sh):$PATH"
export PATH

cargo leptos build --release --split
# The minimal app is built with the same flag as ours (always-erase-components).
export RUSTFLAGS="--cfg erase_components"

work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# The yardstick for the list page: a bare axum handler, same axum and tokio, its own crate.
cp -r bench/bare-axum "$work/bare-axum"
cp Cargo.lock "$work/bare-axum/"
(cd "$work/bare-axum" && cargo build --release)

# The yardstick: cargo-leptos's release steps for a hydrate bundle, on the minimal app.
cp -r bench/minimal-leptos "$work/minimal"
cp Cargo.lock "$work/minimal/"
(cd "$work/minimal" && cargo build --lib --target wasm32-unknown-unknown --profile wasm-release)
wasm-bindgen --target web --no-typescript --out-dir "$work/minimal/pkg" \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/minimal_leptos.wasm"
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  -o "$work/minimal/pkg/minimal.wasm" "$work/minimal/pkg/minimal_leptos_bg.wasm"

site="$PWD/target/site"
# The main module hydrates every page; each screen's code is in split_*/chunk_* files (--split).
wasm=$(ls "$site"/pkg/mailsettings.*.wasm)
js=$(ls "$site"/pkg/mailsettings.*.js)
css=$(ls "$site"/pkg/mailsettings.*.css)
raw=$(stat -c %s "$wasm") gz=$(gzip -9c "$wasm" | wc -c)
min_raw=$(stat -c %s "$work/minimal/pkg/minimal.wasm") min_gz=$(gzip -9c "$work/minimal/pkg/minimal.wasm" | wc -c)
printf 'hydrate bundle: main wasm %s B raw, %s B gzip; js %s B raw, %s B gzip\n' \
  "$raw" "$gz" "$(stat -c %s "$js")" "$(gzip -9c "$js" | wc -c)"
printf 'all screens: %s wasm files, %s B raw\n' "$(ls "$site"/pkg/*.wasm | wc -l)" \
  "$(cat "$site"/pkg/*.wasm | wc -c)"
printf 'minimal Leptos app: wasm %s B raw, %s B gzip; ratio %s raw, %s gzip\n' "$min_raw" "$min_gz" \
  "$(awk -v a="$raw" -v b="$min_raw" 'BEGIN {printf "%.2f", a / b}')" \
  "$(awk -v a="$gz" -v b="$min_gz" 'BEGIN {printf "%.2f", a / b}')"
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
"$CARGO_TARGET_DIR/release/bare-axum" "127.0.0.1:$base_port" &
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
# What a real Chromium downloads for a cold load of the domain list (page, wasm chunks, JS, CSS).
(cd end2end && { [ -d node_modules ] || npm ci --no-audit --no-fund --silent; } &&
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 node cold-load.mjs "$app/domains" "$cookie")
rows=$(curl -fs -H "Cookie: mailsettings_session=$cookie" "$app/domains" | grep -oE 'href="/domains/[0-9]+">Edit' | wc -l)
echo "domain list page shows $rows domains"

# Prints a wrk run's requests/s and p99, and keeps the requests/s in $rps.
report() {
  local name=$1 out
  shift
  out=$(wrk -c64 -t2 -d15s --latency "$@")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  printf '%s: %s requests/s, p99 %s\n' "$name" "$rps" "$(awk '$1 == "99%" {print $2}' <<<"$out")"
}
# PROFILE=1: where the server spends the list page's time (perf samples during the wrk run).
if [ "${PROFILE:-}" = "1" ]; then
  scripts/ensure-tools.sh linux-perf
  perf record -F 999 -g -p "${pids[0]}" -o "$work/perf.data" 2>/dev/null &
  perf_pid=$!
fi
report "domain list page (50 domains)" -H "Cookie: mailsettings_session=$cookie" "$app/domains"
list_rps=$rps
if [ "${PROFILE:-}" = "1" ]; then
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  # The top 40 symbols by self time (head closes the pipe early: not a failure).
  perf report -i "$work/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
    grep -E '^ +[0-9.]+%' | cut -c1-160 | head -40 || true
fi
# The same app shell with no database read: what rendering a page costs on its own.
report "login page (no database)" "$app/login"
report "bare axum handler" "http://127.0.0.1:$base_port/"
awk -v l="$list_rps" -v b="$rps" 'BEGIN {printf "ratio domain list / bare axum: %.3f\n", (b > 0 ? l / b : 0)}'
curl -fs "$app/mail/config-v1.1.xml?emailaddress=user@bench01.example.com" | grep -q '<hostname>imap.bench01.example.com</hostname>'
report "Thunderbird autoconfig document" "$app/mail/config-v1.1.xml?emailaddress=user@bench01.example.com"
