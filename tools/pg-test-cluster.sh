#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: a temporary directory, a private Unix socket,
# no TCP. `start` prints the line that points the tests at it; `stop` removes it.
#
#   eval "$(tools/pg-test-cluster.sh start)"     # sets RECTIFY_TEST_PG
#   python -m pytest -q tests/...
#   tools/pg-test-cluster.sh stop
#
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user
# (Debian's package creates it). DIR defaults to $RECTIFY_PG_DIR, else /tmp/rectify-pg-test,
# the place the tests also look for a socket when RECTIFY_TEST_PG is unset.
set -euo pipefail

action=${1:-}
dir=${2:-${RECTIFY_PG_DIR:-${TMPDIR:-/tmp}/rectify-pg-test}}
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
fsync=${RECTIFY_PG_FSYNC:-off}  # tests need no durability across power loss; the benchmark sets on

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

url() {
    echo "postgresql:///postgres?host=$dir&user=$(as_owner id -un)"
}

case "$action" in
start)
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
        echo "PostgreSQL server binaries not found (Debian: apt-get install postgresql)" >&2
        exit 1
    fi
    if [ -f "$dir/data/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        echo "export RECTIFY_TEST_PG='$(url)'"  # already running (a socket alone may be a dead server's)
        exit 0
    fi
    mkdir -p "$dir"
    chmod 700 "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$bin/initdb" -D "$dir/data" -U "$(as_owner id -un)" --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-k $dir -c listen_addresses='' -c fsync=$fsync -c max_connections=200" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    echo "export RECTIFY_TEST_PG='$(url)'"
    ;;
crash)
    # the server dies at once, as on a power cut of its processes (the tests' crash case)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop|crash [DIR]" >&2
    exit 2
    ;;
esac
