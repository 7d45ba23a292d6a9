# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Place tests/tools/get_pip.py where ansible-test looks for its pip bootstrap, when it is missing.

ansible-test creates its virtual environments with a ``get-pip.py`` that it downloads from a host
that is not a package registry. It first reads ``~/.ansible/test/cache/get_pip_<X_Y>.py``, where
X.Y is the pip version it pins, so a copy of tests/tools/get_pip.py placed there makes sanity and
units work offline (docs/maintainers/toolchain.md). Run with the python that has ansible-test
installed; an existing file is never replaced.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

from ansible_test._internal.python_requirements import get_venv_packages

PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
SOURCE = Path(__file__).resolve().parent / "get_pip.py"
CACHE = Path.home() / ".ansible" / "test" / "cache"


def pinned_pip_versions() -> set[str]:
    """Every pip version this ansible-test pins for the Pythons it may create a venv for."""
    return {get_venv_packages(SimpleNamespace(version=python))["pip"] for python in PYTHONS}


def main() -> int:
    for version in sorted(pinned_pip_versions()):
        target = CACHE / ("get_pip_%s.py" % version.replace(".", "_"))
        if not target.exists():
            CACHE.mkdir(parents=True, exist_ok=True)
            # copy, then rename: a session running in parallel never reads a half-written file
            partial = target.with_name("%s.%d.partial" % (target.name, os.getpid()))
            shutil.copyfile(SOURCE, partial)
            os.replace(partial, target)
            print("installed pip bootstrap for pip %s: %s" % (version, target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
