#!/usr/bin/env bash
# Runs one chat-load scenario against a fresh server of a given build, then stops it:
#   benches/scenario.sh BIN_DIR SCENARIO [ARGS...]
# BIN_DIR holds that build's `chat`; the load comes from this checkout's release
# `chat-load` (build both with `cargo build --release -p chat-server -p chat-load`), so two
# builds are driven by the same client. Prints the scenario's JSON line.
set -euo pipefail
bin_dir=$1; shift
load="$(dirname "$0")/../target/release/chat-load"
data=$(mktemp -d)
"$bin_dir/chat" --data-dir "$data" serve --addr 127.0.0.1:19090 --no-rate-limits \
  --no-link-previews >"$data/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 50); do curl -sf http://127.0.0.1:19090/healthz >/dev/null && break; sleep 0.2; done
"$load" --addr 127.0.0.1:19090 --sources 8 "$@" 2>/dev/null | tail -1
