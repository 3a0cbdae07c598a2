#!/usr/bin/env bash
# Runs one scenario RUNS times against ours and the reference server (COMPARE=1
# benches/scenario.sh, a fresh pair of servers each time, a pause between runs so that one
# run's leftovers do not weigh on the next) and prints, for every ratio the scenario reports,
# the median and the range over the runs, with the medians of ours and the reference's
# absolute figures beside them:
#   benches/ratios.sh BIN_DIR RUNS SCENARIO [ARGS...]
# e.g. benches/ratios.sh target/release 3 fanout --members 100 --rate 300 --seconds 10
# Each run's JSON line is kept in $RATIOS_LOG (default: a temporary file, named at the end).
set -euo pipefail
bin_dir=$1 runs=$2
shift 2
log=${RATIOS_LOG:-$(mktemp --suffix=.jsonl)}
for run in $(seq "$runs"); do
  echo "run $run of $runs: $*" >&2
  COMPARE=1 "$(dirname "$0")/scenario.sh" "$bin_dir" "$@" >>"$log"
  [[ $run == "$runs" ]] || sleep "${RATIOS_PAUSE:-20}"
done
python3 - "$log" "$runs" <<'EOF'
import json, statistics, sys
path, runs = sys.argv[1], int(sys.argv[2])
lines = [json.loads(line) for line in open(path) if line.strip()][-runs:]
print(f"{'figure':<34} {'ratio: median (range)':<24} {'ours':>10} {'reference':>10}")
for key in sorted(k for k in lines[0] if k.startswith("ratio_")):
    name = key.removeprefix("ratio_")
    ratios = [line[key] for line in lines if key in line]
    if name != "delivery_pct" and all(ratio == 1 for ratio in ratios):
        continue  # the same by construction: members, rate, messages sent, samples
    ours = statistics.median(line.get(f"ours_{name}", float("nan")) for line in lines)
    theirs = statistics.median(line.get(f"reference_{name}", float("nan")) for line in lines)
    spread = f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
    print(f"{name:<34} {spread:<24} {ours:>10.3g} {theirs:>10.3g}")
EOF
echo "runs: $log" >&2
