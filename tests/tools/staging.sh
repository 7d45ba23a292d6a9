# shellcheck shell=bash
# Helpers shared by gates.sh and demo.sh (sourced, not executed).
#
# ansible-test only accepts a collection whose *physical* path ends in
# ansible_collections/<namespace>/<name> (a symlink is resolved and rejected), so the
# collection is copied into a staging tree outside the repository, fresh on every run.

# stage_root_for REPO_ROOT: the staging root for one checkout (stable per repository path).
stage_root_for() {
    local repo_root=$1 tmp_base hash
    tmp_base=$(mkdir -p "${TMPDIR:-/tmp}" && cd -P "${TMPDIR:-/tmp}" && pwd)
    hash=$(printf '%s' "$repo_root" | sha256sum | cut -c1-12)
    echo "$tmp_base/ozonetel-cloudagent-$hash"
}

STAGE_ROOT=$(stage_root_for "${REPO_ROOT:?set REPO_ROOT before sourcing staging.sh}")
STAGED_COLLECTION="$STAGE_ROOT/ansible_collections/ozonetel/cloudagent"
# ansible-test's virtual environment for `units --venv`; kept between runs because
# rebuilding it costs a PyPI round trip every time.
UNITS_VENV_SUBDIR=tests/output/.tmp/delegation

# clear_staged_collection: remove everything staged except ansible-test's units venv.
clear_staged_collection() {
    local keep="$STAGED_COLLECTION/$UNITS_VENV_SUBDIR" parked="$STAGE_ROOT/parked-delegation"
    rm -rf "$parked"
    if [[ -d "$keep" ]]; then
        mv "$keep" "$parked"
    fi
    rm -rf "$STAGED_COLLECTION"
    mkdir -p "$STAGED_COLLECTION"
    if [[ -d "$parked" ]]; then
        mkdir -p "$(dirname "$keep")"
        mv "$parked" "$keep"
    fi
}

# stage_collection REPO_ROOT: copy tracked and untracked-but-not-ignored files into the stage.
stage_collection() {
    local repo_root=$1
    clear_staged_collection
    (cd "$repo_root" &&
        git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' path; do
            # skip files deleted from the work tree but still in the index
            if [[ -e "$path" || -L "$path" ]]; then printf '%s\0' "$path"; fi
        done |
        tar --null --no-recursion -T - -cf - |
        tar -xf - -C "$STAGED_COLLECTION")
}

# install_pip_bootstrap: give ansible-test a pip bootstrap it need not download (see docs/maintainers/toolchain.md).
# ansible-test asks for get_pip_<X_Y>.py where X.Y is the pip version it pins for its venvs.
install_pip_bootstrap() {
    local pip_version target
    pip_version=$(python -c "
from types import SimpleNamespace
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(SimpleNamespace(version='${TEST_PYTHON:-3.11}'))['pip'])")
    target="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
    if [[ ! -f "$target" ]]; then
        mkdir -p "$(dirname "$target")"
        cp "$REPO_ROOT/tests/tools/get_pip.py" "$target"
        echo "installed pip bootstrap for pip $pip_version: $target"
    fi
}

# lock_stage: serialise runs that share this staging tree (e.g. `make test` and `make demo`
# started from the same checkout); a second run waits instead of wiping the first one's files.
lock_stage() {
    command -v flock >/dev/null || return 0
    mkdir -p "$(dirname "$STAGE_ROOT")"
    exec 9>"$STAGE_ROOT.lock"
    if ! flock -n 9; then
        echo "waiting for another run that uses $STAGE_ROOT ..."
        flock -w 1800 9 || { echo "ERROR: $STAGE_ROOT is still locked after 30 minutes" >&2; return 1; }
    fi
}
