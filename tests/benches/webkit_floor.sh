#!/usr/bin/env bash
# The memory floor of any WebKitGTK app on this machine: a bare GTK window with one WebKitGTK
# webview showing a one-line page (no Tauri, no Steward), under the same Xvfb as the footprint
# benchmark. Prints PSS summed over the UI, web and network processes, like
# tests/benches/footprint.rs does for Steward, so the two can be compared.
#
#   sudo apt-get install python3-gi gir1.2-webkit2-4.1   # once
#   tests/benches/webkit_floor.sh                        # FLOOR_WAIT=15 seconds before reading
#   WEBKIT_DISABLE_DMABUF_RENDERER=1 tests/benches/webkit_floor.sh
set -euo pipefail

page="$(mktemp --suffix=.py)"
trap 'rm -f "$page"' EXIT
cat >"$page" <<'PY'
import gi
gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2
window = Gtk.Window()
window.set_default_size(1200, 800)
view = WebKit2.WebView()
window.add(view)
view.load_html("<html><body><h1>Hello</h1></body></html>", "about:blank")
window.connect("destroy", Gtk.main_quit)
window.show_all()
Gtk.main()
PY

xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- /usr/bin/python3 "$page" >/dev/null 2>&1 &
sleep "${FLOOR_WAIT:-15}"
ui="$(pgrep -f "^/usr/bin/python3 $page" | head -n1)"
total=0
parts=""
for pid in "$ui" $(pgrep -P "$ui"); do
  pss="$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")"
  total=$((total + pss))
  parts="$parts $(cat "/proc/$pid/comm")=$((pss / 1024))MB"
done
echo "WebKitGTK floor: $((total / 1024)) MB PSS ($parts )"
kill "$ui"
wait
