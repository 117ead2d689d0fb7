#!/usr/bin/env bash
# Planning an import, as a person runs it (`waybill import FILE --json`: read, recognise, map,
# plan; nothing written), release build, median of N runs each, on the largest real files in
# tests/fixtures/import: Square's Swagger 2.0 spec (2.5 MB, 297 operations), Adyen's Checkout
# OpenAPI 3.1 (870 KB), Microsoft Graph's Postman collection (166 requests) and DEFRA's Bruno
# folder (19 requests in 40 files).
# Usage: bench/import-plan.sh [N]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
cargo build --release --locked --quiet -p waybill
python3 - "$runs" <<'PY'
import json, os, statistics, subprocess, sys, tempfile, time
runs = int(sys.argv[1])
home = tempfile.mkdtemp()
env = dict(os.environ, WAYBILL_HOME=home)
fixtures = "tests/fixtures/import"
cases = [
    ("Square, Swagger 2.0", ["swagger2-square/api.json"]),
    ("Adyen Checkout, OpenAPI 3.1", ["openapi-adyen/CheckoutService-v71.json", "--profile", "mine"]),
    ("Microsoft Graph, Postman", ["postman-msgraph/Microsoft Graph.postman_collection.json", "--profile", "mine"]),
    ("DEFRA, Bruno folder", ["bruno-defra-waste-tracking/digitalWasteTrackingExternalAPI"]),
]
# `--profile mine` reuses a profile for files without usable OAuth settings: a public client,
# made once (no secret, so no keyring is needed).
subprocess.run(["target/release/waybill", "profile", "add", "mine", "--grant", "authorization_code",
                "--authorize-url", "http://127.0.0.1:9/authorize", "--token-url", "http://127.0.0.1:9/token",
                "--client-id", "x"], env=env, stdout=subprocess.DEVNULL, check=True)
for label, args in cases:
    path = os.path.join(fixtures, args[0])
    argv = ["target/release/waybill", "import", path, *args[1:], "--json"]
    out = subprocess.run(argv, env=env, capture_output=True, check=True).stdout
    n = len(json.loads(out)["requests"])
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t) * 1000)
    q = statistics.quantiles(times, n=10)
    print(f"{label:<30} {n:4d} requests  median {statistics.median(times):6.1f} ms  p10 {q[0]:6.1f}  p90 {q[-1]:6.1f}  ({runs} runs)")
PY
