# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Proves that every redaction in plugins/ is needed: each one removed alone must fail a unit test.

Usage (in a venv with ansible-core, pytest and tests/unit/requirements.txt, e.g. the mutation session's):

    python tests/tools/redaction_sites.py [--list] [--timeout S] [FILE ...]

A redaction site is a call of a masking function (``REDACTORS``: ``mask_text(text, forms)`` and the like),
a ``redact=`` argument handing a masker to a reader, or a ``@_masking_errors`` decorator. Removing one
means: the call is replaced by its first argument (the text or value it would have masked), the ``redact=``
argument by ``redact=str`` (the readers' default: no masking), the decorator line by an empty line. The
collection is copied to a staging tree ``<tmp>/ansible_collections/ozonetel/cloudagent`` (the layout the
imports need); for each site the edited file replaces the staged one and pytest runs the unit tests, the
test files that import the edited module first, stopping at the first failure. A site whose removal no test
notices is reported as UNNOTICED; the exit code is 1 when there is one. FILE limits the run to those
plugins/ files (names such as ``_client.py``). ``--list`` prints the sites without running anything.
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from collection_tree import copy_collection

REPO_ROOT = Path(__file__).resolve().parents[2]
PLUGINS = Path("plugins")
UNIT_TESTS = Path("tests/unit")
# Functions and methods whose result is their first argument with secrets masked.
REDACTORS = frozenset(
    ("mask_text", "mask_value", "mask_url", "mask_password", "redact_body", "_redact", "_mask", "redact")
)
# Keyword arguments that hand a masker to a reader of answers.
REDACT_KEYWORDS = frozenset(("redact",))
# Decorators masking every error a method raises.
REDACT_DECORATORS = frozenset(("_masking_errors",))


@dataclass(frozen=True)
class Site:
    path: Path  # relative to the repository root
    line: int
    kind: str  # "call", "keyword" or "decorator"
    text: str  # the source of the redaction, as written
    start: tuple  # (line, column) where the replaced source starts
    end: tuple  # (line, column) where it ends
    replacement: str

    def describe(self) -> str:
        return "%s:%d: %s %s" % (self.path, self.line, self.kind, " ".join(self.text.split()))


def _name_of(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def find_sites(source: str, path: Path) -> list:
    """The redaction sites of one Python source, in the order they appear."""
    tree = ast.parse(source)
    sites = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name_of(node.func) in REDACTORS and node.args:
            first = ast.get_source_segment(source, node.args[0])
            sites.append(_site(source, path, node, "call", "(%s)" % first))
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in REDACT_KEYWORDS:
                    sites.append(_site(source, path, keyword.value, "keyword", "str", label="redact="))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                if _name_of(decorator) in REDACT_DECORATORS:
                    sites.append(_site(source, path, decorator, "decorator", "", label="@"))
    return sorted(sites, key=lambda site: site.start)


def _site(source: str, path: Path, node: ast.AST, kind: str, replacement: str, label: str = "") -> Site:
    start = (node.lineno, node.col_offset)
    end = (node.end_lineno, node.end_col_offset)
    if kind == "decorator":
        start = (node.lineno, node.col_offset - 1)  # the "@" too
    return Site(path, node.lineno, kind, label + ast.get_source_segment(source, node), start, end, replacement)


def without(source: str, site: Site) -> str:
    """``source`` with the redaction of ``site`` removed (the lines before it keep their numbers)."""
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line.encode("utf-8")))
    data = source.encode("utf-8")

    def position(line_col: tuple) -> int:
        return offsets[line_col[0] - 1] + line_col[1]  # ast columns are UTF-8 byte offsets

    start, end = position(site.start), position(site.end)
    replacement = site.replacement.encode("utf-8")
    if site.kind == "decorator":
        end = data.index(b"\n", end)  # the decorator's line becomes empty, its newline stays
    return (data[:start] + replacement + data[end:]).decode("utf-8")


def plugin_sites(root: Path, only: list) -> list:
    sites = []
    for path in sorted((root / PLUGINS).rglob("*.py")):
        if only and path.name not in only:
            continue
        sites += find_sites(path.read_text(encoding="utf-8"), path.relative_to(root))
    return sites


def ordered_tests(root: Path, module: Path) -> list:
    """Every unit test file, those that import ``module`` first (they fail soonest)."""
    dotted = ".".join(module.with_suffix("").parts)
    files = sorted(str(path.relative_to(root)) for path in (root / UNIT_TESTS).rglob("test_*.py"))
    importing = [name for name in files if dotted in (root / name).read_text(encoding="utf-8")]
    return importing + [name for name in files if name not in importing]


def notices(staged: Path, site: Site, timeout: float) -> bool:
    """True when a unit test fails (or the run times out) with ``site``'s redaction removed."""
    target = staged / site.path
    original = target.read_text(encoding="utf-8")
    target.write_text(without(original, site), encoding="utf-8")
    try:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:pytest-ansible"]
            + ordered_tests(staged, site.path),
            cwd=staged,
            env=dict(os.environ, PYTHONPATH=str(staged.parents[2]), PYTHONDONTWRITEBYTECODE="1"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return True
    finally:
        target.write_text(original, encoding="utf-8")
    if run.returncode not in (0, 1):
        raise SystemExit("pytest could not run the unit tests (exit %d):\n%s" % (run.returncode, run.stdout.decode()))
    return run.returncode == 1


def parse_args(argv: list) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("files", nargs="*", help="plugins/ file names to check (default: every file)")
    parser.add_argument("--list", action="store_true", help="list the sites, run nothing")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds one test run may take")
    return parser.parse_args(argv)


def main(argv: list) -> int:
    args = parse_args(argv)
    sites = plugin_sites(REPO_ROOT, args.files)
    if args.list:
        for site in sites:
            print(site.describe())
        return 0
    unnoticed = []
    with tempfile.TemporaryDirectory(prefix="redaction-sites-") as work:
        staged = copy_collection(Path(work))
        for site in sites:
            noticed = notices(staged, site, args.timeout)
            print("%s  %s" % ("noticed  " if noticed else "UNNOTICED", site.describe()), flush=True)
            if not noticed:
                unnoticed.append(site)
    print(
        "%d redaction sites, %d removals noticed by a unit test, %d unnoticed"
        % (len(sites), len(sites) - len(unnoticed), len(unnoticed))
    )
    return 1 if unnoticed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
