#!/usr/bin/env bash
# The "browser executable" Playwright or Puppeteer launches for a browser on a side of its own
# (side-browsers.ts): it runs the real browser ($WEBRTC_CONNECT_SIDE_BROWSER) inside the side's
# nested network namespace (that of pid $WEBRTC_CONNECT_SIDE_PID, see side-netns.ts). Chromium
# is driven over a pipe, which needs no network. Firefox's WebDriver BiDi socket listens on the
# side's loopback, out of the test's reach: side-bidi-relay.js runs Firefox and relays it.
set -euo pipefail
: "${WEBRTC_CONNECT_SIDE_PID:?}" "${WEBRTC_CONNECT_SIDE_BROWSER:?}"
if [[ ${WEBRTC_CONNECT_SIDE_RELAY:-} == 1 ]]; then
  exec node "$(dirname "${BASH_SOURCE[0]}")/side-bidi-relay.js" "$@"
fi
exec nsenter -t "$WEBRTC_CONNECT_SIDE_PID" -n -- "$WEBRTC_CONNECT_SIDE_BROWSER" "$@"
