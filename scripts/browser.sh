#!/usr/bin/env bash
# Debian's chromium for the browser tests (tests/browser), installed once; Playwright drives
# it at /usr/bin/chromium and never downloads a browser of its own. Idempotent.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
