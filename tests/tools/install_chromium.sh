#!/usr/bin/env bash
# Prints the path of a headless-capable Chromium for the docsite session, installing Debian's
# `chromium` quietly when none is there (as install_redis.sh does for redis-server).
set -euo pipefail

find_browser() {
    local candidate
    for candidate in chromium chromium-browser google-chrome-stable google-chrome; do
        if command -v "$candidate" >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

if find_browser; then
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
find_browser
