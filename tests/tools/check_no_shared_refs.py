# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fail when a file of the repository refers to notes that are not part of it.

The project's own pages are docs/maintainers/api-notes.md and docs/maintainers/toolchain.md;
references to planning notes kept outside the repository would point readers nowhere.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# Built from pieces, so that this file does not match itself.
FORBIDDEN = re.compile("|".join([r"interface\.md", r"ozonetel-api\.md", "TOOL" + "CHAIN", r"\.\./" + "shared"]))


def tracked_files() -> list[str]:
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    ).stdout
    return [name for name in listing.decode("utf-8").split("\0") if name]


def main() -> int:
    found = []
    for name in tracked_files():
        path = REPO_ROOT / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if FORBIDDEN.search(line):
                found.append("%s:%d: %s" % (name, number, line.strip()))
    for entry in found:
        print(entry)
    if found:
        print("%d reference(s) to notes outside the repository: carry the facts into docs/maintainers/" % len(found))
        return 1
    print("no file refers to notes outside the repository")
    return 0


if __name__ == "__main__":
    sys.exit(main())
