#!/usr/bin/env bash
# The window with a full history: its memory, and how long its list takes.
#
# ENTRIES kept in history: up to CALLS real `waybill call`s against the demo provider (default
# all of them up to 1000; every tenth a GET of a shipment that does not exist, so a 404), then,
# past CALLS, copies of those calls made in seconds with the sqlite3 CLI
# (bench/history-fill.sql: each copy its own id, time and URL, `…?n=1` to `…?n=ENTRIES`, spread
# over the last 365 days). Then the real window (release) is opened on that profile directory and
# the profile chosen. With entries, in the page (performance.now(), polled each animation frame,
# RUNS times each, default 5: median and slowest):
#   open     click the History tab until its first row shows;
#   4xx      the status filter set to 4xx until every row shown is a 4xx and the count says so;
#   url      the URL filter set to "n=4242" (11 of 100,000 copies; "shp_missing_42" when all
#            entries are calls) until every row shown holds it;
#   scroll   the list scrolled to its middle until rows from there show.
# Then the newest entry opened, and after 3 s idle, PSS summed over the app and its WebKit
# processes (with no entries: the History tab open, empty). Driven through tauri-driver +
# WebKitWebDriver (as the window tests are), under Xvfb with a private gnome-keyring.
# Needs: xvfb, webkit2gtk-driver, tauri-driver, sqlite3 (past CALLS entries).
# Usage: bench/history-memory.sh [ENTRIES]   (default 1000; 0 for an empty history)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
export entries=${entries:-${1:-1000}}
export calls=${CALLS:-$((entries < 1000 ? entries : 1000))}
export runs=${RUNS:-5}
export bin=${WAYBILL_BIN:-target/release/waybill}
[ -x "$bin" ] || { build_ui; cargo build --release --locked --quiet -p waybill; }
export driver
driver=$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

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
  for i in $(seq "$calls"); do
    if [ $((i % 10)) = 0 ]; then
      "$bin" call bench GET "/shipments/shp_missing_$i" > /dev/null 2>&1 || true
    else
      "$bin" call bench POST /shipments -d "{\"to\":\"Berlin\",\"parcels\":$((i % 9 + 1))}" > /dev/null
    fi
  done
  if [ "$entries" -gt "$calls" ]; then
    sqlite3 "$WAYBILL_HOME/history.sqlite3" ".parameter set :total $entries" ".read bench/history-fill.sql"
  fi
  # Ports of their own: a run right after another must not reach its driver as it closes.
  export port native_port
  port=$(free_port) native_port=$(free_port)
  "$driver" --port "$port" --native-port "$native_port" > /dev/null 2>&1 &
  export DRIVER_PID=$!
  python3 - <<'PY'
import json, os, statistics, subprocess, time, urllib.request
url, app = f"http://127.0.0.1:{os.environ['port']}", os.path.abspath(os.environ["bin"])
entries, runs = int(os.environ["entries"]), int(os.environ["runs"])
# A URL text few entries hold: 11 of 100,000 copies; one of 1000 calls.
text = "n=4242" if entries > int(os.environ["calls"]) else "shp_missing_42"
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
def run(script):
    return call("POST", f"/session/{session}/execute/sync", {"script": script, "args": []})
# In the page: `set` types a value as a person does (input, then change); `rows` are the list's
# rows in the page now; `counted` is the list's count line.
HELPERS = """
const set = (css, value) => { const e = document.querySelector(css); e.value = value;
  e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); };
const rows = () => [...document.querySelectorAll('#history-list tr[data-entry]')];
const counted = () => document.querySelector('#history-count')?.textContent ?? '';
"""
def timed(action, ready):
    """Milliseconds from `action` until `ready` holds, checked at each animation frame."""
    script = HELPERS + f"""const done = arguments[arguments.length - 1]; const t0 = performance.now(); {action};
      (function poll() {{ if ({ready}) done(performance.now() - t0); else requestAnimationFrame(poll); }})();"""
    return call("POST", f"/session/{session}/execute/async", {"script": script, "args": []})
def settle(ready):
    timed("", ready)
click("body[data-ready='true']")
click("[data-profile='bench']")
figures = {}
if entries > 0:
    steps = {
        "open": ("document.querySelector('#tab-history').click()", "rows().length > 0",
                 "document.querySelector('#tab-request').click()", "!document.querySelector('#history-panel')"),
        "4xx": ("set('#hist-status', '4xx')",
                "counted().includes('match') && rows().length > 0 && rows().every(r => r.querySelector('[data-status]').dataset.status.startsWith('4'))",
                "set('#hist-status', '')", "!counted().includes('match') && rows().length > 0"),
        "url": (f"set('#hist-url', '{text}')",
                f"counted().includes('match') && rows().length > 0 && rows().every(r => r.textContent.includes('{text}'))",
                "set('#hist-url', '')", "!counted().includes('match') && rows().length > 0"),
        "scroll": ("const box = document.querySelector('.history-list'); box.scrollTop = box.scrollHeight / 2",
                   f"rows().some(r => Number(r.getAttribute('aria-rowindex')) > {entries} * 0.4)",
                   "document.querySelector('.history-list').scrollTop = 0",
                   "rows().some(r => r.getAttribute('aria-rowindex') === '2')"),
    }
    click("#tab-history")
    settle("rows().length > 0")
    for name, (action, ready, undo, undone) in (steps.items() if runs > 0 else []):
        times = []
        for _ in range(runs):
            if name == "open":
                timed(undo, undone)
            times.append(timed(action, ready))
            if name != "open":
                timed(undo, undone)
        figures[name] = times
    click("#history-list tr[data-entry] button.url")
else:
    click("#tab-history")
    click("#history-empty")
shown = run("return document.querySelectorAll('#history-list tr[data-entry]').length")
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
opened = ", one opened" if entries > 0 else ", the History tab open"
print(f"{entries} entries kept, {shown} rows in the page{opened}: PSS {total / 1024:.0f} MB summed ({', '.join(seen)})")
for name, times in figures.items():
    print(f"  {name:<6} median {statistics.median(times):6.1f} ms, slowest {max(times):6.1f} ms ({runs} runs: {', '.join(f'{t:.0f}' for t in times)})")
call("DELETE", f"/session/{session}")
PY
}
# xvfb-run is a POSIX shell script, which drops exported bash functions: come back in by name.
if [ "${1:-}" = --inside ]; then
  measure
else
  with_private_keyring xvfb-run -a -s "-screen 0 1280x800x24" "$0" --inside
fi
