# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The layer rules of plugins/ hold, and the checker catches each kind of break."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "import_graph.py"
PREFIX = "ansible_collections.ozonetel.cloudagent.plugins.module_utils."


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False)


def write_tree(root: Path, imports: dict) -> Path:
    for name, needs in imports.items():
        path = root / "plugins" / "module_utils" / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"from {PREFIX}{need} import thing\n" for need in needs), encoding="utf-8")
    return root


def test_the_collection_has_no_cycle_and_no_file_below_a_workflow_imports_it():
    result = run()
    assert result.returncode == 0, result.stdout
    assert "floor 0:" in result.stdout
    assert "module_utils._errors -> -" in result.stdout


def test_a_cycle_is_reported_even_when_made_by_an_import_inside_a_function(tmp_path):
    write_tree(tmp_path, {"_low": ["_high"], "_high": []})
    (tmp_path / "plugins" / "module_utils" / "_high.py").write_text(
        f"def later():\n    from {PREFIX}_low import thing\n", encoding="utf-8"
    )
    result = run("--root", str(tmp_path))
    assert result.returncode == 1
    assert "BROKEN: module_utils._high -> module_utils._low -> module_utils._high" in result.stdout
    assert "on no floor" in result.stdout


def test_a_shared_file_importing_a_workflow_is_reported_but_the_runner_may(tmp_path):
    write_tree(
        tmp_path, {"_errors": [], "_absent": ["_errors"], "_present": ["_absent"], "_module_runner": ["_absent"]}
    )
    result = run("--root", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.count("BROKEN") == 1
    assert "BROKEN: module_utils._present imports the workflow module_utils._absent" in result.stdout


def test_floors_put_each_file_just_above_what_it_imports(tmp_path):
    write_tree(tmp_path, {"_a": [], "_b": ["_a"], "_c": ["_a", "_b"]})
    lines = run("--root", str(tmp_path)).stdout.splitlines()
    assert lines == [
        "floor 0:",
        "  module_utils._a -> -",
        "floor 1:",
        "  module_utils._b -> module_utils._a",
        "floor 2:",
        "  module_utils._c -> module_utils._a, module_utils._b",
    ]
