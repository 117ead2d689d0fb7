#!/usr/bin/env bash
# The window's cold start and memory: the release app (`waybill demo`: the demo provider and four
# profiles) under a headless X server, RUNS times (default 5), each with fresh profile and WebKit
# directories. For each run:
#   start  wall time from exec to the page's first IPC call (the app logs "window interactive"
#          when the page script runs and asks for its data);
#   memory after 3 s idle, summed over the app and its WebKit processes: RSS and PSS (PSS shares
#          pages between processes fairly, so it is the honest total).
# Needs: xvfb (Xvfb), a release build (built here if missing: ui first, then cargo build --release).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
runs=${RUNS:-5}
bin=${WAYBILL_BIN:-target/release/waybill}
if [ ! -x "$bin" ]; then
  build_ui
  cargo build --release --locked --quiet -p waybill
fi

# One X server for all runs, on a free display number that it writes to a pipe.
tmp=$(mktemp -d)
mkfifo "$tmp/display"
Xvfb -displayfd 5 -screen 0 1280x800x24 -nolisten tcp 5> "$tmp/display" 2>/dev/null &
xvfb_pid=$!
trap 'kill "$xvfb_pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
read -r display < "$tmp/display"
export DISPLAY=":$display"

descendants() {
  local pid=$1 child
  echo "$pid"
  for child in $(pgrep -P "$pid"); do descendants "$child"; done
}

kb() { awk -v key="$1:" '$1 == key { print $2 }' "$2" 2>/dev/null || echo 0; }

printf '| run | start (ms) | processes | RSS (MB) | PSS (MB) |\n|---|---|---|---|---|\n'
starts=()
for run in $(seq "$runs"); do
  home=$(mktemp -d)
  log="$home/log"
  mkfifo "$home/stderr"
  begin=${EPOCHREALTIME/./}
  WAYBILL_HOME="$home/config" XDG_DATA_HOME="$home/data" XDG_CACHE_HOME="$home/cache" \
    XDG_CONFIG_HOME="$home/xdg" WAYBILL_LOG=info "$bin" demo 2> "$home/stderr" &
  app=$!
  # The app's log is read line by line as it comes: waiting costs no CPU. (Polling the log with
  # grep and sleep every 5 ms took a fifth of the two cores' samples while the window started.)
  exec 4< "$home/stderr"
  ms=
  while IFS= read -r line <&4; do
    printf '%s\n' "$line" >> "$log"
    if [[ $line == *"window interactive"* ]]; then
      ms=$(( (${EPOCHREALTIME/./} - begin) / 1000 ))
      break
    fi
  done
  [ -n "$ms" ] || { echo "the app exited:"; cat "$log"; exit 1; }
  cat <&4 >> "$log" &  # the rest of the log, so the app never waits on a full pipe
  reader=$!
  starts+=("$ms")
  sleep 3
  rss=0 pss=0 names=()
  for pid in $(descendants "$app"); do
    rss=$((rss + $(kb VmRSS "/proc/$pid/status")))
    pss=$((pss + $(kb Pss "/proc/$pid/smaps_rollup")))
    names+=("$(cat "/proc/$pid/comm" 2>/dev/null)")
  done
  printf '| %s | %s | %s | %s | %s |\n' "$run" "$ms" "$(IFS=,; echo "${names[*]}")" $((rss / 1024)) $((pss / 1024))
  kill "$app"
  wait "$app" 2>/dev/null || true
  wait "$reader"
  exec 4<&-
  rm -rf "$home"
done
sorted=$(printf '%s\n' "${starts[@]}" | sort -n)
echo
echo "start to interactive window: median $(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p") ms, first (coldest) ${starts[0]} ms, over $runs runs"
