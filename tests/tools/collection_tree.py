# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Copy the collection into an ``ansible_collections/ozonetel/cloudagent`` tree, as Ansible's tools want it.

ansible-test, ansible-builder and the mutation runner need the collection under that physical path (a
symlink is resolved and refused), and only the files git knows of (tracked, or untracked and not ignored).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def copy_collection(collections_root: Path) -> Path:
    """Copy the collection to ``collections_root/ansible_collections/ozonetel/cloudagent`` and return that path."""
    staged = collections_root / "ansible_collections" / "ozonetel" / "cloudagent"
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    for relative in files:
        if (REPO_ROOT / relative).is_file():
            (staged / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / relative, staged / relative)
    return staged
