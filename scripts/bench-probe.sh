#!/usr/bin/env bash
# Probe figures (issue 3, issue 12): the full probe (`server probe --json`, IMAPS + SMTPS) against
# the local Dovecot + Postfix of the mail lab next to curl doing the same IMAP login and SMTP
# login + send in sequence: medians of N runs and their ratio, then each probe step's median
# next to the same phase of curl (from curl's own -w timers) and their ratios; then the time to
# a verdict when the IMAP port is blackholed (accepts TCP, never speaks), against the budget and
# the probe's default step timeout.
# Env: N (default 10), BUDGET (seconds, default 15). Runs as root (the lab starts Dovecot).
# Builds with cargo: run it under the build lock (`flock /tmp/cargo.lock scripts/bench-probe.sh`).
set -euo pipefail
cd "$(dirname "$0")/.."
probe/tests/install-mail-servers.sh
scripts/ensure-tools.sh curl jq
curl --version | grep -q 'imaps.*smtps' || { echo "this curl lacks imaps/smtps" >&2; exit 1; }
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailsettings/target}"
# cargo-leptos builds with this flag; the same here, or everything is rebuilt.
export RUSTFLAGS="--cfg erase_components"
N="${N:-10}"
BUDGET="${BUDGET:-15}"

cargo build --release -p server -p probe --bin server --example mail_lab
server="$CARGO_TARGET_DIR/release/server"
lab="$CARGO_TARGET_DIR/release/examples/mail_lab"
# The probe's default step timeout, as the CLI reports it (defined once, in probe::defaults).
STEP_TIMEOUT=$("$server" probe --help | awk '/--step-timeout/ {on = 1} on && match($0, /\[default: [0-9]+\]/) {
  print substr($0, RSTART + 10, RLENGTH - 11); exit }')
[ -n "$STEP_TIMEOUT" ] || { echo "cannot read the default --step-timeout from server probe --help" >&2; exit 1; }

