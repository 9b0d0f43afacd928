#!/usr/bin/env bash
# Lighthouse (pinned in scripts/versions.env) on the app's pages, desktop and mobile, against a
# release server on a fresh SQLite database with a few seeded domains and an API token. Prints
# one line per page and form factor with the accessibility, best-practices and performance scores
# (0-100) and, below target, the failing audits (end2end/lighthouse.mjs). Exits 1 when
# accessibility or best practices is below 100 or performance below 95.
#
# Env in: SERVER_BIN and SITE_ROOT, absolute paths of a release build (the server binary and
#         target/site); without SERVER_BIN the script builds one as scripts/bench.sh does.
#         CHROMIUM_BIN (default /usr/bin/chromium). Debian's Chromium; no browser is downloaded.
#         LIGHTHOUSE_RUNS (default 3): runs per page and form factor, the median one judged.
#         LIGHTHOUSE_PAGES: only these pages (space-separated names as printed, e.g. "profile").
# No inbox is seeded: connecting one needs a passing connection test against real mail servers.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/versions.env
die() { echo "lighthouse.sh: $*" >&2; exit 2; }

if [ -z "${SERVER_BIN:-}" ]; then
  scripts/ensure-tools.sh curl chromium
  export PATH="$HOME/.cargo/bin:$PATH"
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailsettings/target}"
  PATH="$(scripts/wasm-opt-path.sh):$PATH"
  export PATH
  cargo leptos build --release --split
  SERVER_BIN="$CARGO_TARGET_DIR/release/server" SITE_ROOT="$PWD/target/site"
fi
export SERVER_BIN SITE_ROOT="${SITE_ROOT:-$PWD/target/site}"
[ -x "$SERVER_BIN" ] || die "no server binary at $SERVER_BIN (cargo leptos build --release --split)"
[ -d "$SITE_ROOT" ] || die "no site at $SITE_ROOT (cargo leptos build --release --split)"
chrome="${CHROMIUM_BIN:-/usr/bin/chromium}"
[ -x "$chrome" ] || die "no Chromium at $chrome (apt-get install chromium)"

lh_dir="$HOME/.cache/mailsettings/lighthouse"
lighthouse="$lh_dir/node_modules/.bin/lighthouse"
if [ "$("$lighthouse" --version 2>/dev/null)" != "$LIGHTHOUSE_VERSION" ]; then
  echo "Installing lighthouse $LIGHTHOUSE_VERSION into $lh_dir"
  mkdir -p "$lh_dir"
  [ -f "$lh_dir/package.json" ] || echo '{"private": true}' >"$lh_dir/package.json"
  # Lighthouse drives Chromium through puppeteer-core; these keep any browser download off.
  (cd "$lh_dir" && PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    npm i -E --no-audit --no-fund "lighthouse@$LIGHTHOUSE_VERSION")
fi

# Everything below runs with loopback as the only network (as scripts/api-contract.sh does), so
# neither Chromium nor the server reaches anything else.
if [ -z "${LIGHTHOUSE_IN_NETNS:-}" ] && command -v ip >/dev/null && unshare --net true 2>/dev/null; then
  exec unshare --net env LIGHTHOUSE_IN_NETNS=1 "$PWD/scripts/lighthouse.sh"
fi
if [ -n "${LIGHTHOUSE_IN_NETNS:-}" ]; then
  ip link set lo up
else
  echo "lighthouse.sh: no private network namespace (unshare --net refused); running on the host's loopback" >&2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/mailsettings-lighthouse.XXXXXX")"
server_pid= lighthouse_pid=
cleanup() {
  # SIGINT: Lighthouse then closes its Chromium too.
  [ -z "$lighthouse_pid" ] || { kill -INT "$lighthouse_pid" 2>/dev/null; wait "$lighthouse_pid" 2>/dev/null; } || true
  [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; } || true
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
app="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/lighthouse.db?mode=rwc"
admin=admin@lighthouse.test
password="$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
MAILSETTINGS_ADMIN_PASSWORD="$password" "$SERVER_BIN" create-admin --email "$admin" >/dev/null
LEPTOS_SITE_ROOT="$SITE_ROOT" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_ENV=PROD RUST_LOG=warn \
  MAILSETTINGS_DATA_DIR="$work" "$SERVER_BIN" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do
  curl -fs -o /dev/null "$app/health" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "the server stopped"; }
  sleep 0.1
