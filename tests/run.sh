#!/usr/bin/env bash
# Run the test suite: planner + UI (offscreen) + e2e (Xvfb), then the planner suite on PostgreSQL.
set -euo pipefail
PY=${1:-python3}
export QT_QPA_PLATFORM=offscreen
"$PY" -m pytest -q -p no:cacheprovider
