#!/usr/bin/env bash
# What the browser tests need: Debian's chromium (Playwright's own download does
# not work offline) and axe-core from the npm registry (the accessibility audit
# injects its axe.min.js into each page). Idempotent; chromium needs root or sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# axe-core goes beside the venv (not committed); tests/test_a11y.py finds it there.
AXE_VERSION=4.14.1
AXE_DIR=.venv/axe
if [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ] \
   || ! grep -q "\"version\": \"$AXE_VERSION\"" "$AXE_DIR/node_modules/axe-core/package.json"; then
    if ! command -v npm >/dev/null; then
        SUDO=""
        [ "$(id -u)" = 0 ] || SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq npm >/dev/null
    fi
    mkdir -p "$AXE_DIR"
    npm install --silent --no-audit --no-fund --prefix "$AXE_DIR" "axe-core@$AXE_VERSION" >/dev/null
fi
