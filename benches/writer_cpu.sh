#!/usr/bin/env bash
# The storage writer thread's CPU per commit, and the whole server's, during the send phase of
# `fanout --members 100 --rate 300`: benches/writer_cpu.sh BIN_DIR (as benches/scenario.sh).
# Reads the thread's and the process's CPU time from /proc and `chat_commits_total` from
# /metrics at 5 s and 9 s into the run.
set -euo pipefail
bin_dir=$1
"$(dirname "$0")/scenario.sh" "$bin_dir" fanout --members 100 --rate 300 --seconds 10 >/dev/null &
scenario=$!
sleep 5
pid=$(pgrep -f "$bin_dir/chat --data-dir" | head -1)
writer=$(grep -l '^chat-engine-wri' /proc/"$pid"/task/*/comm | head -1 | xargs dirname)
commits() { curl -s http://127.0.0.1:19090/metrics | awk '$1 == "chat_commits_total" { print $2 }'; }
ticks() { awk '{ print $14 + $15 }' "$1/stat"; }
c0=$(commits) w0=$(ticks "$writer") p0=$(ticks /proc/"$pid")
sleep 4
c1=$(commits) w1=$(ticks "$writer") p1=$(ticks /proc/"$pid")
wait $scenario
tick_us=$((1000000 / $(getconf CLK_TCK)))
echo "commits $((c1 - c0)) writer_us_per_commit $(((w1 - w0) * tick_us / (c1 - c0)))" \
  "server_us_per_commit $(((p1 - p0) * tick_us / (c1 - c0)))"
