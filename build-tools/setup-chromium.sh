#!/usr/bin/env bash
# Debian's chromium for the HTML report test (playwright-core drives it; it never downloads a browser).
# Idempotent: does nothing when /usr/bin/chromium exists. Needs root (or sudo) and Debian's package index.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "setup:chromium: /usr/bin/chromium is missing and this user cannot install packages;" \
    "run 'sudo apt-get install -y chromium' once, then the tests again." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "setup:chromium: installing Debian's chromium (once)" >&2
if ! $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
/usr/bin/chromium --version >&2
