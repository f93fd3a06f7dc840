#!/usr/bin/env bash
# The whole suite: everything on SQLite (browser tests included), and every database test
# again on a throw-away PostgreSQL cluster that this script starts and always stops (the
# `database` marker, tests/conftest.py: the others give the same answer on any database).
#
# First the real-browser tests (Chromium, WebKit, Firefox) on their own: they wait on
# browsers and servers and want the machine to themselves. Then the rest on SQLite and the
# PostgreSQL pass side by side, one core each (pytest is one process; they share no port,
# servers bind port 0, and no file, each has its own temporary folder and database); the
# PostgreSQL pass's output is printed after the SQLite pass's. TEND_PASSES=serial runs the
# three parts one after the other. Arguments (test paths, -k ...) go to every part.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTEST=".venv/bin/pytest -q -p no:cacheprovider"

make -s --no-print-directory translations  # once, before any part (each would compile them)
# pytest-playwright empties its --output folder (test-artifacts) when any pytest run starts:
# the parts after the browser tests get one of their own, so the screenshots stay to be seen.
elsewhere=$(mktemp -d /tmp/tend-artifacts.XXXXXX)
trap 'rm -rf "$elsewhere"' EXIT

status=0
selected() {  # pytest exits 5 when a part has no test among the ones asked for
  "$@" || { local code=$?; [ "$code" = 5 ] || status=$code; }
}

echo "Browser tests (SQLite)"
selected $PYTEST -m browser "$@"

pg_pid=""
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  pgdir=$(mktemp -d /tmp/tend-pg.XXXXXX)
  pglog="$pgdir/pytest.log"
  trap 'bash tests/pg_cluster.sh stop "$pgdir"; rm -rf "$elsewhere"' EXIT
  url=$(bash tests/pg_cluster.sh start "$pgdir")
  run_pg() {
    TEST_DATABASE_URL="$url" $PYTEST --basetemp "$pgdir/tmp" --output "$elsewhere/postgresql" \
      -m "not browser and database" "$@"
  }
  if [ "${TEND_PASSES:-parallel}" != serial ]; then
    run_pg "$@" >"$pglog" 2>&1 &
    pg_pid=$!
  fi
else
  echo "PostgreSQL is not installed (or not root): the PostgreSQL run is skipped." >&2
  [ "${CI:-}" = "true" ] && status=1
fi

echo "Every other test on SQLite"
selected $PYTEST --output "$elsewhere/sqlite" -m "not browser" "$@"

if [ -n "$pg_pid" ]; then
  pg_status=0
  wait "$pg_pid" || pg_status=$?
  echo "Database tests again on PostgreSQL (run alongside)"
  cat "$pglog"
  [ "$pg_status" = 0 ] || [ "$pg_status" = 5 ] || status=$pg_status
elif [ -n "${url:-}" ]; then
  echo "Database tests again on PostgreSQL"
  selected run_pg "$@"
fi
exit $status
