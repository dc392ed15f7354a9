#!/usr/bin/env bash
# Installs what is missing, builds Steward and opens the app on its embedded defaults (SQLite in
# the OS data dir). Extra arguments go to the app.
source "$(dirname "$0")/lib.sh"

ensure_packages "${BUILD_PACKAGES[@]}"
ensure_rust
ensure_node
build_app
log "starting Steward"
exec "${CARGO_TARGET_DIR:-$ROOT/target}/debug/steward-desktop" "$@"
