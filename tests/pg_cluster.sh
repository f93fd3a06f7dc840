#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests and benchmarks (run as root).
#   pg_cluster.sh start DIR   starts one in DIR and prints its SQLAlchemy URL
#   pg_cluster.sh restart DIR [SECONDS]
#                             stops it (-m fast cuts every connection), keeps it away SECONDS
#                             (default 1), starts it again on the same port
#   pg_cluster.sh stop DIR    stops it and removes DIR
set -euo pipefail
cmd=${1:-}; DIR=${2:-}
[ -n "$DIR" ] || { echo "usage: $0 start|restart|stop DIR" >&2; exit 2; }
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_postgres() { runuser -u postgres -- "$@"; }

start_server() {
  as_postgres "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w start \
    -o "-p $1 -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" >/dev/null
}

case "$cmd" in
  start)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    rm -rf "$DIR"; mkdir -p "$DIR"; chown postgres "$DIR"
    as_postgres "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    echo "$port" > "$DIR/port"
    start_server "$port"
    as_postgres "$BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE tend_test" >/dev/null
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/tend_test"
    ;;
  restart)
    as_postgres "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
    sleep "${3:-1}"
    start_server "$(cat "$DIR/port")"
    ;;
  stop)
    if [ -d "$DIR/data" ]; then
      as_postgres "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$DIR"
    ;;
  *) echo "usage: $0 start|restart|stop DIR" >&2; exit 2 ;;
esac
