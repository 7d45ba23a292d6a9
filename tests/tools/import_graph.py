# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print the import graph of plugins/ floor by floor and check its two rules.

Rules: no import cycle (imports inside functions count), and no file imports a workflow file
except the plugins that run it. A workflow file is one state or read of the modules (see
WORKFLOWS); everything a second workflow needs belongs on a floor below both.

    python tests/tools/import_graph.py [--root DIR]

Exit status 1 when a rule is broken. The ``tools`` session runs it through test_import_graph.py.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path
from typing import Dict, List, Set

PREFIX = "ansible_collections.ozonetel.cloudagent.plugins."
WORKFLOWS = {"module_utils._absent", "module_utils._present", "module_utils._info"}
WORKFLOW_USERS = {"module_utils._module_runner"}


def import_graph(plugins: Path) -> Dict[str, Set[str]]:
    """``{"module_utils._client": {"module_utils._errors", ...}, ...}`` for every file under plugins/."""
    graph = {}
    for path in sorted(plugins.rglob("*.py")):
        if path.name == "__init__.py":
            continue
        name = ".".join(path.relative_to(plugins).with_suffix("").parts)
        graph[name] = _imports(ast.parse(path.read_text(encoding="utf-8")))
    return graph


def _imports(tree: ast.AST) -> Set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PREFIX):
            found.add(node.module[len(PREFIX) :])
        elif isinstance(node, ast.Import):
            found.update(alias.name[len(PREFIX) :] for alias in node.names if alias.name.startswith(PREFIX))
    return found


def floors(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Files grouped by height: floor 0 imports nothing of ours, floor n imports floors below n only."""
    height: Dict[str, int] = {}
    remaining = dict(graph)
    while remaining:
        ready = [name for name, needs in remaining.items() if all(need in height for need in needs if need in graph)]
        if not ready:
            break
        for name in ready:
            height[name] = 1 + max((height[need] for need in graph[name] if need in graph), default=-1)
            del remaining[name]
    floors = max(height.values(), default=-1) + 1
    return [sorted(name for name, level in height.items() if level == floor) for floor in range(floors)]


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    found, done, path = [], set(), []

    def visit(name: str) -> None:
        if name in path:
            found.append(path[path.index(name) :] + [name])
            return
        if name in done or name not in graph:
            return
        path.append(name)
        for need in sorted(graph[name]):
            visit(need)
        path.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)
    return found


def workflow_imports(graph: Dict[str, Set[str]]) -> List[str]:
    """Imports of a workflow file by anything but a module, the lookup or the module runner."""
    return [
        f"{name} imports the workflow {need}"
        for name, needs in sorted(graph.items())
        for need in sorted(needs & WORKFLOWS)
        if name.startswith("module_utils.") and name not in WORKFLOW_USERS
    ]


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2], help="collection root")
    graph = import_graph(parser.parse_args(argv).root / "plugins")
    placed = set()
    for level, names in enumerate(floors(graph)):
        print(f"floor {level}:")
        for name in names:
            print(f"  {name} -> {', '.join(sorted(graph[name])) or '-'}")
        placed.update(names)
    for name in sorted(set(graph) - placed):
        print(f"on no floor (in or above a cycle): {name} -> {', '.join(sorted(graph[name]))}")
    problems = [" -> ".join(cycle) for cycle in cycles(graph)] + workflow_imports(graph)
    for problem in problems:
        print(f"BROKEN: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
