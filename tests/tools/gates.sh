#!/usr/bin/env bash
# Runs the quality gates of the collection, fastest first, and stops at the first failure.
#
#   tests/tools/gates.sh              every gate (what `make test` runs)
#   tests/tools/gates.sh units docs   only the named gates (staging is added when needed)
#
# Gates: changelog stage lint sanity units docs build ee integration
# The last line printed is always the test summary read from the JUnit files of units and
# integration: `tests: N passed, N failed[, N skipped]`.
set -euo pipefail

REPO_ROOT=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV=${VENV:-$REPO_ROOT/.venv}
TEST_PYTHON=${TEST_PYTHON:-3.11}
ALL_GATES=(changelog stage lint sanity units docs build ee integration)

# shellcheck source=tests/tools/staging.sh
source "$REPO_ROOT/tests/tools/staging.sh"

export PATH="$VENV/bin:$PATH" VIRTUAL_ENV="$VENV"
export ANSIBLE_NOCOLOR=1 PY_COLORS=0 NO_COLOR=1 ANSIBLE_FORCE_COLOR=0
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1

RUN_DIR="$STAGE_ROOT/run"
JUNIT_DIR="$RUN_DIR/junit"
SKIPPED_GATES=()
CURRENT_GATE=""

fail() {
    echo "ERROR: $*" >&2
    return 1
}

# --- gates -----------------------------------------------------------------------------------

gate_changelog() {
    (cd "$REPO_ROOT" && antsibull-changelog lint)
}

gate_stage() {
    stage_collection "$REPO_ROOT"
    rm -rf "$RUN_DIR"
    mkdir -p "$RUN_DIR" "$JUNIT_DIR" "$RUN_DIR/ansible-tmp/local" "$RUN_DIR/ansible-tmp/remote"
    # keep ansible's temporary files of every later gate out of ~/.ansible/tmp (see docs/maintainers/toolchain.md)
    export ANSIBLE_LOCAL_TEMP="$RUN_DIR/ansible-tmp/local" ANSIBLE_REMOTE_TMP="$RUN_DIR/ansible-tmp/remote"
    echo "staged $(find "$STAGED_COLLECTION" -path "$STAGED_COLLECTION/tests/output" -prune -o -type f -print | wc -l) files in $STAGED_COLLECTION"
}

gate_lint() {
    # ansible-lint puts $ANSIBLE_HOME/collections first on the collection path; an empty home
    # keeps a stale installed copy from shadowing the collection under test.
    mkdir -p "$STAGE_ROOT/lint-home"
    (cd "$REPO_ROOT" &&
        ANSIBLE_HOME="$STAGE_ROOT/lint-home" ANSIBLE_COLLECTIONS_PATH="$STAGE_ROOT" ansible-lint --offline)
}

gate_sanity() {
    install_pip_bootstrap
    (cd "$STAGED_COLLECTION" && ansible-test sanity --python "$TEST_PYTHON" --color no)
}

