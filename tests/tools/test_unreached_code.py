# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugins/ holds no function or class that only tests reach, and the checker finds one when there is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "unreached_code.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False)


def write_plugin(root: Path, name: str, text: str) -> None:
    path = root / "plugins" / "module_utils" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_every_definition_of_the_collection_is_reached_from_plugins():
    result = run()
    assert result.returncode == 0, result.stdout
    assert result.stdout == "0 definition(s) of plugins/ that no code of plugins/ names\n"


def test_a_function_only_imported_is_listed_and_one_called_is_not(tmp_path):
    write_plugin(tmp_path, "_low.py", "def used():\n    pass\n\n\nclass Lonely:\n    pass\n")
    write_plugin(tmp_path, "_high.py", "from x._low import Lonely, used\n\nused()\n")
    result = run("--root", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "unreached: plugins/module_utils/_low.py:5 Lonely",
        "1 definition(s) of plugins/ that no code of plugins/ names",
    ]


def test_a_method_named_as_an_attribute_or_in_a_string_counts_as_reached(tmp_path):
    write_plugin(
        tmp_path,
        "_one.py",
        "class Thing:\n    def read(self):\n        pass\n\n    def hook(self):\n        pass\n\n\n"
        "def main():\n    Thing().read()\n    getattr(Thing(), 'hook')\n",
    )
    result = run("--root", str(tmp_path))
    assert result.returncode == 0, result.stdout