work=$(mktemp -d)
lab_pid=""
cleanup() {
  if [ -n "$lab_pid" ]; then
    kill -TERM "$lab_pid" 2>/dev/null || true
    wait "$lab_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The lab runs until its stdin closes or SIGTERM: keep a FIFO open as its stdin.
mkfifo "$work/lab.in"
"$lab" <"$work/lab.in" >"$work/lab.json" 2>"$work/lab.err" &
lab_pid=$!
exec 3>"$work/lab.in"
for _ in $(seq 600); do
  [ -s "$work/lab.json" ] && break
  kill -0 "$lab_pid" 2>/dev/null || { cat "$work/lab.err" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/lab.json" ] || { echo "mail_lab did not start" >&2; cat "$work/lab.err" >&2; exit 1; }
field() { jq -r ".$1" "$work/lab.json"; }
host=$(field host) email=$(field email) ca=$(field ca_file)
imaps=$(field imaps_port) smtps=$(field smtps_port) blackhole=$(field blackhole_port)
export PROBE_PASSWORD
PROBE_PASSWORD=$(field password)

now_ms() { date +%s%3N; }
median() { sort -n | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print int((v[NR/2]+v[NR/2+1])/2)}'; }

probe_args=(--email "$email" --smtp "$host:$smtps" --smtp-security ssl
  --ca-file "$ca" --allow-private 127.0.0.0/8 --json)

echo "== full probe vs curl: $N runs each (IMAPS $host:$imaps, SMTPS $host:$smtps) =="
for i in $(seq "$N"); do
  t0=$(now_ms)
  "$server" probe --imap "$host:$imaps" --imap-security ssl "${probe_args[@]}" >"$work/probe-$i.json" ||
    { echo "probe run $i failed:" >&2; cat "$work/probe-$i.json" >&2; exit 1; }
  echo $(($(now_ms) - t0)) >>"$work/probe.ms"
done

printf 'From: %s\r\nTo: %s\r\nSubject: bench-probe curl\r\n\r\nHello from curl.\r\n' \
  "$email" "$email" >"$work/msg.eml"
curl_common=(--silent --show-error --fail --cacert "$ca" -u "$email:$PROBE_PASSWORD" --output /dev/null)
# curl's timers, in seconds from its start: TCP+TLS done (appconnect) and the end (total).
phases='%{time_appconnect} %{time_total}\n'
for _ in $(seq "$N"); do
  t0=$(now_ms)
  curl "${curl_common[@]}" -w "$phases" "imaps://$host:$imaps/INBOX" >>"$work/curl-imap.s"
  curl "${curl_common[@]}" -w "$phases" --mail-from "$email" --mail-rcpt "$email" -T "$work/msg.eml" \
    "smtps://$host:$smtps" >>"$work/curl-smtp.s"
  echo $(($(now_ms) - t0)) >>"$work/curl.ms"
done
# Phases in ms: connect = TCP + TLS; the rest of the session = greeting, login and the commands.
awk '{printf "%d\n", $1 * 1000}' "$work/curl-imap.s" >"$work/curl-imap_connect.ms"
awk '{printf "%d\n", ($2 - $1) * 1000}' "$work/curl-imap.s" >"$work/curl-imap_login.ms"
awk '{printf "%d\n", $2 * 1000}' "$work/curl-imap.s" >"$work/curl-imap_session.ms"
awk '{printf "%d\n", $1 * 1000}' "$work/curl-smtp.s" >"$work/curl-smtp_connect.ms"
awk '{printf "%d\n", ($2 - $1) * 1000}' "$work/curl-smtp.s" >"$work/curl-smtp_login.ms"

probe_ms=$(median <"$work/probe.ms")
curl_ms=$(median <"$work/curl.ms")
inner_ms=$(jq -r '.total_ms' "$work"/probe-*.json | median)
echo "probe (5 steps, server probe --json): median ${probe_ms} ms wall, ${inner_ms} ms inside the probe  [runs: $(paste -sd' ' "$work/probe.ms")]"
echo "curl (IMAP login + SMTP login/send):  median ${curl_ms} ms  [runs: $(paste -sd' ' "$work/curl.ms")]"
awk -v p="$probe_ms" -v c="$curl_ms" 'BEGIN {printf "ratio probe/curl: %.2f\n", (c > 0 ? p / c : 0)}'
echo
echo "per step (medians, ms; each probe step is timed from its own start to the end of its own work,"
echo "for imap_login the end of LIST; curl's phases from its -w timers: connect = TCP + TLS, then"
echo "the rest of its session):"
row() { # probe steps (summed per run, comma-separated), curl phase file, curl phase description
  local p c
  p=$(for f in "$work"/probe-*.json; do
    jq --arg s "$1" '[.steps[] | select(.name as $n | $s | split(",") | index($n)) | .elapsed_ms] | add' "$f"
  done | median)
  c=$(median <"$work/curl-$2.ms")
  awk -v s="$1" -v p="$p" -v d="$3" -v c="$c" 'BEGIN {
    printf "  %-23s %7d   %-48s %7d %7s\n", s, p, d, c, (c > 0 ? sprintf("%.2f", p / c) : "-") }'
}
printf '  %-23s %7s   %-48s %7s %7s\n' "probe step" probe "curl phase" curl ratio
row imap_connect imap_connect "IMAPS TCP+TLS (time_appconnect)"
row imap_login imap_login "greeting, CAPABILITY, LOGIN, LIST, LOGOUT"
row imap_connect,imap_login imap_session "the whole IMAP session (time_total)"
row smtp_connect smtp_connect "SMTPS TCP+TLS (time_appconnect)"
row smtp_login,test_email smtp_login "banner, EHLO, AUTH, MAIL, RCPT, DATA, QUIT"
# imap_login's own time is LOGIN and LIST; the limit check after it (the extra sessions logging
# in one after the other) notes its own time, printed here with no curl phase to compare.
limit_check=$(for f in "$work"/probe-*.json; do
  jq -r '.steps[] | select(.name == "imap_login") | .evidence.notes[]
    | capture("logged in one after the other: (?<ms>[0-9]+) ms").ms' "$f"
done | median)
printf '  %-23s %7s   %-48s %7s %7s\n' "imap limit check" "${limit_check:--}" "(curl holds one session)" - -
for step in smtp_login test_email; do
  printf '  %-23s %7s\n' "$step" "$(jq -r ".steps[] | select(.name == \"$step\") | .elapsed_ms" "$work"/probe-*.json | median)"
done
echo "  The probe's connect steps also read the greeting and CAPABILITY/EHLO. imap_login is timed"
echo "  over LOGIN and LIST; its limit check then opens the other connections the product holds (here"
echo "  2 more), each logging in once the one before is established, and notes its own time. smtp_login"
echo "  authenticates 2 sessions; test_email sends the message and waits until it is in the INBOX"
echo "  (delivery through Postfix and LMTP)."
echo "caveat: the probe does more than curl. From the last run:"
jq -r '.steps[] | select(.evidence.notes != []) | "    \(.name): \(.evidence.notes | join("; "))"' "$work/probe-$N.json"
echo "  curl: one IMAP session (LOGIN, LIST \"INBOX\"), then one SMTP session (AUTH, MAIL/RCPT/DATA)."
echo
echo "== blackholed port: IMAP at $host:$blackhole accepts TCP and never speaks =="
for security in ssl starttls; do
  t0=$(now_ms)
  code=0
  "$server" probe --imap "$host:$blackhole" --imap-security "$security" --budget "$BUDGET" \
    "${probe_args[@]}" >"$work/blackhole.json" || code=$?
  ms=$(($(now_ms) - t0))
  verdict=$(jq -r '"\(.category)/\(.detail_code) at \(.failed_step): \(.detail)"' "$work/blackhole.json")
  [ "$code" = 1 ] || { echo "expected exit 1, got $code: $verdict" >&2; exit 1; }
  awk -v ms="$ms" -v b="$BUDGET" -v s="$STEP_TIMEOUT" -v sec="$security" -v v="$verdict" 'BEGIN {
    printf "blackholed port (IMAP %s): verdict in %.1f s (budget %d s, step timeout %d s)\n    %s\n",
      sec, ms / 1000, b, s, v }'
done
