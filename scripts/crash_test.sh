#!/usr/bin/env bash
# Crash test of the participant pages (docs/participants.md). Starts a Release build of the site on
# loopback with a fresh data directory, puts N simulated participants on it, SIGKILLs the site in
# the middle of the load, restarts it on the same data, lets the load finish, and then checks that
#   - every answer acknowledged before (and after) the kill is stored exactly once, and
#   - every participant's question page resumes at position = number of answers stored for them.
# usage: scripts/crash_test.sh [participants=100] [seconds=20] [kill-after=8] [port=5081]
set -euo pipefail
# Workstation GC for the site and the load tool: on a small shared machine, server-GC threads
# burn the cores the site needs. The load tool's thread pool does not spin before it sleeps (its
# CPU is taken from the site); the site's keeps the runtime's default spinning, which at a paced
# 1000 answers/s gave p99 17-29 ms against 31-85 ms without (docs/participants.md).
export DOTNET_gcServer=0
cd "$(dirname "$0")/.."
PARTICIPANTS=${1:-100}
SECONDS_TO_RUN=${2:-20}
KILL_AFTER=${3:-8}
PORT=${4:-5081}
URL="http://127.0.0.1:${PORT}"
DATA=$(mktemp -d /tmp/squadstudy-crash.XXXXXX)
SITE_PID=""
LOAD_PID=""
cleanup() {
    for pid in "$SITE_PID" "$LOAD_PID"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
    done
    rm -rf "$DATA"
}
trap cleanup EXIT

start_site() {
    ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning SquadStudy__DataDirectory="$DATA" \
        dotnet src/SquadStudy.Web/bin/Release/net10.0/SquadStudy.Web.dll --urls "$URL" >>"$DATA/site.log" 2>&1 &
    SITE_PID=$!
    for _ in $(seq 1 150); do
        curl -fs "$URL/healthz" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "site did not start"; cat "$DATA/site.log"; exit 1
}

dotnet build -c Release src/SquadStudy.Web -v q -nologo >/dev/null
dotnet build -c Release tools/SquadStudy.LoadTest -v q -nologo >/dev/null
LOAD="env DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 dotnet tools/SquadStudy.LoadTest/bin/Release/net10.0/SquadStudy.LoadTest.dll"

$LOAD seed --data "$DATA" --slug load --questions 150
start_site
$LOAD run --url "$URL" --data "$DATA" --slug load --participants "$PARTICIPANTS" --seconds "$SECONDS_TO_RUN" --warmup 0 --log "$DATA/acks.log" \
    >"$DATA/load.out" 2>&1 &
LOAD_PID=$!

# Wait until the participants are enrolled and answering, then kill the site mid-load.
for _ in $(seq 1 600); do
    grep -q "^enrolment:" "$DATA/load.out" 2>/dev/null && break
    sleep 0.2
done
sleep "$KILL_AFTER"
kill -KILL "$SITE_PID"
echo "SIGKILLed the site (pid $SITE_PID) under load; answers acknowledged by then: $(grep -c '^A ' "$DATA/acks.log")"
wait "$SITE_PID" 2>/dev/null || true
sleep 1
echo "restarting the site on the same data directory"
start_site

wait "$LOAD_PID" || true
LOAD_PID=""
cat "$DATA/load.out"
echo "--- verification after the crash (acknowledged answers, resume positions)"
$LOAD verify --url "$URL" --data "$DATA" --slug load --log "$DATA/acks.log"
