# Sourced by the benchmark scripts (load_test_cluster.sh, bench_workers.sh): a throw-away PostgreSQL
# cluster on loopback from Debian's server binaries, durable settings (fsync on), as the postgres
# user when run as root.
#   pg_start WORK PORT [server options...]   initdb in WORK/pg, start on 127.0.0.1:PORT (socket in WORK)
#   pg_stop                                  immediate stop (for an EXIT trap; never fails)
#   AS_PG                                    the command prefix that runs a client as postgres
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x "$PG_BIN/pg_ctl" ]] || { echo "PostgreSQL server binaries not found under /usr/lib/postgresql (scripts/setup.sh --test installs them)"; exit 1; }
AS_PG=()
PGDATA=""

pg_start() {
    local work=$1 port=$2
    shift 2
    PGDATA="$work/pg"
    if [[ $(id -u) -eq 0 ]]; then AS_PG=(runuser -u postgres --); chown postgres "$work"; fi
    "${AS_PG[@]}" "$PG_BIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --no-locale >/dev/null
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$work/pg.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $work $*" start >/dev/null
}

pg_stop() {
    [[ -n "$PGDATA" && -d "$PGDATA" ]] && "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
}
