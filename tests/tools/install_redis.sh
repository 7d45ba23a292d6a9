#!/usr/bin/env bash
# Installs Debian's redis-server quietly when it is missing; the Redis token store tests start it themselves.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1 || [[ -x /usr/bin/redis-server ]]; then
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
# The package starts a system-wide service; the tests run their own servers and do not need it.
if command -v systemctl >/dev/null 2>&1; then
    $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
fi
redis-server --version
