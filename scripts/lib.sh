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
# temporary directory that is removed afterwards, so no run sees another's secrets. D-Bus starts
# it on the first call, unlocked with a password, and starts it again the same way should it die:
# gnome-keyring 42 now and then dies on an assertion in GLib under many parallel clients, and a
# keyring started any other way would be gone, or locked, for every test after. (A plain-text
# keyring would open unlocked, but gnome-keyring writes a secret's line ends into it raw and then
# cannot read it back.)
with_private_keyring() {
  local dir status=0
  dir=$(mktemp -d)
  mkdir -p "$dir/data/dbus-1/services" "$dir/run" && chmod 700 "$dir/run"
  printf '#!/bin/sh\nprintf waybill-test | exec gnome-keyring-daemon --foreground --unlock --components=secrets\n' \
    > "$dir/keyring-daemon" && chmod 700 "$dir/keyring-daemon"
  # The session's own data folder comes first among those D-Bus starts services from.
  printf '[D-BUS Service]\nName=org.freedesktop.secrets\nExec=%s\n' "$dir/keyring-daemon" \
    > "$dir/data/dbus-1/services/org.freedesktop.secrets.service"
  XDG_DATA_HOME="$dir/data" XDG_RUNTIME_DIR="$dir/run" dbus-run-session -- bash -c '
    for _ in $(seq 100); do
      gdbus call --session --dest org.freedesktop.secrets \
        --object-path /org/freedesktop/secrets/collection/login \
        --method org.freedesktop.DBus.Properties.Get org.freedesktop.Secret.Collection Locked \
        2>/dev/null | grep -q false && break
      sleep 0.2
    done
    exec "$@"' waybill-keyring "$@" 2> >(grep -v "Failed to set fd limit\|Successfully activated" >&2) || status=$?
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
