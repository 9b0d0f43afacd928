#!/usr/bin/env bash
# Audit-trail figures (issue 9): with 1,000,000 chained events on SQLite and on PostgreSQL
# (127.0.0.1:5432), the first and a deep page of a filtered query, the export rate, Verify's rate,
# and a domain edit's time with the chain next to the chain's own part of it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailsettings/target}"
# cargo-leptos builds with this flag; the same here, or everything is rebuilt.
export RUSTFLAGS="--cfg erase_components"
cargo build --release -p storage --example bench_audit
"$CARGO_TARGET_DIR/release/examples/bench_audit"
