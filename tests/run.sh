#!/usr/bin/env bash
# The whole suite: planner + UI (offscreen) + e2e (Xvfb), then the planner suite on PostgreSQL.
set -euo pipefail
PY=${1:-python3}
HERE=$(cd "$(dirname "$0")" && pwd)
export QT_QPA_PLATFORM=offscreen
echo "== all tests (SQLite)"
"$PY" -m pytest -q -p no:cacheprovider
echo "== planner tests on PostgreSQL"
# -m "not slow": the 10 000-event CalDAV test (tests/planner/test_caldav.py) spends ~10 min in
# Radicale's own first read; it measures the server and the client, and ran above on SQLite.
bash "$HERE/with-postgres.sh" "$PY" -m pytest -q -p no:cacheprovider -m "not slow" tests/planner
echo "== the UI's undo tests on PostgreSQL (it never reuses an id: a restored slot gets a new one)"
bash "$HERE/with-postgres.sh" "$PY" -m pytest -q -p no:cacheprovider tests/ui -k undo
