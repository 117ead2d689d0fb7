#!/usr/bin/env bash
# CLI start-up: wall time and peak memory of `waybill presets` (no I/O beyond stdout) and
# `waybill profile list` (reads profiles.toml), release build, median of N runs.
# Usage: bench/cli-startup.sh [N]   (default 50)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
cargo build --release --locked --quiet -p waybill
python3 - "$runs" <<'PY'
import os, resource, statistics, subprocess, sys, tempfile, time
runs = int(sys.argv[1])
home = tempfile.mkdtemp()
env = dict(os.environ, WAYBILL_HOME=home)
for args in (["presets"], ["profile", "list"]):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(["target/release/waybill", *args], env=env, stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t) * 1000)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    q = statistics.quantiles(times, n=10)
    print(f"waybill {' '.join(args):<13} median {statistics.median(times):5.1f} ms  p10 {q[0]:5.1f}  p90 {q[-1]:5.1f}  peak RSS {peak_kib/1024:.1f} MiB  ({runs} runs)")
PY
