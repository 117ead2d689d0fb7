# Shared by scripts/demo and scripts/test: install what a fresh Debian/Ubuntu machine lacks, and run
# a command against a private, headless OS keyring (gnome-keyring's Secret Service on its own D-Bus
# session bus, which ends with the command).

# Debian packages: a C toolchain for -sys crates, the Secret Service stack with its CLI, and
# WebKitGTK for the window (Tauri v2 on Linux).
WAYBILL_APT_PACKAGES=(build-essential pkg-config ca-certificates curl dbus gnome-keyring libsecret-tools
  libwebkit2gtk-4.1-dev)
# What the window's end-to-end tests add: a headless X server, and WebKit's WebDriver.
WAYBILL_E2E_PACKAGES=(xvfb xauth webkit2gtk-driver)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Rust 1.89 or newer (Debian's own cargo is too old): rustup when it is missing.
ensure_rust() {
  [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
  if ! command -v cargo >/dev/null; then
    echo "==> installing Rust with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    . "$HOME/.cargo/env"
  fi
}

ensure_node() {
  command -v node >/dev/null && command -v npm >/dev/null || install_packages nodejs npm
}

npm_ci() {
  (cd "$1" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
}

# The window's front end (ui/): its packages, then ui/dist, which the binary embeds at build time.
build_ui() {
  echo "==> building the window's front end (ui/)"
  npm_ci ui
  (cd ui && npm run --silent build -- --logLevel warn)
}

# tauri-driver (crates.io) bridges WebDriver clients to WebKitWebDriver for the window's tests.
ensure_tauri_driver() {
  command -v tauri-driver >/dev/null && return
  echo "==> installing tauri-driver"
  cargo install tauri-driver --locked --version '^2' --quiet
}

# Run "$@" with a fresh, unlocked gnome-keyring as the Secret Service. Its files live in a
# temporary directory that is removed afterwards, so no run sees another's secrets. Its `login`
# keyring is a plain-text file there, which gnome-keyring opens unlocked: gnome-keyring 42 now and
# then dies on an assertion under many parallel clients, and D-Bus then starts it again on the
# next call with every secret in place, where a password-locked keyring would stay locked and fail
# every test after it.
with_private_keyring() {
  local dir status=0
  dir=$(mktemp -d)
  mkdir -p "$dir/data/keyrings" "$dir/run" && chmod 700 "$dir/run" "$dir/data/keyrings"
  printf '[keyring]\ndisplay-name=login\nctime=0\nmtime=0\nlock-on-idle=false\nlock-after=false\n' \
    > "$dir/data/keyrings/login.keyring"
  printf login > "$dir/data/keyrings/default"
  chmod 600 "$dir/data/keyrings/login.keyring" "$dir/data/keyrings/default"
  XDG_DATA_HOME="$dir/data" XDG_RUNTIME_DIR="$dir/run" dbus-run-session -- bash -c '
    gnome-keyring-daemon --start --components=secrets >/dev/null
    gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets \
      --method org.freedesktop.Secret.Service.Unlock "[\"/org/freedesktop/secrets/collection/login\"]" >/dev/null
    exec "$@"' waybill-keyring "$@" 2> >(grep -v "Failed to set fd limit" >&2) || status=$?
  rm -rf "$dir"
  return $status
}

# True when a Secret Service answers on the current session bus.
keyring_reachable() {
  [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] && command -v secret-tool >/dev/null &&
    timeout 5 secret-tool search service waybill-probe >/dev/null 2>&1
}

# Start the demo provider (`BIN demo-server`) on a free port in the background, logging to LOG;
# sets DEMO_PID and DEMO_BASE (http://127.0.0.1:PORT). Usage: start_demo_server BIN LOG
start_demo_server() {
  "$1" demo-server --port 0 > "$2" 2>&1 &
  DEMO_PID=$!
  for _ in $(seq 100); do grep -q "Serving on" "$2" && break; sleep 0.1; done
  DEMO_BASE=$(grep -o 'http://127.0.0.1:[0-9]*' "$2" | head -1)
  [ -n "$DEMO_BASE" ] || { cat "$2" >&2; return 1; }
}
