#!/usr/bin/env bash
# `make demo`: run docs/examples/demo.yml against the bundled CloudAgent emulator three times —
# check mode with diff, for real with diff, then again to show the delete is idempotent.
# The emulator is always stopped, whatever happens.
set -euo pipefail

REPO_ROOT=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV=${VENV:-$REPO_ROOT/.venv}
PLAYBOOK="$REPO_ROOT/docs/examples/demo.yml"
DEMO_USER=demo_user
DEMO_API_KEY=FAKE-DEMO-API-KEY-0001
DEMO_ROWS=1-40

export PATH="$VENV/bin:$PATH"

WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ozonetel-demo.XXXXXX")
EMULATOR_PID=""
BASE_URL=""

cleanup() {
    if [[ -n "$EMULATOR_PID" ]] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
        kill "$EMULATOR_PID" 2>/dev/null || true
        wait "$EMULATOR_PID" 2>/dev/null || true
        echo "demo: emulator stopped"
    fi
    rm -rf "$WORK_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_emulator: start it on a free port; set BASE_URL once it listens.
start_emulator() {
    local log="$WORK_DIR/emulator.log"
    PYTHONPATH="$REPO_ROOT/tests/emulator" python -m cloudagent_emulator --port 0 --rows "$DEMO_USER:$DEMO_ROWS" \
        >"$log" 2>&1 &
    EMULATOR_PID=$!
    for _attempt in $(seq 1 100); do
        BASE_URL=$(sed -n 's#^CloudAgent emulator listening on \(http://[^ ]*\).*#\1#p' "$log" | head -n 1)
        if [[ -n "$BASE_URL" ]]; then
            return 0
        fi
        if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    cat "$log" >&2
    echo "demo: the emulator did not start (see its output above)" >&2
    return 1
}

# run_playbook TITLE EXPECTED_CHANGED [ansible-playbook options]: run the demo and check its recap.
run_playbook() {
    local title=$1 expected_changed=$2 output="$WORK_DIR/playbook.out" recap
    shift 2
    echo
    echo "=== demo: $title (ansible-playbook $*) ==="
    ansible-playbook "$PLAYBOOK" "$@" 2>&1 | tee "$output"
    recap=$(grep -E '^localhost +:' "$output" | tail -n 1)
    if [[ "$recap" != *" changed=$expected_changed "* ]]; then
        echo "demo: expected changed=$expected_changed in this run, got: $recap" >&2
        return 1
    fi
}

# link_collection: a collections root holding this checkout as ozonetel.cloudagent
link_collection() {
    mkdir -p "$WORK_DIR/collections/ansible_collections/ozonetel"
    ln -s "$REPO_ROOT" "$WORK_DIR/collections/ansible_collections/ozonetel/cloudagent"
}

main() {
    link_collection
    start_emulator
    echo "demo: emulator at $BASE_URL with rows $DEMO_ROWS for $DEMO_USER"

    mkdir -p "$WORK_DIR/ansible-local" "$WORK_DIR/ansible-remote"
    export OZONETEL_BASE_URL="$BASE_URL" OZONETEL_USERNAME="$DEMO_USER" OZONETEL_API_KEY="$DEMO_API_KEY"
    export OZONETEL_TOKEN_CACHE="$WORK_DIR/tokens.json"
    export ANSIBLE_COLLECTIONS_PATH="$WORK_DIR/collections" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
    export ANSIBLE_LOCAL_TEMP="$WORK_DIR/ansible-local" ANSIBLE_REMOTE_TMP="$WORK_DIR/ansible-remote"
    # the demo targets the implicit localhost; no inventory is needed
    export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false

    run_playbook "1/3 check mode: predicts the change, deletes nothing" 1 --check --diff
    run_playbook "2/3 real run: deletes the rows" 1 --diff
    run_playbook "3/3 rerun: nothing left to delete, changed=0" 0 --diff
    echo
    echo "demo: passed (check mode predicted the change, the real run deleted, the rerun changed nothing)"
}

main "$@"
