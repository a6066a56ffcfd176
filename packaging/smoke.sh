#!/usr/bin/env bash
# Smoke-test a built app folder: --version, a bundled-modules self-check, a headless run on a
# demo database, and a short GUI start under Xvfb that opens the main window and quits cleanly.
#   packaging/smoke.sh [APPDIR]     (default dist/splitday)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
APPDIR=${1:-$ROOT/dist/splitday}
APP="$APPDIR/splitday"
[ -x "$APP" ] || { echo "smoke: no app at $APP (run packaging/build.sh first)" >&2; exit 1; }

TMP=$(mktemp -d)
XVFB_PID=""
cleanup() {
  if [ -n "$XVFB_PID" ]; then kill "$XVFB_PID" 2>/dev/null || true; wait "$XVFB_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
# A user nobody has seen before: fresh config, cache and data directories.
export HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/config" XDG_CACHE_HOME="$TMP/cache"
export XDG_DATA_HOME="$TMP/data" XDG_RUNTIME_DIR="$TMP/run"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
unset SPLITDAY_DATA_DIR SPLITDAY_DB_URL SPLITDAY_SOCKET SPLITDAY_NOW
export SPLITDAY_DB_URL="sqlite:///$TMP/demo.sqlite3"
ms() { date +%s%3N; }
fail() { echo "smoke FAILED: $*" >&2; exit 1; }

t=$(ms); out=$("$APP" --version); echo "--version: $out ($(( $(ms) - t )) ms)"
[[ "$out" == "splitday "* ]] || fail "--version printed '$out'"

t=$(ms); out=$(SPLITDAY_SELF_CHECK=1 "$APP"); echo "$out ($(( $(ms) - t )) ms)"
[[ "$out" == "self-check ok:"* ]] || fail "self-check"
[[ "$out" == *"MPLCONFIGDIR=$XDG_CACHE_HOME/splitday/matplotlib"* ]] || fail "MPLCONFIGDIR not in the cache dir"
ls "$XDG_CACHE_HOME/splitday/matplotlib"/fontlist-*.json >/dev/null || fail "no lasting font cache"
t=$(ms); SPLITDAY_SELF_CHECK=1 "$APP" >/dev/null; echo "self-check again, font cache warm: $(( $(ms) - t )) ms"

t=$(ms); "$APP" demo --weeks 2; echo "demo --weeks 2: $(( $(ms) - t )) ms"
t=$(ms); "$APP" status --json > "$TMP/status.json"; echo "status --json: $(( $(ms) - t )) ms"
python3 - "$TMP/status.json" <<'PY' || fail "status --json is not the expected JSON"
import json, sys
data = json.load(open(sys.argv[1]))
assert {"date", "now", "hard_stop", "slot", "running", "interruptions"} <= data.keys(), data.keys()
assert isinstance(data["interruptions"]["count"], int)
PY
"$APP" plan --json > /dev/null || fail "plan --json"
out=$(SPLITDAY_LANG=it "$APP" status) || fail "status in Italian"
echo "status in Italian: $(head -2 <<<"$out" | tail -1)"
[[ "$out" == *"giornata:"* ]] || fail "the Italian catalog is not used: $out"
if "$APP" report --help >/dev/null 2>&1; then
  t=$(ms); "$APP" report > "$TMP/report.txt" || fail "report"
  echo "report: $(wc -l < "$TMP/report.txt") lines, $(( $(ms) - t )) ms"
  # every export format the review offers: each needs its matplotlib backend in the bundle
  t=$(ms)
  "$APP" report --png "$TMP/week.png" --svg "$TMP/week.svg" --pdf "$TMP/week.pdf" \
    --csv "$TMP/week.csv" >/dev/null || fail "report exports"
  for f in week.png week.svg week.pdf week.csv; do [ -s "$TMP/$f" ] || fail "no $f"; done
  echo "report exports (png, svg, pdf, csv): $(( $(ms) - t )) ms"
else
  echo "report: not in this build (skipped)"
fi

# The GUI: a real X server, the window must map, then SPLITDAY_QUIT_AFTER_MS quits cleanly.
command -v Xvfb >/dev/null || fail "Xvfb is not installed (tests/install-system-deps.sh)"
for n in $(seq 150 199); do [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || break; done
# -displayfd: Xvfb writes its display number once it accepts connections (a loaded machine can
# take seconds; polling for the socket file raced with that, and the app found no display).
mkfifo "$TMP/displayfd"
Xvfb ":$n" -displayfd 3 -nolisten tcp -screen 0 1280x800x24 >"$TMP/xvfb.log" 2>&1 3>"$TMP/displayfd" &
XVFB_PID=$!
ready=""
read -r -t 60 ready < "$TMP/displayfd" || true
if [ "$ready" != "$n" ]; then
  cat "$TMP/xvfb.log" >&2
  fail "Xvfb did not get ready on :$n (it said '${ready}')"
fi
export DISPLAY=":$n"
unset QT_QPA_PLATFORM WAYLAND_DISPLAY
t=$(ms)
SPLITDAY_QUIT_AFTER_MS=${SPLITDAY_QUIT_AFTER_MS:-1500} timeout 60 "$APP" >"$TMP/gui.out" 2>"$TMP/gui.err" &
gui=$!
wid=""
for _ in $(seq 300); do
  wid=$(xdotool search --onlyvisible --name '^Splitday' 2>/dev/null | head -1 || true)
  [ -n "$wid" ] && break
  sleep 0.05
done
mapped=$(( $(ms) - t ))
icon=""
if [ -n "$wid" ]; then
  echo "window: $(xprop -id "$wid" WM_CLASS)"
  # The window icon is the bundled SVG (needs Qt's SVG plugins): _NET_WM_ICON carries its pixels.
  # It is set in the frame after the first paint, so it may follow the mapping by a few ms.
  iconed=$(ms)
  for _ in $(seq 20); do
    icon=$(xprop -id "$wid" _NET_WM_ICON 2>/dev/null | head -c 200 || true)
    [[ "$icon" == *"CARDINAL"*"Icon"* ]] && break
    sleep 0.05
  done
  echo "window icon: $(head -1 <<<"$icon" | cut -c1-40)… ($(( $(ms) - iconed )) ms after the mapping was seen)"
fi
set +e; wait "$gui"; code=$?; set -e
echo "GUI: window mapped after ${mapped} ms, exit $code after $(( $(ms) - t )) ms"
cat "$TMP/gui.err" >&2
[ -n "$wid" ] || fail "no Splitday window appeared"
[[ "$icon" == *"CARDINAL"*"Icon"* ]] || fail "the window has no icon (_NET_WM_ICON)"
[ "$code" -eq 0 ] || fail "the GUI exited with $code"
! grep -q "Traceback" "$TMP/gui.err" || fail "a traceback on stderr"
echo "smoke passed"