gate_units() {
    install_pip_bootstrap
    rm -rf "$STAGED_COLLECTION/tests/output/junit"
    # --venv --requirements: ansible-test builds its own venv and installs its pytest plugins
    # plus tests/unit/requirements.txt from PyPI; the dev venv stays untouched.
    (cd "$STAGED_COLLECTION" &&
        ansible-test units --python "$TEST_PYTHON" --venv --requirements --color no)
    local reports=("$STAGED_COLLECTION"/tests/output/junit/*units*.xml)
    [[ -e "${reports[0]}" ]] || fail "ansible-test units wrote no JUnit report: no unit test ran"
    cp "${reports[@]}" "$JUNIT_DIR/"
    python "$REPO_ROOT/tests/tools/junit_summary.py" --require-tests "${reports[@]}" >/dev/null ||
        fail "no unit test ran (ansible-test units treats 'nothing collected' as success)"
}

gate_docs() {
    (cd "$STAGED_COLLECTION" &&
        ANSIBLE_COLLECTIONS_PATH="$STAGE_ROOT" antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs --validate-collection-refs all --disallow-unknown-collection-refs .)
}

gate_build() {
    local build_dir="$RUN_DIR/build" importer_dir="$RUN_DIR/importer"
    rm -rf "$build_dir" "$importer_dir"
    mkdir -p "$build_dir" "$importer_dir/tmp" "$importer_dir/ansible-tmp"
    (cd "$STAGED_COLLECTION" && ansible-galaxy collection build --output-path "$build_dir")
    local tarball
    tarball=$(find "$build_dir" -name 'ozonetel-cloudagent-*.tar.gz' | head -n 1)
    [[ -n "$tarball" ]] || fail "ansible-galaxy built no tarball"
    check_tarball_contents "$tarball"
    run_importer "$tarball" "$importer_dir"
}

check_tarball_contents() {
    local tarball=$1 unwanted
    local pattern='(^|/)(\.venv|venv|\.tox|\.git|\.ci|\.cache|\.ansible|__pycache__|\.pytest_cache|\.hypothesis|\.mypy_cache|build|dist|output)(/|$)|\.py[co]$|\.tar\.gz$|(^|/)(Makefile|\.ansible-lint|\.gitignore)$'
    unwanted=$(tar -tzf "$tarball" | sed 's#^\./##' | grep -E "$pattern" || true)
    if [[ -n "$unwanted" ]]; then
        while IFS= read -r entry; do echo "  unwanted in tarball: $entry"; done <<<"$unwanted" >&2
        fail "$(basename "$tarball") contains files that are not part of the product (fix build_ignore in galaxy.yml)"
    fi
    echo "tarball $(basename "$tarball"): $(tar -tzf "$tarball" | wc -l) entries, none unwanted"
}

run_importer() {
    local tarball=$1 workdir=$2 log="$2/importer.log" status=0
    # Never RUN_ANSIBLE_TEST: it needs a container engine. The importer exits 0 even when its
    # ansible-lint step finds violations, so every WARNING/ERROR line counts as a failure.
    (cd "$workdir" &&
        GALAXY_IMPORTER_RUN_ANSIBLE_TEST=false GALAXY_IMPORTER_OFFLINE_ANSIBLE_LINT=true \
            GALAXY_IMPORTER_TMP_ROOT_DIR="$workdir/tmp" GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP="$workdir/ansible-tmp" \
            python -m galaxy_importer.main "$tarball" >"$log" 2>&1) || status=$?
    cat "$log"
    [[ $status -eq 0 ]] || fail "galaxy-importer exited with status $status"
    if grep -Eq '^(WARNING|ERROR)' "$log"; then
        grep -E '^(WARNING|ERROR)' "$log" >&2
        fail "galaxy-importer reported warnings or errors (see above)"
    fi
}

gate_ee() {
    local introspection
    introspection=$(ansible-builder introspect --sanitize "$STAGE_ROOT")
    echo "$introspection"
    grep -Eq "^[[:space:]]*-[[:space:]]+'?requests([^A-Za-z0-9_.-]|$)" <<<"$introspection" ||
        fail "ansible-builder introspect does not list 'requests' (requirements.txt / meta/execution-environment.yml)"
    local ee_file=docs/execution-environment.yml
    if [[ ! -f "$STAGED_COLLECTION/$ee_file" ]]; then
        echo "SKIPPED: ansible-builder create: $ee_file does not exist yet"
        SKIPPED_GATES+=("ee-create ($ee_file missing)")
        return 0
    fi
    (cd "$STAGED_COLLECTION" &&
        ansible-builder create -f "$ee_file" --context "$RUN_DIR/ee-context" --output-filename Containerfile)
}

gate_integration() {
    local tmp="$RUN_DIR/integration-tmp" status=0
    rm -rf "$tmp"
    mkdir -p "$tmp/ansible-local" "$tmp/ansible-remote" "$tmp/xdg-cache"
    (cd "$STAGED_COLLECTION" &&
        ANSIBLE_LOCAL_TEMP="$tmp/ansible-local" ANSIBLE_REMOTE_TMP="$tmp/ansible-remote" \
            ANSIBLE_COLLECTIONS_PATH="$STAGE_ROOT" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
            XDG_CACHE_HOME="$tmp/xdg-cache" \
            python -m pytest -p no:cacheprovider -p no:pytest-ansible tests/integration -q \
            --basetemp="$tmp/pytest" --junitxml="$JUNIT_DIR/integration.xml") || status=$?
    if [[ $status -eq 5 ]]; then
        fail "pytest collected NO integration tests (exit status 5) - an empty suite is a failure"
    fi
    [[ $status -eq 0 ]] || fail "integration tests failed (pytest exit status $status)"
}

# --- driver ----------------------------------------------------------------------------------

gates_needing_stage() {
    case $1 in
    lint | sanity | units | docs | build | ee | integration) return 0 ;;
    *) return 1 ;;
    esac
}

run_gate() {
    local name=$1 started=$SECONDS
    CURRENT_GATE=$name
    echo "=== gate $name ==="
    "gate_$name"
    echo "=== gate $name: passed in $((SECONDS - started)) s ==="
    CURRENT_GATE=""
}

print_summary() {
    local status=$?
    set +e
    if [[ -n "$CURRENT_GATE" ]]; then
        echo "=== gate $CURRENT_GATE: FAILED ==="
    fi
    if [[ ${#SKIPPED_GATES[@]} -gt 0 ]]; then
        echo "skipped: ${SKIPPED_GATES[*]}"
    fi
    python "$REPO_ROOT/tests/tools/junit_summary.py" "$JUNIT_DIR"/*.xml
    exit "$status"
}

main() {
    local requested=("$@") gate
    [[ ${#requested[@]} -gt 0 ]] || requested=("${ALL_GATES[@]}")
    for gate in "${requested[@]}"; do
        declare -F "gate_$gate" >/dev/null || fail "unknown gate '$gate' (known: ${ALL_GATES[*]})"
    done
    if [[ ! " ${requested[*]} " =~ " stage " ]]; then
        for gate in "${requested[@]}"; do
            if gates_needing_stage "$gate"; then
                requested=(stage "${requested[@]}")
                break
            fi
        done
    fi
    lock_stage
    rm -rf "$JUNIT_DIR"
    trap print_summary EXIT
    for gate in "${requested[@]}"; do
        run_gate "$gate"
    done
}

# run only when executed, so the functions can be sourced for testing
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
