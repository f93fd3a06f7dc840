#!/usr/bin/env bash
# The whole suite: everything on SQLite (browser tests included), then every database test
# again on a throw-away PostgreSQL cluster that this script starts and always stops (the
# `database` marker, tests/conftest.py: the others give the same answer on any database).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTEST=.venv/bin/pytest

status=0
$PYTEST -q -p no:cacheprovider "$@" || status=$?

if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  pgdir=$(mktemp -d /tmp/tend-pg.XXXXXX)
  trap 'bash tests/pg_cluster.sh stop "$pgdir"' EXIT
  url=$(bash tests/pg_cluster.sh start "$pgdir")
  echo "Database tests again on PostgreSQL"
  TEST_DATABASE_URL="$url" $PYTEST -q -p no:cacheprovider -m "not browser and database" "$@" \
    || status=$?
else
  echo "PostgreSQL is not installed (or not root): the PostgreSQL run is skipped." >&2
  [ "${CI:-}" = "true" ] && status=1
fi
exit $status
