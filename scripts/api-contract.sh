#!/usr/bin/env bash
# The API contract run: Schemathesis generates requests from /api/v1/openapi.json and sends them
# to a real server process (the built binary, a fresh SQLite file, 127.0.0.1 on a free port) with
# a read-and-write token of the first super admin. It fails on a 5xx, a status code or body the
# document does not describe, or a request the document allows being refused.
#
# Network: the server and Schemathesis run in a private network namespace that has only its own
# loopback (when `unshare --net` is allowed, as for root here), and POST /connection-tests is left
# out of the run: a connection test connects to the hosts in its body, and no setting limits
# those to loopback (MAILSETTINGS_PROBE_ALLOW_PRIVATE only adds ranges to the public ones).
#
# Env in: SERVER_BIN (default: $CARGO_TARGET_DIR/debug/server, built with `cargo build -p server`),
#         API_CONTRACT_EXAMPLES (default 25: test cases per operation and phase).
# Installs Schemathesis (pinned in scripts/versions.env) into a private venv when missing.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$repo_root/scripts/versions.env"

die() { echo "api-contract.sh: $*" >&2; exit 2; }
[ "$#" -eq 0 ] || die "takes no arguments (got: $*)"

venv="$HOME/.cache/mailsettings/api-contract-venv"
if [ "$("$venv/bin/schemathesis" --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ] \
  || ! "$venv/bin/python" -c "import openapi_spec_validator" 2>/dev/null; then
  echo "Installing schemathesis $SCHEMATHESIS_VERSION and openapi-spec-validator $OPENAPI_SPEC_VALIDATOR_VERSION into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION"
fi

# Everything below runs with loopback as the only network.
if [ -z "${API_CONTRACT_IN_NETNS:-}" ] && command -v ip >/dev/null && unshare --net true 2>/dev/null; then
  exec unshare --net env API_CONTRACT_IN_NETNS=1 "${BASH_SOURCE[0]}"
fi
if [ -n "${API_CONTRACT_IN_NETNS:-}" ]; then
  ip link set lo up
else
  echo "api-contract.sh: no private network namespace (unshare --net refused); running on the host's loopback" >&2
fi

server_bin="${SERVER_BIN:-${CARGO_TARGET_DIR:-$repo_root/target}/debug/server}"
[ -x "$server_bin" ] || die "no server binary at $server_bin (cargo build -p server)"

work="$(mktemp -d "${TMPDIR:-/tmp}/mailsettings-api-contract.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/api.db?mode=rwc" MAILSETTINGS_DATA_DIR="$work/data"
export LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$work/site" RUST_LOG=warn
# Static addresses exist, so *Use static IP addresses* can be saved (as in the browser tests).
export MAILSETTINGS_STATIC_EGRESS=127.0.0.16/29
MAILSETTINGS_SETUP_TOKEN="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export MAILSETTINGS_SETUP_TOKEN
mkdir -p "$LEPTOS_SITE_ROOT"

admin=admin@contract.test
password="$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
MAILSETTINGS_ADMIN_PASSWORD="$password" "$server_bin" create-admin --email "$admin" >/dev/null

"$server_bin" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "$base/health" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "the server stopped"; }
  sleep 0.1
done
curl -fsS -o /dev/null "$base/health" || die "the server did not answer /health in 30 s"

# Sign in and create the tokens as a script would, through the app's own server functions: the
# run's token and a spare one (see scripts/api_contract_hooks.py).
origin=(-H "Origin: $base" -H "Accept: application/json")
call() {
  local function=$1
  shift
  curl -fsS -b "$work/cookies" -c "$work/cookies" "${origin[@]}" "$base/api/$function" "$@"
}
field() { "$venv/bin/python" -c "import json, sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
call login --data-urlencode "email=$admin" --data-urlencode "password=$password" >/dev/null
new_token() {
  call create_api_token --data-urlencode "name=$1" -d scope=write -d expires_in_days=7
}
run_token="$(new_token "contract run")"
spare_token="$(new_token "contract spare")"
API_CONTRACT_USER_ID="$(call current_user -X POST | field id)"
API_CONTRACT_TOKEN_ID="$(field id <<<"$run_token")"
API_CONTRACT_SPARE_TOKEN_ID="$(field id <<<"$spare_token")"
API_CONTRACT_EXCUSED_LOG="$work/excused.log"
export API_CONTRACT_USER_ID API_CONTRACT_TOKEN_ID API_CONTRACT_SPARE_TOKEN_ID API_CONTRACT_EXCUSED_LOG
secret="$(field secret <<<"$run_token")"

curl -fsS "$base/api/v1/openapi.json" -o "$work/openapi.json"
"$venv/bin/openapi-spec-validator" "$work/openapi.json"

# Left out: POST /connection-tests (it connects to the hosts in its body, see above). The seed is
# fixed so that a failure reproduces; the examples per operation bound the run (about 20 s).
status=0
PYTHONPATH="$repo_root/scripts" SCHEMATHESIS_HOOKS=api_contract_hooks \
  "$venv/bin/schemathesis" --config-file "$repo_root/scripts/api-contract.toml" \
  run "$base/api/v1/openapi.json" --url "$base" \
  -H "Authorization: Bearer $secret" \
  --checks all \
  --max-examples "${API_CONTRACT_EXAMPLES:-25}" --seed 1 \
  --exclude-operation-id start_connection_test \
  --report junit --report-dir "$work/report" || status=$?
# A panic the client never saw (a background task, a dropped connection) fails the run too.
if grep -q "panicked at" "$work/server.log"; then
  grep -A2 "panicked at" "$work/server.log" >&2
  echo "api-contract.sh: the server panicked" >&2
  [ "$status" -ne 0 ] || status=1
fi
if [ -s "$API_CONTRACT_EXCUSED_LOG" ]; then
  echo "Excused (scripts/api_contract_hooks.py):"
  sort "$API_CONTRACT_EXCUSED_LOG" | uniq -c | sort -rn
fi
if [ "$status" -ne 0 ]; then
  cp "$work/server.log" "$work/report/" 2>/dev/null || true
  echo "api-contract.sh: failed (exit $status); server log and report kept in $work" >&2
  exit "$status"
fi
rm -rf "$work"
