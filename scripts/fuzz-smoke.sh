#!/usr/bin/env bash
# Fuzz smoke test: builds every cargo-fuzz target in fuzz/ and runs each for a short while
# (FUZZ_SECONDS, default 20) from its committed seed corpus. Any crash fails the script; the
# reproducer is kept in fuzz/artifacts/<target>/ (see fuzz/README.md for the long runs).
#
# Builds in dev mode (no optimisation): the cold build is several times cheaper than cargo-fuzz's
# default release build, and 20 s still runs tens of thousands of inputs per target.
# FUZZ_RELEASE=1 builds optimised instead (what the long runs use).
#
# Toolchain: the machine's default (stable) with RUSTC_BOOTSTRAP=1 for cargo-fuzz's -Z flags, since no
# second toolchain can be fetched on CI; FUZZ_TOOLCHAIN=nightly uses a nightly instead.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ensure_fuzz
cd "$ROOT/fuzz"

seconds="${FUZZ_SECONDS:-20}"
# The default toolchain, or FUZZ_TOOLCHAIN (e.g. nightly) as a rustup `+toolchain` argument.
toolchain=()
if [ -n "${FUZZ_TOOLCHAIN:-}" ]; then toolchain=("+$FUZZ_TOOLCHAIN"); else export RUSTC_BOOTSTRAP=1; fi
mode=(--dev)
[ "${FUZZ_RELEASE:-0}" = 1 ] && mode=(--release)
targets=(webhook deep_link llm_output relay_bodies)

log "building the fuzz targets (${mode[*]})"
cargo "${toolchain[@]}" fuzz build "${mode[@]}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
  log "fuzzing $t for ${seconds}s"
  mkdir -p "$work/$t"
  # The first corpus dir receives new inputs: a temp dir, so the committed seeds stay small.
  if ! cargo "${toolchain[@]}" fuzz run "${mode[@]}" "$t" "$work/$t" "corpus/$t" -- \
    -dict="dict/$t.dict" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    >"$work/$t.log" 2>&1; then
    tail -n 60 "$work/$t.log" >&2
    echo "fuzz target $t failed: reproducer in fuzz/artifacts/$t/" >&2
    exit 1
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")"
  log "$t: ${runs:-?} inputs, no crash"
done
log "fuzz smoke passed"
