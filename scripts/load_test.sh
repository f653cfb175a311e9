#!/usr/bin/env bash
# Load benchmark of the participant pages (docs/participants.md): a Release build of the site on
# loopback with a fresh SQLite data directory, a seeded study, N simulated participants for S
# seconds, then the database is checked for lost and duplicated answers.
# usage: scripts/load_test.sh [participants=200] [seconds=20] [rate=0] [port=5080]
#   rate 0: every participant answers as fast as the server lets it (throughput);
#   rate R: the participants together answer R times a second on a fixed schedule (latency at R).
set -euo pipefail
# Workstation GC for the site and the load tool: on a small shared machine, server-GC threads
# burn the cores the site needs. Neither thread pool spins before it sleeps: the load tool's is
# told so here (its CPU is taken from the site), the site's by its own runtime configuration
# (SquadStudy.Web.csproj; docs/participants.md, "Thread-pool spinning").
export DOTNET_gcServer=0
cd "$(dirname "$0")/.."
PARTICIPANTS=${1:-200}
SECONDS_TO_RUN=${2:-20}
RATE=${3:-0}
PORT=${4:-5080}
URL="http://127.0.0.1:${PORT}"
DATA=$(mktemp -d /tmp/squadstudy-load.XXXXXX)
SITE_PID=""
cleanup() {
    if [[ -n "$SITE_PID" ]] && kill -0 "$SITE_PID" 2>/dev/null; then kill "$SITE_PID"; wait "$SITE_PID" 2>/dev/null || true; fi
    rm -rf "$DATA"
}
trap cleanup EXIT

dotnet build -c Release src/SquadStudy.Web -v q -nologo >/dev/null
dotnet build -c Release tools/SquadStudy.LoadTest -v q -nologo >/dev/null
LOAD="env DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 dotnet tools/SquadStudy.LoadTest/bin/Release/net10.0/SquadStudy.LoadTest.dll"

$LOAD seed --data "$DATA" --slug load --questions 150
# Every simulated participant enrols from the one loopback address: the per-client enrolment
# limit (docs/security.md) is raised for the run, as it would be for a lab behind one address.
ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
    SquadStudy__DataDirectory="$DATA" Security__RateLimits__EnrolmentPerMinute=1000000 \
    dotnet src/SquadStudy.Web/bin/Release/net10.0/SquadStudy.Web.dll --urls "$URL" >"$DATA/site.log" 2>&1 &
SITE_PID=$!
for _ in $(seq 1 100); do
    curl -fs "$URL/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fs "$URL/healthz" >/dev/null || { echo "site did not start"; cat "$DATA/site.log"; exit 1; }

# This machine is a virtual machine: CPU time the hypervisor gives to others ("steal") stalls the
# site and the load tool alike, so it is reported with every run.
cpu_times() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $9}' /proc/stat; }
read -r TOTAL0 STEAL0 < <(cpu_times)
STATUS=0
$LOAD run --url "$URL" --data "$DATA" --slug load --participants "$PARTICIPANTS" --seconds "$SECONDS_TO_RUN" --warmup 10 --rate "$RATE" --site-pid "$SITE_PID" \
    || STATUS=$?
read -r TOTAL1 STEAL1 < <(cpu_times)
awk -v t=$((TOTAL1 - TOTAL0)) -v s=$((STEAL1 - STEAL0)) 'BEGIN { if (t > 0) printf "cpu steal during the run: %.1f %% (time the hypervisor ran other guests)\n", 100 * s / t }'
exit $STATUS
