#!/usr/bin/env bash
# Removes what the gates and the demo leave behind: the staging tree and local test outputs.
set -euo pipefail
REPO_ROOT=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/tools/staging.sh
source "$REPO_ROOT/tests/tools/staging.sh"
echo "removing $STAGE_ROOT and $REPO_ROOT/tests/output"
rm -rf "$STAGE_ROOT" "$STAGE_ROOT.lock" "$REPO_ROOT/tests/output"
