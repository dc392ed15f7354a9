#!/usr/bin/env bash
# Runs every test: formatting, lints, Rust unit and integration tests (SQLite and PostgreSQL),
# UI lint/typecheck/component tests, a short smoke of every fuzz target, the installers, and the
# real-window end-to-end tests under Xvfb (against the release build and the installed .deb).
source "$(dirname "$0")/lib.sh"

ensure_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_rust
ensure_node
ensure_tauri_driver
ensure_postgres
cd "$ROOT"

log "cargo fmt --check"
cargo fmt --all --check

build_ui
log "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --all-features -- -D warnings

log "UI: lint, typecheck, component tests"
(cd ui && npm run --silent lint && npm run --silent typecheck && npm run --silent test)

log "Rust tests (SQLite and PostgreSQL; a D-Bus session with an unlocked Secret Service keyring)"
in_keyring_session cargo test --workspace

if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  log "front-end types are up to date with the Rust types"
  [ -z "$(git -C "$ROOT" status --porcelain -- ui/src/bindings)" ] \
    || { echo "ui/src/bindings changed: commit the regenerated types" >&2; exit 1; }
fi

log "fuzz smoke: every cargo-fuzz target for ${FUZZ_SECONDS:-20}s from its seed corpus"
bash "$ROOT/scripts/fuzz-smoke.sh"

# The installers' release build is also the binary the real-window tests drive.
build_bundles
report_bundle_sizes "$BUNDLE_DIR"
log "real-window end-to-end tests (Xvfb + tauri-driver + WebKitWebDriver)"
STEWARD_APP_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/steward-desktop" \
  in_keyring_session xvfb-run -a -s "-screen 0 1280x800x24" \
  cargo test -p steward-tests --features ui-e2e --test ui

installed="$(install_deb "$BUNDLE_DIR")"
log "the installed app ($installed) starts and shows its window (Xvfb)"
STEWARD_APP_BIN="$installed" in_keyring_session xvfb-run -a -s "-screen 0 1280x800x24" \
  cargo test -p steward-tests --features ui-e2e --test ui frame
log "all tests passed"
