#!/usr/bin/env bash
# Precompute throughput of one worker against two (issue 15, docs/several-machines.md "Measuring"):
# a throw-away PostgreSQL cluster on loopback, the demo pack imported afresh for every run, then
# `squadstudy worker --until-idle` in one process or in two processes at once, each with its own
# data directory (the content store is shared through PostgreSQL). The figure is the precompute
# items done (an item is one image × model in one phase) over the wall time from the workers' start
# to the last one's exit, start-up included. The two configurations alternate, ROUNDS times.
# usage: scripts/bench_workers.sh [rounds=2] [workers-per-process=default] [port=5480]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
PER_PROCESS=${2:-}
PG_PORT=${3:-5480}
source scripts/throwaway_pg.sh
WORK=$(mktemp -d /tmp/squadstudy-workers.XXXXXX)
cleanup() {
    pg_stop
    rm -rf "$WORK"
}
trap cleanup EXIT
pg_start "$WORK" "$PG_PORT"

dotnet build -c Release src/SquadStudy.Cli -v q -nologo >/dev/null
CLI="dotnet src/SquadStudy.Cli/bin/Release/net10.0/squadstudy.dll"
WORKER_ARGS=(worker --until-idle)
[[ -n "$PER_PROCESS" ]] && WORKER_ARGS+=(--workers "$PER_PROCESS")
psql_q() { "${AS_PG[@]}" psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -tAc "$2"; }

run_once() {
    local processes=$1 run=$2
    local db="bench$run"
    local conn="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$db"
    psql_q postgres "CREATE DATABASE $db" >/dev/null
    ConnectionStrings__SquadStudy="$conn" SquadStudy__DataDirectory="$WORK/import$run" Logging__LogLevel__Default=Warning \
        $CLI import demo/pack >"$WORK/import$run.log" 2>&1 || { cat "$WORK/import$run.log"; exit 1; }
    local pids=() start end
    start=$(date +%s.%N)
    for p in $(seq 1 "$processes"); do
        ConnectionStrings__SquadStudy="$conn" SquadStudy__DataDirectory="$WORK/w$run-$p" Logging__LogLevel__Default=Warning \
            $CLI "${WORKER_ARGS[@]}" >"$WORK/w$run-$p.log" 2>&1 &
        pids+=($!)
    done
    local status=0
    for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
    end=$(date +%s.%N)
    [[ $status -eq 0 ]] || { echo "a worker failed (exit $status)"; tail -n 20 "$WORK"/w$run-*.log; exit 1; }
    local done_items failed job
    done_items=$(psql_q "$db" "SELECT count(*) FROM precompute_items WHERE status = 'done'")
    failed=$(psql_q "$db" "SELECT count(*) FROM precompute_items WHERE status <> 'done'")
    job=$(psql_q "$db" "SELECT status FROM precompute_jobs")
    [[ "$failed" == 0 ]] || { echo "$failed item(s) not done after the workers exited (job: $job)"; exit 1; }
    awk -v p="$processes" -v n="$done_items" -v s="$start" -v e="$end" -v j="$job" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
        'BEGIN { printf "%d worker process(es): %d items in %.1f s = %.2f items/s (job %s; load average at the end %s)\n", p, n, e - s, n / (e - s), j, l }'
}

run=0
for round in $(seq 1 "$ROUNDS"); do
    for processes in 1 2; do
        run=$((run + 1))
        run_once "$processes" "$run"
    done
done
