#!/usr/bin/env bash
# Installs Chromium for the real-browser test (npm run test:browser: puppeteer-core drives
# /usr/bin/chromium). Idempotent: a no-op when the binary is already there (Debian's package, or the
# Chromium that GitHub's Ubuntu runner images link at /usr/bin/chromium), so CI can call it before
# every run. Debian's `chromium` package is used; on Ubuntu the package of that name is only a
# transitional one that installs a snap, which is why an existing binary is preferred.
set -euo pipefail

CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "${CHROMIUM_PATH}" ]; then
  echo "chromium already installed: $("${CHROMIUM_PATH}" --version 2>/dev/null || echo "${CHROMIUM_PATH}")"
  exit 0
fi

# Without the recommended desktop services (udev, upower, a notification daemon, printer settings), but
# with the fonts they would bring, so the screenshots show text.
bash "$(dirname "$0")/apt-install.sh" chromium fonts-liberation

if [ ! -x "${CHROMIUM_PATH}" ]; then
  echo "install-chromium.sh: the chromium package did not provide ${CHROMIUM_PATH}; set CHROMIUM_PATH" >&2
  exit 1
fi
echo "chromium installed: $("${CHROMIUM_PATH}" --version)"
