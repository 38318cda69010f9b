#!/usr/bin/env bash
# Debian's Chromium for the real-browser test (tests/browser), driven by Playwright through
# executable_path. Idempotent: does nothing when /usr/bin/chromium is already there.
# Never `playwright install`: browser downloads are impossible here, and Debian's build works
# (see the recipe in the shared notes on browser testing).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "setup-browser.sh: /usr/bin/chromium is missing and installing it needs root (apt-get)" >&2
    exit 1
fi
apt-get update
# fonts-liberation: without it, text in the screenshots falls back to odd fonts.
DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-liberation
/usr/bin/chromium --version
