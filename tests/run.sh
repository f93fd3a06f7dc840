#!/usr/bin/env bash
# The whole suite: everything on SQLite (browser tests included), and every database test
# again on a throw-away PostgreSQL cluster that this script starts and always stops (the
# `database` marker, tests/conftest.py: the others give the same answer on any database).
# The two passes run at the same time: each keeps to about one core (pytest is one process),
# they share no port (servers bind port 0) and no file (each has its own pytest temporary
# folder and database; the PostgreSQL pass runs no browser test, so writes no screenshot).
# The PostgreSQL pass's output is kept and printed after the SQLite pass's.
# TEND_PASSES=serial runs them one after the other.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTEST=.venv/bin/pytest

make -s --no-print-directory translations  # once, before either pass (each would compile them)

status=0
pg_pid=""
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  pgdir=$(mktemp -d /tmp/tend-pg.XXXXXX)
  pglog="$pgdir/pytest.log"
  trap 'bash tests/pg_cluster.sh stop "$pgdir"' EXIT
  url=$(bash tests/pg_cluster.sh start "$pgdir")
  run_pg() {
    TEST_DATABASE_URL="$url" $PYTEST -q -p no:cacheprovider --basetemp "$pgdir/tmp" \
      -m "not browser and database" "$@"
  }
  if [ "${TEND_PASSES:-parallel}" = serial ]; then
    $PYTEST -q -p no:cacheprovider "$@" || status=$?
    echo "Database tests again on PostgreSQL"
    run_pg "$@" || status=$?
    exit $status
  fi
  run_pg "$@" >"$pglog" 2>&1 &
  pg_pid=$!
else
  echo "PostgreSQL is not installed (or not root): the PostgreSQL run is skipped." >&2
  [ "${CI:-}" = "true" ] && status=1
fi

echo "Every test on SQLite"
$PYTEST -q -p no:cacheprovider "$@" || status=$?

if [ -n "$pg_pid" ]; then
  pg_status=0
  wait "$pg_pid" || pg_status=$?
  echo "Database tests again on PostgreSQL (run alongside)"
  cat "$pglog"
  [ "$pg_status" = 0 ] || status=$pg_status
fi
exit $status
