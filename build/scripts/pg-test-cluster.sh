#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the hub's tests and bench (Debian's postgresql-15).
#   build/scripts/pg-test-cluster.sh start DIR   → initdb + start on a free loopback port; prints the
#                                                  connection URL as the last line (and writes DIR/url)
#   build/scripts/pg-test-cluster.sh stop DIR    → stops it (fast shutdown); DIR is left for the caller
# Trust auth on 127.0.0.1 only, no listen on other interfaces, fsync off (test data only).
# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user (runuser).
set -euo pipefail
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ -x "$BIN/initdb" ] || { echo "no PostgreSQL binaries in $BIN (apt-get install postgresql-15)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    as_owner "$BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c full_page_writes=off -c max_connections=200" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    url="postgres://postgres@127.0.0.1:$port/postgres"
    echo "$url" >"$dir/url"
    echo "$url"
    ;;
  stop)
    as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
