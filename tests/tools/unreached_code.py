# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""List the functions and classes of plugins/ that no code of plugins/ names: code only tests reach.

A definition counts as reached when plugins/ uses its name anywhere outside an import line: called,
passed, read as an attribute, or named in a string (getattr, argument specs). Ansible finds the entry
points itself (ENTRY_POINTS), so they are never listed.

    python tests/tools/unreached_code.py [--root DIR]

Exit status 1 when something is listed. The ``tools`` session runs it through test_unreached_code.py.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path
from typing import Dict, List, Set

ENTRY_POINTS = {"LookupModule", "ModuleDocFragment", "main"}


def definitions_and_uses(plugins: Path) -> tuple:
    defined: Dict[str, List[str]] = {}
    used: Set[str] = set()
    for path in sorted(plugins.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.setdefault(node.name, []).append("%s:%d" % (path.relative_to(plugins.parent), node.lineno))
            elif isinstance(node, ast.Name):
                used.add(node.id)
            elif isinstance(node, ast.Attribute):
                used.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
                used.add(node.value)
    return defined, used


def unreached(plugins: Path) -> List[str]:
    defined, used = definitions_and_uses(plugins)
    return sorted(
        "%s %s" % (where, name)
        for name, places in defined.items()
        if name not in used and name not in ENTRY_POINTS and not name.startswith("__")
        for where in places
    )


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    found = unreached(parser.parse_args(argv).root / "plugins")
    for line in found:
        print("unreached: %s" % line)
    print("%d definition(s) of plugins/ that no code of plugins/ names" % len(found))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
