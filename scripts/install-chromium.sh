#!/bin/sh
# Install Debian's chromium for the report page's browser test (test/report), when it is missing.
# Always exits 0: without chromium the browser test is reported as skipped, not failed.
# Usage: scripts/install-chromium.sh        (as root, or with passwordless sudo)
set -u

if [ -x /usr/bin/chromium ]; then
  echo "install-chromium: /usr/bin/chromium is already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no apt-get here; the browser test will be skipped"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "install-chromium: not root and no passwordless sudo; the browser test will be skipped"
    exit 0
  fi
fi

log="${TMPDIR:-/tmp}/install-chromium.$$.log"
echo "install-chromium: installing Debian's chromium with apt-get (log: $log)"
if $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 &&
   $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >>"$log" 2>&1 &&
   [ -x /usr/bin/chromium ]; then
  echo "install-chromium: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
  rm -f "$log"
else
  echo "install-chromium: could not install chromium (see $log); the browser test will be skipped"
  tail -n 5 "$log" 2>/dev/null | sed 's/^/  /'
fi
exit 0
