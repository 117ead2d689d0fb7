#!/usr/bin/env bash
# The window's memory with a full history: 1,000 calls kept (`waybill call` against the demo
# provider, the history's default limit), then the real window (release) opened on that profile
# directory, the profile chosen and its History tab listed (the newest 200 rows, as the panel
# shows them) and the newest entry opened; after 3 s idle, PSS summed over the app and its WebKit
# processes. Driven through tauri-driver + WebKitWebDriver (as the window tests are), under Xvfb
# with a private gnome-keyring. Needs: xvfb, webkit2gtk-driver, tauri-driver.
# Usage: bench/history-memory.sh [ENTRIES]   (default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
export entries=${entries:-${1:-1000}}
export bin=${WAYBILL_BIN:-target/release/waybill}
[ -x "$bin" ] || { build_ui; cargo build --release --locked --quiet -p waybill; }
export driver
driver=$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")

measure() {
  set -euo pipefail
  export WAYBILL_HOME XDG_DATA_HOME XDG_CACHE_HOME
  WAYBILL_HOME=$(mktemp -d)
  XDG_DATA_HOME=$WAYBILL_HOME/data XDG_CACHE_HOME=$WAYBILL_HOME/cache
  start_demo_server "$bin" "$WAYBILL_HOME/demo.log"
  trap 'kill "$DEMO_PID" "${DRIVER_PID:-}" 2>/dev/null || true; rm -rf "$WAYBILL_HOME"' EXIT
  local base=$DEMO_BASE
  echo demo-secret | "$bin" profile add bench --grant client_credentials \
    --token-url "$base/oauth/token" --client-id demo-client --api-base "$base/api" \
    --client-secret-stdin > /dev/null
  for i in $(seq "$entries"); do
    "$bin" call bench POST /shipments -d "{\"to\":\"Berlin\",\"parcels\":$((i % 9 + 1))}" > /dev/null
  done
  "$driver" --port 4799 --native-port 4798 > /dev/null 2>&1 &
  export DRIVER_PID=$!
  python3 - <<'PY'
import json, os, subprocess, time, urllib.request
url, app = "http://127.0.0.1:4799", os.path.abspath(os.environ["bin"])
def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)["value"]
for _ in range(100):
    try:
        session = call("POST", "/session", {"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": app}}}})["sessionId"]
        break
    except OSError:
        time.sleep(0.2)
def click(css):
    for _ in range(300):
        try:
            element = call("POST", f"/session/{session}/element", {"using": "css selector", "value": css})
            call("POST", f"/session/{session}/element/{next(iter(element.values()))}/click", {})
            return
        except OSError:  # not there yet (or the driver busy loading the page)
            time.sleep(0.1)
    text = call("POST", f"/session/{session}/execute/sync", {"script": "return document.body.innerText", "args": []})
    raise SystemExit(f"no {css} in the window, which shows:\n{text}")
click("body[data-ready='true']")
click("[data-profile='bench']")
click("#tab-history")
click("#history-list tr[data-entry] button.url")
rows = call("POST", f"/session/{session}/execute/sync", {"script": "return document.querySelectorAll('#history-list tr[data-entry]').length", "args": []})
time.sleep(3)
def descendants(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [d for c in out for d in descendants(int(c))]
total, seen = 0, []
for pid in descendants(int(os.environ["DRIVER_PID"])):
    try:
        name = open(f"/proc/{pid}/comm").read().strip()
        if name.startswith(("waybill", "WebKitWebProces", "WebKitNetworkPr")):
            pss = next(int(l.split()[1]) for l in open(f"/proc/{pid}/smaps_rollup") if l.startswith("Pss:"))
            total += pss
            seen.append(f"{name} {pss / 1024:.0f}")
    except (OSError, StopIteration):
        pass
print(f"{os.environ['entries']} entries kept, {rows} rows listed, one opened: PSS {total / 1024:.0f} MB summed ({', '.join(seen)})")
call("DELETE", f"/session/{session}")
PY
}
# xvfb-run is a POSIX shell script, which drops exported bash functions: come back in by name.
if [ "${1:-}" = --inside ]; then
  measure
else
  with_private_keyring xvfb-run -a -s "-screen 0 1280x800x24" "$0" --inside
fi
