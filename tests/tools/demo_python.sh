#!/usr/bin/env bash
# Print the interpreter `make demo` builds its venv with: $PYTHON when it is 3.10 or later (what
# ansible-core 2.16+ needs on the controller), else the newest python3.1X on PATH. With only
# Python 3.9 there is no controller Python: say so instead of installing an unsupported ansible-core.
set -euo pipefail
is_controller_python() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null
}
for candidate in "${PYTHON:-python3}" python3.13 python3.12 python3.11 python3.10; do
    if is_controller_python "$candidate"; then
        command -v "$candidate"
        exit 0
    fi
done
echo "make demo: ansible-core 2.16+ needs Python 3.10 or later on the controller; found only" \
    "$("${PYTHON:-python3}" -V 2>&1). Install Python 3.10+ (the modules still run on 3.9 managed nodes)." >&2
exit 1