done
curl -fs -o /dev/null "$app/health" || die "the server did not answer /health in 30 s"

# Sign in and seed through the app's own server functions, as scripts/bench.sh does.
call() {
  local function=$1
  shift
  curl -fsS -b "$work/jar" -c "$work/jar" -H "Origin: $app" -H 'Accept: application/json' "$@" "$app/api/$function"
}
call login --data-urlencode "email=$admin" --data-urlencode "password=$password" >/dev/null
cookie="mailsettings_session=$(awk '$6 == "mailsettings_session" {print $7}' "$work/jar")"
seed() {
  call create_domain --data-urlencode "settings[domain]=$1" \
    --data-urlencode "settings[imap_host]=$2" -d "settings[imap_port]=$3" -d "settings[imap_security]=$4" \
    --data-urlencode "settings[smtp_host]=$5" -d "settings[smtp_port]=$6" -d "settings[smtp_security]=$7" \
    -d save_anyway=on >/dev/null
}
# Worst-case lengths for the layout: 30-character domains with 60-character host names.
seed alpenglow-freight-logistics.eu imap.mailcluster-eu-central-1.alpenglow-freight-logistics.eu 993 ssl \
  smtp.mailcluster-eu-central-1.alpenglow-freight-logistics.eu 465 ssl
seed brightwater-dental-clinics.com imap.secure-mx-frankfurt-dc03.brightwater-dental-clinics.com 143 starttls \
  smtp.secure-mx-frankfurt-dc03.brightwater-dental-clinics.com 587 starttls
seed example.org imap.example.org 993 ssl smtp.example.org 465 ssl
seed kleinbau.de mail.kleinbau.de 993 ssl mail.kleinbau.de 587 starttls
call create_api_token -d name=lighthouse -d scope=read -d expires_in_days=30 >/dev/null
# Domains are listed by name: the first Edit link is alpenglow-freight-logistics.eu.
domain_id=$(curl -fsS -H "Cookie: $cookie" "$app/domains" | grep -oE 'href="/domains/[0-9]+">Edit' |
  sed -n '1s/[^0-9]//gp')
[ -n "$domain_id" ] || die "no domain on the domain list page"
printf '{"Cookie": "%s"}\n' "$cookie" >"$work/headers.json"

pages=(
  "login /login"
  "domain-list /domains"
  "domain-panel /domains/$domain_id"
  "connect-inbox /inboxes/connect"
  "connect-inbox-prefilled /inboxes/connect?email=someone@alpenglow-freight-logistics.eu"
  "inboxes /inboxes"
  "history /history"
  "profile /profile"
)
# Performance varies from run to run: each page and form factor runs LIGHTHOUSE_RUNS times (3),
# and the run with the median performance score is the one judged (Lighthouse's own advice).
runs="${LIGHTHOUSE_RUNS:-3}"
printf '%-30s %-8s %14s %14s %14s  %s\n' page form accessibility best-practices performance "(every run)"
status=0
for entry in "${pages[@]}"; do
  read -r name path <<<"$entry"
  [ -z "${LIGHTHOUSE_PAGES:-}" ] || [[ " $LIGHTHOUSE_PAGES " == *" $name "* ]] || continue
  headers=(--extra-headers="$work/headers.json")
  [ "$name" != login ] || headers=()
  for form in desktop mobile; do
    preset=()
    [ "$form" = mobile ] || preset=(--preset=desktop)
    reports=()
    for run in $(seq "$runs"); do
      report="$work/$name-$form-$run.json"
      CHROME_PATH="$chrome" "$lighthouse" "$app$path" "${preset[@]}" "${headers[@]}" --quiet \
        --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
        --only-categories=accessibility,best-practices,performance --output=json --output-path="$report" &
      lighthouse_pid=$!
      ran=0
      wait "$lighthouse_pid" || ran=$?
      lighthouse_pid=
      if [ "$ran" -ne 0 ]; then echo "$name $form: lighthouse failed (exit $ran)"; status=1; continue; fi
      reports+=("$report")
    done
    [ "${#reports[@]}" -gt 0 ] || continue
    node end2end/lighthouse.mjs "$name" "$form" "${reports[@]}" || status=1
  done
done
if grep -q 'panicked at' "$work/server.log"; then
  grep -A2 'panicked at' "$work/server.log" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "lighthouse.sh: failed or below target; JSON reports and server log kept in $work" >&2
else
  rm -rf "$work"
fi
exit "$status"
