#!/usr/bin/env bash
# Build the one-folder app into dist/splitday (or $1) and report its size and the build time.
#   packaging/build.sh [DISTDIR]     e.g. packaging/build.sh /tmp/splitday-dist
# Needs the `package` extra (pip install -e '.[package]'); PYTHON picks the interpreter.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
DIST=${1:-$ROOT/dist}
WORK=${SPLITDAY_BUILD_DIR:-$ROOT/build/pyinstaller}
started=$(date +%s)

"$PYTHON" "$ROOT/packaging/i18n.py" all  # resources/locale/*/splitday.mo, bundled below
"$PYTHON" "$ROOT/packaging/render_icons.py" "$WORK/icons"
SPLITDAY_ICON_DIR="$WORK/icons" "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" "$ROOT/packaging/splitday.spec"

APP="$DIST/splitday"
# The interpreter and some extensions ship with DWARF debug info (23 MB in libpython alone);
# debug sections are never loaded at run time, so drop them (symbols stay).
if command -v strip >/dev/null && command -v file >/dev/null; then
  before=$(du -sm "$APP" | cut -f1)
  find "$APP" -type f -name '*.so*' -print0 | xargs -0 file | grep 'with debug_info' | cut -d: -f1 |
    while read -r lib; do strip --strip-debug "$lib"; done
  echo "stripped debug info: ${before} MB -> $(du -sm "$APP" | cut -f1) MB"
fi

size=$(du -sm "$APP" | cut -f1)
files=$(find "$APP" -type f | wc -l)
echo "built $APP: ${size} MB in ${files} files, $(( $(date +%s) - started )) s"
limit=${SPLITDAY_SIZE_LIMIT_MB:-240}
if [ "$(uname)" = Linux ] && [ "$size" -gt "$limit" ]; then
  echo "the app is ${size} MB, over the ${limit} MB budget" >&2
  exit 1
fi
