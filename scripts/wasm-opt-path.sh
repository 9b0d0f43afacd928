#!/usr/bin/env bash
# Prints the directory holding wasm-opt for release builds (`cargo leptos build --release` runs
# it and would try to download one), installing npm's binaryen there first if missing:
#   export PATH="$(scripts/wasm-opt-path.sh):$PATH"
# (Debian's binaryen produces a bundle that fails to hydrate.)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/versions.env
tools="$HOME/.cache/mailsettings/binaryen"
if [ ! -x "$tools/node_modules/.bin/wasm-opt" ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-save --silent "binaryen@$BINARYEN_NPM_VERSION" >&2
fi
echo "$tools/node_modules/.bin"
