#!/usr/bin/env bash
# Alternates scripts/load_test.sh between checkouts (two builds, or one build under two settings) so
# that both sides of a CPU-per-answer ratio are measured in one run on the same machine state.
#   scripts/ab_load_test.sh ROUNDS CHECKOUT[@VAR=VALUE] CHECKOUT[@VAR=VALUE] ...
#   e.g. scripts/ab_load_test.sh 4 /tmp/old /tmp/new /tmp/old@DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0
# Each CHECKOUT is a clone of this repository (git clone . /tmp/old && git -C /tmp/old checkout REV);
# each round runs `load_test.sh 200 20 1000` in every checkout in turn, with VAR=VALUE in the
# environment when given, and prints one line per run; the means per checkout come at the end.
set -euo pipefail
ROUNDS=${1:?rounds}; shift
[[ $# -ge 2 ]] || { echo "name at least two checkouts" >&2; exit 2; }
declare -A SUM COUNT
for round in $(seq 1 "$ROUNDS"); do
    for side in "$@"; do
        dir=${side%%@*}; setting=""
        [[ "$side" == *@* ]] && setting=${side#*@}
        out=$(cd "$dir" && env $setting bash scripts/load_test.sh 200 20 1000 2>&1) || { echo "$out" >&2; exit 1; }
        cpu=$(grep -oE 'site CPU: [0-9.]+' <<<"$out" | grep -oE '[0-9.]+$')
        echo "$(date -u +%H:%M:%S) round $round $side load $(cut -d' ' -f1 /proc/loadavg): $(grep -oE '\([0-9]+ answers/s\)|p99 [0-9.]+ ms|site CPU: [0-9.]+ ms|lost [0-9]+, duplicated [0-9]+|steal during the run: [0-9.]+ %' <<<"$out" | tr '\n' ' ')"
        SUM[$side]=$(awk -v a="${SUM[$side]:-0}" -v b="$cpu" 'BEGIN { print a + b }')
        COUNT[$side]=$(( ${COUNT[$side]:-0} + 1 ))
    done
done
for side in "$@"; do
    awk -v s="${SUM[$side]}" -v n="${COUNT[$side]}" -v name="$side" 'BEGIN { printf "mean site CPU per answer %.3f ms over %d runs: %s\n", s / n, n, name }'
done
