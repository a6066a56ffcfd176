#!/usr/bin/env bash
# Put Splitday's desktop integration (menu entry with actions, icons, AppStream metainfo) in the
# XDG locations, for this user or for every user; optionally the app and a `splitday` command.
#
#   install-desktop.sh [--user | --system] [--app DIR | --bin FILE] [--uninstall]
#     --user      ~/.local/share (XDG_DATA_HOME), app in ~/.local/lib/splitday, command in ~/.local/bin
#     --system    $PREFIX/share (PREFIX=/usr/local), app in /opt/splitday, command in $PREFIX/bin
#     --app DIR   also install a built app folder (dist/splitday) and link its binary as `splitday`
#     --bin FILE  link an existing splitday executable (e.g. .venv/bin/splitday) as `splitday`
#     --uninstall remove what this script installs
# DESTDIR is honoured (staged installs for distribution packages).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
APP_ID=io.github.splitday.Splitday
PYTHON=${PYTHON:-python3}
scope=user app="" bin="" uninstall=0
while [ $# -gt 0 ]; do
  case "$1" in
    --user) scope=user ;;
    --system) scope=system ;;
    --app) app=$(cd "$2" && pwd); shift ;;
    --bin) bin=$(realpath "$2"); shift ;;
    --uninstall) uninstall=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install-desktop: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
D=${DESTDIR:-}
if [ "$scope" = user ]; then
  share="${XDG_DATA_HOME:-$HOME/.local/share}"
  bindir="$HOME/.local/bin"
  appdir="$HOME/.local/lib/splitday"
else
  prefix=${PREFIX:-/usr/local}
  share="$prefix/share"
  bindir="$prefix/bin"
  appdir=/opt/splitday
fi
SIZES="16 24 32 48 64 128 256 512"
files=("$share/applications/$APP_ID.desktop" "$share/metainfo/$APP_ID.metainfo.xml"
       "$share/icons/hicolor/scalable/apps/$APP_ID.svg")
for s in $SIZES; do files+=("$share/icons/hicolor/${s}x${s}/apps/$APP_ID.png"); done

refresh() {  # system-wide caches some desktops read; user directories need none
  [ -n "$D" ] || [ "$scope" = user ] && return 0
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$share/applications" || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
}

if [ "$uninstall" = 1 ]; then
  for f in "${files[@]}"; do rm -f "$D$f"; done
  if [ -L "$D$bindir/splitday" ]; then rm -f "$D$bindir/splitday"; fi
  if [ -x "$D$appdir/splitday" ]; then rm -rf "$D$appdir"; fi
  refresh
  echo "removed Splitday's desktop integration from $share"
  exit 0
fi

# Icons: the ones bundled in a built app, else rendered from the SVGs now.
icons="$app/_internal/resources/icons"
if [ -z "$app" ] || [ ! -d "$icons/hicolor" ]; then
  icons=$(mktemp -d); trap 'rm -rf "$icons"' EXIT
  "$PYTHON" "$ROOT/packaging/render_icons.py" "$icons" >/dev/null
fi
install -Dm644 "$ROOT/resources/$APP_ID.metainfo.xml" "$D$share/metainfo/$APP_ID.metainfo.xml"
install -Dm644 "$ROOT/resources/icons/$APP_ID.svg" "$D$share/icons/hicolor/scalable/apps/$APP_ID.svg"
for s in $SIZES; do
  install -Dm644 "$icons/hicolor/${s}x${s}/apps/$APP_ID.png" "$D$share/icons/hicolor/${s}x${s}/apps/$APP_ID.png"
done

if [ -n "$app" ]; then
  rm -rf "$D$appdir"; mkdir -p "$D$appdir"
  cp -a "$app/." "$D$appdir/"
  bin="$appdir/splitday"
fi
if [ -n "$bin" ]; then
  mkdir -p "$D$bindir"
  ln -sfn "$bin" "$D$bindir/splitday"
  case ":$PATH:" in *":$bindir:"*) ;; *) echo "note: $bindir is not on PATH; the menu entry runs 'splitday' from PATH" ;; esac
fi
# The menu entry runs `splitday` from PATH; ~/.local/bin is not on every session's PATH, so a
# user install names the linked command by its full path.
exec_cmd=splitday
if [ "$scope" = user ] && [ -n "$bin" ] && [[ "$bindir" != *[\"\`\$\\\|\&]* ]]; then
  exec_cmd="$bindir/splitday"
  case "$exec_cmd" in *[!A-Za-z0-9_./-]*) exec_cmd="\"$exec_cmd\"" ;; esac
fi
mkdir -p "$D$share/applications"
sed "s|^Exec=splitday|Exec=$exec_cmd|" "$ROOT/resources/$APP_ID.desktop" > "$D$share/applications/$APP_ID.desktop"
chmod 644 "$D$share/applications/$APP_ID.desktop"
refresh
echo "installed Splitday's desktop integration into $D$share${app:+ and the app into $D$appdir}"
