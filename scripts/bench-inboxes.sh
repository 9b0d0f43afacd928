#!/usr/bin/env bash
# Inbox figures (issue 7): the commit time of a domain edit with 100 and 100,000 inboxes on
# SQLite and PostgreSQL (127.0.0.1:5432) and their ratio, then 1,000 real mailboxes on the local
# Dovecot + Postfix revalidated by the worker next to the same logins in a plain parallel loop,
# with the most connections each server saw at once. Runs as root (the harness starts Dovecot).
set -euo pipefail
cd "$(dirname "$0")/.."
probe/tests/install-mail-servers.sh
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailsettings/target}"
# cargo-leptos builds with this flag; the same here, or everything is rebuilt.
export RUSTFLAGS="--cfg erase_components"
cargo build --release -p inboxes --example bench_inboxes
"$CARGO_TARGET_DIR/release/examples/bench_inboxes"
