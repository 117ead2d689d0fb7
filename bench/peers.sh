#!/usr/bin/env bash
# Waybill's CLI against the floor, side by side in one run: each Waybill run is paired with its
# peer's run right after it, and the medians (and the median of the per-pair ratios) are printed.
#   start        `waybill presets` vs `curl --version`
#   cached call  `waybill call` with a token in the keyring vs `curl` with the token pasted
#   empty cache  `waybill call` after `waybill logout` (token request + call) vs curl's two steps
#                (token request, token cut out with sed, call) in one `sh -c`
#   keyring      `waybill call` with a cached token vs curl with the token read from the same
#                keyring entry by `secret-tool lookup` (what a script that keeps tokens properly pays)
#   HTTPie       the same two steps with `http`, when HTTPie is installed
# Against the release build's built-in demo provider on 127.0.0.1, with a private gnome-keyring
# (the real Secret Service, as a user's commands meet it) and a scratch WAYBILL_HOME. Every call is
# kept in history, as a user's is.
# Usage: bench/peers.sh [RUNS]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
runs=${1:-30}
bin=${WAYBILL_BIN:-target/release/waybill}
[ -x "$bin" ] || cargo build --release --locked --quiet -p waybill

measure() {
  set -euo pipefail
  export WAYBILL_HOME
  WAYBILL_HOME=$(mktemp -d)
  start_demo_server "$bin" "$WAYBILL_HOME/demo.log"
  trap 'kill "$DEMO_PID" 2>/dev/null || true; rm -rf "$WAYBILL_HOME"' EXIT
  local base=$DEMO_BASE
  echo demo-secret | "$bin" profile add bench --grant client_credentials --client-auth form \
    --token-url "$base/oauth/token" --client-id demo-client --api-base "$base/api" \
    --client-secret-stdin > /dev/null
  BIN=$bin BASE=$base RUNS=$runs python3 - <<'PY'
import os, shutil, statistics, subprocess, time, tomllib
bin, base, runs = os.environ["BIN"], os.environ["BASE"], int(os.environ["RUNS"])
token_request = f"curl -sf -d grant_type=client_credentials -d client_id=demo-client -d client_secret=demo-secret {base}/oauth/token"
cut = "sed -n 's/.*\"access_token\": *\"\\([^\"]*\\)\".*/\\1/p'"

def run(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - start) * 1000

def pair(name, ours, theirs, before=None, peer="curl"):
    a, b = [], []
    for _ in range(runs):
        if before:
            subprocess.run(before, stdout=subprocess.DEVNULL, check=True)
        a.append(run(ours))
        b.append(run(theirs))
    ratio = statistics.median(x / y for x, y in zip(a, b))
    print(f"| {name} | {statistics.median(a):.1f} ms | {peer} {statistics.median(b):.1f} ms | {statistics.median(a) / statistics.median(b):.2f}x (per pair {ratio:.2f}x) |")

token = subprocess.run([bin, "token", "bench"], capture_output=True, text=True, check=True).stdout.strip()
print(f"{runs} pairs each, medians; {base}\n")
print("| case | waybill | peer | ratio |\n|---|---|---|---|")
pair("start: `presets` / `--version`", [bin, "presets"], ["curl", "--version"])
pair("call, cached token", [bin, "call", "bench", "GET", "/whoami"],
     ["curl", "-sf", "-H", f"Authorization: Bearer {token}", f"{base}/api/whoami"])
pair("call, empty cache", [bin, "call", "bench", "GET", "/whoami"],
     ["sh", "-c", f"t=$({token_request} | {cut}); curl -sf -H \"Authorization: Bearer $t\" {base}/api/whoami"],
     before=[bin, "logout", "bench"])
subprocess.run([bin, "token", "bench"], stdout=subprocess.DEVNULL, check=True)
with open(os.path.join(os.environ["WAYBILL_HOME"], "profiles.toml"), "rb") as f:
    keyring_id = next(p["keyring_id"] for p in tomllib.load(f)["profile"] if p["name"] == "bench")
pair("call, cached token", [bin, "call", "bench", "GET", "/whoami"],
     ["sh", "-c", f"t=$(secret-tool lookup service waybill username {keyring_id}/access_token | {cut}); curl -sf -H \"Authorization: Bearer $t\" {base}/api/whoami"],
     peer="secret-tool + curl")
if shutil.which("http"):
    http = "http --ignore-stdin --body"
    pair("call, cached token", [bin, "call", "bench", "GET", "/whoami"],
         ["sh", "-c", f"{http} {base}/api/whoami 'Authorization:Bearer {token}'"], peer="HTTPie")
    pair("call, empty cache", [bin, "call", "bench", "GET", "/whoami"],
         ["sh", "-c", f"t=$({http} --form POST {base}/oauth/token grant_type=client_credentials client_id=demo-client client_secret=demo-secret | {cut}); {http} {base}/api/whoami \"Authorization:Bearer $t\""],
         before=[bin, "logout", "bench"], peer="HTTPie")
else:
    print("\n(HTTPie is not installed: `apt-get install httpie` to compare with it too)")
PY
}
export -f measure start_demo_server
export bin runs
with_private_keyring bash -c measure
