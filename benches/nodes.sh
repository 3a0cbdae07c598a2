#!/usr/bin/env bash
# Runs a chat-load scenario against chat serve nodes sharing one fresh PostgreSQL database,
# and prints the scenario's JSON line(s) (their server CPU is the nodes', during the message
# phase), then one line with the CPU seconds PostgreSQL used (every process of its system
# user, from the scenario's start to its end, setting up included).
#   benches/nodes.sh BIN_DIR POSTGRES_URL NODES SCENARIO [ARGS...]
# POSTGRES_URL names a server without a database (postgres://postgres@127.0.0.1:55432);
# NODES is 1 or 2. With 2, `ingest` runs one load tool per node at once (each with the
# scenario's senders), and `fanout` sends through the first node to sessions on the second.
# With POSTGRES_URL `redb`, one node runs on redb instead, for comparison. With BROKER set to
# a NATS URL (a nats-server -js already running), the nodes join through it (`--broker`), and
# a last line gives the CPU seconds nats-server used.
set -euo pipefail
bin_dir=$1 pg=$2 nodes=$3 scenario=$4; shift 4
load="$(dirname "$0")/../target/release/chat-load"
data=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$data"' EXIT

store=redb
if [ "$pg" != redb ]; then
  db="chat_bench_$(date +%s%N)"
  psql -q "$pg/postgres" -c "CREATE DATABASE $db" >/dev/null
  store="$pg/$db"
fi
for n in $(seq "$nodes"); do
  CHAT_STORE=$store "$bin_dir/chat" --data-dir "$data/node$n" serve ${BROKER:+--broker "$BROKER"} \
    --addr "127.0.0.1:1909$n" --no-rate-limits --no-link-previews >"$data/node$n.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:1909$n/healthz" >/dev/null && break; sleep 0.1; done
done

# CPU clock ticks (user + system) of PostgreSQL's processes, or of those `pgrep` finds with
# the arguments given.
cpu() {
  local total=0 pid
  for pid in $(pgrep "${@:--upostgres}" || true); do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat")))
  done
  echo "$total"
}

before=$(cpu)
nats_before=$(cpu -x nats-server)
case "$nodes:$scenario" in
  2:ingest)
    "$load" --addr 127.0.0.1:19091 --sources 4 ingest "$@" 2>/dev/null | tail -1 &
    first=$!
    "$load" --addr 127.0.0.1:19092 --sources 4 ingest "$@" 2>/dev/null | tail -1
    wait $first ;;
  2:fanout)
    "$load" --addr 127.0.0.1:19091 --gateway-addr 127.0.0.1:19092 --sources 8 fanout "$@" \
      2>/dev/null | tail -1 ;;
  1:*)
    "$load" --addr 127.0.0.1:19091 --sources 8 "$scenario" "$@" 2>/dev/null | tail -1 ;;
  *) echo "NODES is 1, or 2 with ingest or fanout" >&2; exit 2 ;;
esac
after=$(cpu)
awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" \
  'BEGIN { printf "{\"postgres_cpu_s\": %.2f}\n", ticks / hz }'
if [ -n "${BROKER:-}" ]; then
  awk -v ticks=$(($(cpu -x nats-server) - nats_before)) -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "{\"nats_cpu_s\": %.2f}\n", ticks / hz }'
fi
