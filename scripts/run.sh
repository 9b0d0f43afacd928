#!/usr/bin/env bash
# Builds the app and runs it on http://127.0.0.1:3000 (LEPTOS_SITE_ADDR changes that) with the
# embedded SQLite database under ./data (DATABASE_URL changes that).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo leptos build --split
export LEPTOS_SITE_ROOT="$PWD/target/site"
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
exec "$CARGO_TARGET_DIR/debug/server" "$@"
