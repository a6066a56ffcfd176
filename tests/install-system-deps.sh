#!/usr/bin/env bash
# Install the Debian packages the UI and end-to-end tests need, when they are missing.
set -euo pipefail
need=(xvfb openbox xdotool dunst dbus-x11 x11-utils libxcb-cursor0 libxcb-icccm4 libxcb-image0
      libxcb-keysyms1 libxcb-render-util0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1
      libdbus-1-3 fonts-dejavu-core postgresql)
# reminders: plyer's notify-send path, dbus-send/dbus-monitor, X11 idle time (libXss)
need+=(libnotify-bin dbus-bin libxss1 imagemagick)
# Do Not Disturb (tests/e2e/test_dnd_*): dunstctl (in dunst), XFCE's xfconfd + xfconf-query,
# GNOME's schema and the gsettings tool (run on GSettings' keyfile backend)
need+=(xfconf libxfconf-0-3 libglib2.0-bin gsettings-desktop-schemas)
# ... and mako (mako-notifier, with makoctl), drawn on a headless sway (wlroots)
need+=(mako-notifier sway)
# packaging: validators, icons, strip
need+=(desktop-file-utils appstream librsvg2-bin binutils file)
missing=()
for pkg in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "install these packages by hand: ${missing[*]}" >&2; exit 0
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
