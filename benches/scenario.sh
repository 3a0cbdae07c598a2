#!/usr/bin/env bash
# Runs one chat-load scenario against a fresh server of a given build, then stops it:
#   benches/scenario.sh BIN_DIR SCENARIO [ARGS...]
# BIN_DIR holds that build's `chat`; the load comes from this checkout's release
# `chat-load` (build both with `cargo build --release -p chat-server -p chat-load`), so two
# builds are driven by the same client. With COMPARE=1 a fresh reference server
# (`chat-load reference`) runs beside it and the scenario runs against both (`--compare`),
# printing ours, the reference's and their ratio. Prints the scenario's JSON line.
set -euo pipefail
bin_dir=$1; shift
load="$(dirname "$0")/../target/release/chat-load"
data=$(mktemp -d)
"$bin_dir/chat" --data-dir "$data" serve --addr 127.0.0.1:19090 --no-rate-limits \
  --no-link-previews >"$data/serve.log" 2>&1 &
server=$!
reference=
# A killed server's `wait` fails: without `|| true`, errexit would end the trap there and
# leave the data directory behind (and the script's status would be the kill's).
trap 'kill $server $reference 2>/dev/null; wait $server $reference 2>/dev/null || true; rm -rf "$data"' EXIT
compare=()
if [[ ${COMPARE:-} == 1 ]]; then
  "$load" --addr 127.0.0.1:19091 reference >"$data/reference.log" 2>&1 &
  reference=$!
  compare=(--compare 127.0.0.1:19091)
fi
for _ in $(seq 50); do
  curl -sf http://127.0.0.1:19090/healthz >/dev/null &&
    { [[ -z $reference ]] || curl -sf http://127.0.0.1:19091/healthz >/dev/null; } && break
  sleep 0.2
done
"$load" --addr 127.0.0.1:19090 "${compare[@]}" --sources 8 "$@" 2>/dev/null | tail -1
