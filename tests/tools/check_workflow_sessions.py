# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every session `make test` runs under the full matrix is named in a workflow, so CI runs all of them.

Usage: python tests/tools/check_workflow_sessions.py WORKFLOW.yml ...   (with nox importable)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
META_SESSIONS = {"lint"}


def full_matrix_sessions() -> set:
    listing = subprocess.run(
        [sys.executable, "-m", "nox", "--list", "--json"],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "FULL_MATRIX": "true"},
    ).stdout
    return {entry["session"] for entry in json.loads(listing)} - META_SESSIONS


def named_in(text: str, session: str) -> bool:
    return re.search(r"(?<![\w.-])%s(?![\w.-])" % re.escape(session), text) is not None


def main(workflows: list) -> int:
    text = "\n".join(Path(workflow).read_text(encoding="utf-8") for workflow in workflows)
    missing = sorted(session for session in full_matrix_sessions() if not named_in(text, session))
    if missing:
        print("sessions of make test that no workflow runs: %s" % ", ".join(missing))
        return 1
    print("every session of make test runs in %s" % ", ".join(Path(workflow).name for workflow in workflows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
