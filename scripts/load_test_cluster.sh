#!/usr/bin/env bash
# The load benchmark of scripts/load_test.sh against several instances of the site on one
# PostgreSQL database (docs/several-machines.md): a throw-away PostgreSQL cluster on loopback
# (Debian's postgresql binaries, as the tests use), the seeded study, N instances of a Release
# build on consecutive ports sharing one data directory, every participant's requests spread
# round-robin over them; then the database is checked for lost and duplicated answers.
# usage: scripts/load_test_cluster.sh [participants=200] [seconds=20] [rate=0] [port=5180] [instances=3]
set -euo pipefail
export DOTNET_gcServer=0
cd "$(dirname "$0")/.."
PARTICIPANTS=${1:-200}
SECONDS_TO_RUN=${2:-20}
RATE=${3:-0}
PORT=${4:-5180}
INSTANCES=${5:-3}
source scripts/throwaway_pg.sh
WORK=$(mktemp -d /tmp/squadstudy-cluster.XXXXXX)
DATA="$WORK/data"
PG_PORT=$((PORT + 100))
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
    done
    pg_stop
    rm -rf "$WORK"
}
trap cleanup EXIT

# Durable settings (fsync on), unlike the tests' throw-away clusters: the figure is meant to be
# comparable with SQLite's synchronous=NORMAL.
pg_start "$WORK" "$PG_PORT" -c max_connections=300
"${AS_PG[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres squadstudy
DB="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=squadstudy;Maximum Pool Size=60"

dotnet build -c Release src/SquadStudy.Web -v q -nologo >/dev/null
dotnet build -c Release tools/SquadStudy.LoadTest -v q -nologo >/dev/null
LOAD="env DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 dotnet tools/SquadStudy.LoadTest/bin/Release/net10.0/SquadStudy.LoadTest.dll"
mkdir -p "$DATA"
$LOAD seed --data "$DATA" --db "$DB" --slug load --questions 150

URLS=()
for i in $(seq 0 $((INSTANCES - 1))); do
    url="http://127.0.0.1:$((PORT + i))"
    # One instance runs the built-in precompute worker; the others leave the queue to it.
    ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
        ConnectionStrings__SquadStudy="$DB" SquadStudy__DataDirectory="$DATA" SquadStudy__SeedDemo=false Security__RateLimits__EnrolmentPerMinute=1000000 \
        SquadStudy__RunPrecompute=$([[ $i -eq 0 ]] && echo true || echo false) \
        dotnet src/SquadStudy.Web/bin/Release/net10.0/SquadStudy.Web.dll --urls "$url" >"$WORK/site$i.log" 2>&1 &
    PIDS+=($!)
    URLS+=("$url")
done
for url in "${URLS[@]}"; do
    for _ in $(seq 1 150); do
        curl -fs "$url/healthz" >/dev/null 2>&1 && break
        sleep 0.2
    done
    curl -fs "$url/healthz" >/dev/null || { echo "instance $url did not start"; cat "$WORK"/site*.log; exit 1; }
done

cpu_times() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $9}' /proc/stat; }
# CPU seconds (user + system) of processes: the web instances, and PostgreSQL's server processes.
proc_cpu() { local t=0 pid; for pid in "$@"; do [[ -r /proc/$pid/stat ]] && t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done; echo "$t"; }
pg_pids() { pgrep -u postgres -f "postgres" 2>/dev/null | tr '\n' ' '; }
read -r TOTAL0 STEAL0 < <(cpu_times)
SITE0=$(proc_cpu "${PIDS[@]}"); PG0=$(proc_cpu $(pg_pids))
STATUS=0
$LOAD run --url "$(IFS=,; echo "${URLS[*]}")" --data "$DATA" --db "$DB" --slug load --participants "$PARTICIPANTS" \
    --seconds "$SECONDS_TO_RUN" --warmup 10 --rate "$RATE" | tee "$WORK/load.out" || STATUS=$?
read -r TOTAL1 STEAL1 < <(cpu_times)
SITE1=$(proc_cpu "${PIDS[@]}"); PG1=$(proc_cpu $(pg_pids))
ANSWERS=$(sed -nE 's/^answers acknowledged: ([0-9]+) in all.*/\1/p' "$WORK/load.out")
TICKS=$(getconf CLK_TCK)
[[ -n "$ANSWERS" && "$ANSWERS" -gt 0 ]] && awk -v s=$((SITE1 - SITE0)) -v g=$((PG1 - PG0)) -v n="$ANSWERS" -v hz="$TICKS" \
    'BEGIN { printf "CPU over the whole run (warm-up included), per acknowledged answer: web instances %.3f ms, PostgreSQL %.3f ms\n", 1000 * s / hz / n, 1000 * g / hz / n }'

awk -v t=$((TOTAL1 - TOTAL0)) -v s=$((STEAL1 - STEAL0)) 'BEGIN { if (t > 0) printf "cpu steal during the run: %.1f %% (time the hypervisor ran other guests)\n", 100 * s / t }'
exit $STATUS
