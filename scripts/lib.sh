# Shared set-up for scripts/run.sh and scripts/test.sh: installs what is missing, changes nothing
# that is already there. Sourced, not run.
set -euo pipefail
# A failure inside $(…) fails the script too.
shopt -s inherit_errexit

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian/Ubuntu packages Tauri needs to build and run (see shared TAURI-LINUX notes).
BUILD_PACKAGES=(libwebkit2gtk-4.1-dev build-essential curl wget file pkg-config libxdo-dev
  libssl-dev libayatana-appindicator3-dev librsvg2-dev)
# Extra packages for the real-window tests: virtual display, WebDriver, a session bus and a
# Secret Service keyring, screenshots, PostgreSQL for the relay's storage suite.
TEST_PACKAGES=(xvfb xauth webkit2gtk-driver dbus dbus-x11 gnome-keyring libsecret-tools
  imagemagick keyutils xdg-utils desktop-file-utils fonts-dejavu-core at-spi2-core
  postgresql postgresql-client)

ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

ensure_rust() {
  if ! command -v cargo >/dev/null; then
    log "installing the Rust toolchain (rustup)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  fi
  if command -v rustup >/dev/null; then
    rustup component add rustfmt clippy >/dev/null 2>&1 || true
  fi
}

# A nightly toolchain (minimal profile) and cargo-fuzz, for scripts/fuzz-smoke.sh.
# cargo-fuzz needs unstable compiler flags (-Zsanitizer=address and the coverage passes). The
# machines here have exactly one toolchain and cannot fetch another, so the smoke runs on that
# stable toolchain with RUSTC_BOOTSTRAP=1 (set by scripts/fuzz-smoke.sh); a nightly works the same.
ensure_fuzz() {
  ensure_rust
  if ! command -v cargo-fuzz >/dev/null; then
    log "installing cargo-fuzz"
    cargo install cargo-fuzz --locked --quiet
  fi
}

ensure_node() {
  if ! command -v npm >/dev/null; then
    ensure_packages nodejs npm
  fi
  if [ ! -d "$ROOT/ui/node_modules" ] || [ "$ROOT/ui/package-lock.json" -nt "$ROOT/ui/node_modules/.package-lock.json" ]; then
    log "installing UI dependencies (npm ci)"
    (cd "$ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_tauri_driver() {
  if ! command -v tauri-driver >/dev/null; then
    log "installing tauri-driver"
    cargo install tauri-driver --locked --quiet
  fi
}

# A PostgreSQL on loopback for the relay's storage suite; exports STEWARD_TEST_POSTGRES_URL.
ensure_postgres() {
  if [ -n "${STEWARD_TEST_POSTGRES_URL:-}" ]; then return; fi
  local version
  version="$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)"
  if [ -z "$version" ]; then log "PostgreSQL is not installed"; return; fi
  if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
    as_root pg_createcluster "$version" main >/dev/null
  fi
  as_root pg_ctlcluster "$version" main start 2>/dev/null || true
  for _ in $(seq 1 50); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 0.2
  done
  as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
  export STEWARD_TEST_POSTGRES_URL="postgres://postgres:postgres@127.0.0.1:5432/postgres"
}

# Runs a command inside a private D-Bus session with an unlocked gnome-keyring, so tests use a
# real Secret Service without touching the developer's own keyring. The keyring files live in a
# fresh temp dir (the daemon's XDG_DATA_HOME only): an existing ~/.local/share/keyrings/login
# keyring with another password would otherwise stay locked and every keyring write would fail.
in_keyring_session() {
  local keyrings rc=0
  keyrings="$(mktemp -d)"
  dbus-run-session -- bash -c '
    printf "steward-test" | XDG_DATA_HOME="$0" gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec "$@"
  ' "$keyrings" "$@" || rc=$?
  rm -rf "$keyrings"
  return "$rc"
}

build_ui() {
  log "building the UI"
  (cd "$ROOT/ui" && npm run build --silent)
}

# The self-contained desktop binary (UI embedded), at target/debug/steward-desktop.
build_app() {
  build_ui
  log "building the desktop app"
  (cd "$ROOT" && cargo build -p steward-desktop --features custom-protocol)
}

# The installers (`tauri build`, release profile) into BUNDLE_DIR: the .deb always; the .AppImage
# when its tools can be fetched — Tauri's bundler downloads linuxdeploy and the AppImage runtime
# from github.com, which some build machines cannot reach.
build_bundles() {
  build_ui
  local bundles="deb"
  if curl -sfI --max-time 10 https://github.com/linuxdeploy/linuxdeploy/releases >/dev/null 2>&1; then
    bundles="deb,appimage"
  else
    log "AppImage skipped: github.com (linuxdeploy, AppImage runtime) is not reachable from here"
  fi
  log "building the installers: $bundles"
  # The UI is already built; Tauri's own beforeBuildCommand would run from ui/ and fail.
  (cd "$ROOT" && ui/node_modules/.bin/tauri build --ci --bundles "$bundles" \
    --config '{"build":{"beforeBuildCommand":""}}')
  BUNDLE_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/release/bundle"
  ls "$BUNDLE_DIR"/deb/*.deb >/dev/null
}

# Installs the built .deb with apt (as an admin would) and prints the installed binary's path.
install_deb() {
  local deb
  deb="$(ls -t "$1"/deb/*.deb | head -1)"
  log "installing $(basename "$deb") with apt"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
  dpkg -L steward | grep -E '/bin/steward-desktop$'
}

report_bundle_sizes() {
  log "installer sizes"
  find "$1" -maxdepth 2 -type f \( -name '*.deb' -o -name '*.AppImage' \) -exec du -h {} + >&2
}
