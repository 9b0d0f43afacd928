#!/usr/bin/env bash
# Runs every test: unit and integration tests (SQLite and the PostgreSQL on 127.0.0.1:5432),
# the API contract run (Schemathesis against the built server) and the browser tests (Debian
# Chromium, JavaScript on and off). Installs what is missing first.
# SKIP_POSTGRES_TESTS=1 skips the PostgreSQL half explicitly (CI never sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh chromium postgresql-client openssl
# Real mail servers for the probe's tests: Dovecot, Postfix, Courier-IMAP (unpacked privately).
probe/tests/install-mail-servers.sh
export PATH="$HOME/.cargo/bin:$PATH"
# The build cache lives outside the clone, so a fresh clone does not rebuild from nothing.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailsettings/target}"
# cargo-leptos builds with this flag; `cargo test` must use the same or it rebuilds everything.
export RUSTFLAGS="--cfg erase_components"

if [ "${SKIP_POSTGRES_TESTS:-}" != "1" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "PostgreSQL is not reachable on 127.0.0.1:5432 (set SKIP_POSTGRES_TESTS=1 to skip it explicitly)" >&2
    exit 1
  fi
fi

# `frontend` is the wasm entry point (no tests); building it here would switch on `hydrate` for
# the server-side crates too (feature unification) and break them.
# The server's tests render pages in-process, one tokio runtime per test: run side by side in
# one process, a page render about one time in ten never finished (not seen with one test at a
# time, nor in the server, which has one runtime), so they run one at a time per binary.
failed=0
cargo test --workspace --exclude frontend --exclude server --no-fail-fast || failed=1
cargo test -p server --no-fail-fast -- --test-threads=1 || failed=1
[ "$failed" = 0 ]
# Lints are part of the suite: the server side with its tests, then the wasm entry point.
cargo clippy --workspace --exclude frontend --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
# After the tests: `cargo test` rebuilds target/debug/server without the site settings
# cargo-leptos compiles in, and the browser tests need the cargo-leptos build.
cargo leptos build --split
cargo build -p probe --example mail_lab

# The API's OpenAPI document against the built server (Schemathesis; about 20 seconds).
SERVER_BIN="$CARGO_TARGET_DIR/debug/server" scripts/api-contract.sh

SERVER_BIN="$CARGO_TARGET_DIR/debug/server" SITE_ROOT="$PWD/target/site" \
  MAIL_LAB_BIN="$CARGO_TARGET_DIR/debug/examples/mail_lab" E2E_WORKERS=1 scripts/e2e.sh
