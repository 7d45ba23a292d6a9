# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mutation testing of the pure domain files of plugins/module_utils, each against its own unit tests.

Usage (in a venv with mutmut 3, pytest and tests/unit/requirements.txt; ``nox -s mutation`` makes one):

    python tests/tools/mutation.py [--max-mutants N] [--timeout S] [--seed N] [FILE ...]

FILE is a file name of TARGETS (default: all of them). The mutants are mutmut 3's own (its mutation
operators, ``mutmut.mutation.file_mutation.create_mutations``); this script runs them itself because
``mutmut run`` imports the code from ``mutants/<path>``, which cannot match the collection's import
name ``ansible_collections.ozonetel.cloudagent...``, and it has no sampling. Here the collection is
copied to a staging tree ``<tmp>/ansible_collections/ozonetel/cloudagent`` (the layout the imports
need), at most N mutants per file are drawn (seeded, so a rerun draws the same ones), and for each one
the mutated file replaces the staged one and pytest runs the file's own tests in a forked process,
killed after S seconds. A mutant is killed when the tests fail or time out, survived when they pass.

Mutants that provably change only speed are listed in tests/mutation/speed_only.txt, one a line:
``FILE || function || original line || mutated line || reason``; they are left out of the draw and the score.
Prints, per file, killed/survived/total and the kill percentage, then each survivor as file:line and
the change. Exit code 1 when a file is below --fail-under (default 0: report only).
"""

from __future__ import annotations

import argparse
import difflib
import os
import random
import re
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from collection_tree import copy_collection

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULE_UTILS = Path("plugins/module_utils")
UNIT_TESTS = Path("tests/unit/plugins/module_utils")
EXCLUSIONS = REPO_ROOT / "tests" / "mutation" / "speed_only.txt"
# each pure domain file and the unit test files that are its own
TARGETS = {
    "_rowids.py": ["test_rowids.py"],
    "_record_view.py": ["test_record_view.py"],
    "_status_stream.py": ["test_status_stream.py"],
    "_reconcile.py": ["test_reconcile.py"],
    "_selectors.py": ["test_selectors.py"],
    "_schedule_info.py": ["test_schedule_info.py"],
}


@dataclass
class Mutant:
    file: str
    function: str
    line: int
    original: str
    mutated: str
    source: str

    @property
    def key(self) -> tuple:
        return (self.file, self.function, self.original, self.mutated)

    def describe(self) -> str:
        return "%s:%d: %s  =>  %s" % (self.file, self.line, _short(self.original), _short(self.mutated))


def _short(text: str, limit: int = 150) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def stage_collection(root: Path) -> Path:
    """Copy the collection's files (tracked and untracked-not-ignored) to root/ansible_collections/ozonetel/cloudagent."""
    staged = copy_collection(root)
    # mutmut reads its configuration from the current directory and insists on knowing the sources
    (staged / "setup.cfg").write_text("[mutmut]\nsource_paths=%s\n" % MODULE_UTILS, encoding="utf-8")
    return staged


def mutants_of(file: str, source: str) -> list:
    """Every mutant mutmut 3 makes of one source file, as whole mutated sources."""
    from mutmut.mutation.file_mutation import create_mutations  # pylint: disable=import-outside-toplevel

    module, mutations, _classes, _functions = create_mutations(file, source)
    original_lines = source.splitlines()
    found = []
    for mutation in mutations:
        mutated = module.deep_replace(mutation.original_node, mutation.mutated_node).code
        mutated_lines = mutated.splitlines()
        matcher = difflib.SequenceMatcher(a=original_lines, b=mutated_lines, autojunk=False)
        changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
        if not changes:
            continue
        _tag, a_start, a_end, b_start, b_end = changes[0]
        found.append(
            Mutant(
                file=file,
                function=_enclosing_function(original_lines, a_start),
                line=a_start + 1,
                original=" ".join(line.strip() for line in original_lines[a_start:a_end]),
                mutated=" ".join(line.strip() for line in mutated_lines[b_start:b_end]),
                source=mutated,
            )
        )
    return found


def _enclosing_function(lines: list, index: int) -> str:
    """The name of the def a line belongs to: the same change may be speed-only in one function only."""
    indent = len(lines[index]) - len(lines[index].lstrip())
    for line in reversed(lines[: index + 1]):
        found = _DEF.match(line)
        if found and len(found.group(1)) < indent:
            return found.group(2)
    return "<module>"


_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)")


def read_exclusions(path: Path) -> dict:
    """{(file, function, original, mutated): reason} from the speed-only list; every entry needs a reason."""
    exclusions = {}
    if not path.exists():
        return exclusions
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [part.strip() for part in line.split(" || ")]
        if len(parts) != 5 or not parts[4]:
            raise SystemExit("%s:%d: expected 'FILE || function || original || mutated || reason'" % (path, number))
        exclusions[tuple(parts[:4])] = parts[4]
    return exclusions


def run_tests(test_files: list, timeout: float) -> str:
    """Run pytest on the staged test files in a forked child: 'passed', 'failed' or 'timeout'."""
    pid = os.fork()
    if pid == 0:  # the child: its own process group, quiet, pytest in-process
        os.setpgid(0, 0)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        # the staged tree's ansible_collections is imported through pytest's pythonpath option
        args = ["-x", "-q", "-p", "no:cacheprovider", "-p", "no:pytest-ansible", "--hypothesis-seed=0"]
        args += ["-o", "pythonpath=%s" % os.environ["PYTHONPATH"], *test_files]
        os._exit(int(pytest.main(args)))
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return "passed" if os.waitstatus_to_exitcode(status) == 0 else "failed"
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.02)


def mutate_file(staged: Path, file: str, tests: list, args, exclusions: dict) -> tuple:
    target = staged / MODULE_UTILS / file
    original = target.read_text(encoding="utf-8")
    test_files = [str(staged / UNIT_TESTS / name) for name in tests]
    started = time.monotonic()
    if run_tests(test_files, args.timeout * 10) != "passed":
        raise SystemExit("%s: its own tests fail without any mutant; fix them first" % file)
    baseline = time.monotonic() - started
    every = mutants_of(file, original)
    excluded = [mutant for mutant in every if mutant.key in exclusions]
    candidates = [mutant for mutant in every if mutant.key not in exclusions]
    drawn = random.Random("%s:%s" % (args.seed, file)).sample(candidates, min(args.max_mutants, len(candidates)))
    drawn.sort(key=lambda mutant: mutant.line)
    print(
        "%s: %d mutants, %d speed-only excluded, %d drawn; tests take %.1f s"
        % (file, len(every), len(excluded), len(drawn), baseline),
        flush=True,
    )
    results = {"killed": [], "timeout": [], "survived": []}
    try:
        for mutant in drawn:
            target.write_text(mutant.source, encoding="utf-8")
            outcome = run_tests(test_files, args.timeout)
            results["survived" if outcome == "passed" else "killed" if outcome == "failed" else "timeout"].append(
                mutant
            )
    finally:
        target.write_text(original, encoding="utf-8")
    return results, len(excluded)


def write_survivors(file: str, survivors: list) -> Path:
    """The survivors in the speed-only list's format, to copy from once a mutant is proven speed-only."""
    path = REPO_ROOT / "tests" / "output" / "mutation" / (file + ".survivors.txt")
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "%s || %s || %s || %s || REASON (line %d)" % (m.file, m.function, m.original, m.mutated, m.line)
        for m in survivors
    ]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def report(file: str, results: dict, excluded: int) -> float:
    killed = len(results["killed"]) + len(results["timeout"])
    total = killed + len(results["survived"])
    percent = 100.0 * killed / total if total else 100.0
    print(
        "result: %s killed %d (%d by timeout) survived %d total %d excluded %d: %.1f%% killed"
        % (file, killed, len(results["timeout"]), len(results["survived"]), total, excluded, percent),
        flush=True,
    )
    for mutant in results["survived"]:
        print("  survived %s" % mutant.describe())
    if results["survived"]:
        print("  (as speed-only entries: %s)" % write_survivors(file, results["survived"]))
    return percent


def parse_args(argv: list):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("files", nargs="*", metavar="FILE", help="one of %s (default: all)" % ", ".join(TARGETS))
    parser.add_argument("--max-mutants", type=int, default=150, help="mutants drawn per file (default 150)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per mutant before it counts as killed")
    parser.add_argument("--seed", default="0", help="seed of the draw (default 0)")
    parser.add_argument("--fail-under", type=float, default=0.0, help="exit 1 when a file kills fewer percent")
    args = parser.parse_args(argv)
    unknown = [file for file in args.files if file not in TARGETS]
    if unknown:
        parser.error("not a pure domain file: %s (choose from %s)" % (", ".join(unknown), ", ".join(TARGETS)))
    return args


def main(argv: list) -> int:
    args = parse_args(argv)
    # a mutated file must never be read back from a bytecode cache written for another mutant
    sys.dont_write_bytecode = True
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    exclusions = read_exclusions(EXCLUSIONS)
    # imported once here, so that each forked test run starts with them loaded
    import hypothesis  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import

    with tempfile.TemporaryDirectory(prefix="mutation-") as work:
        staged = stage_collection(Path(work))
        os.chdir(staged)
        os.environ["PYTHONPATH"] = work
        below = []
        for file in args.files or list(TARGETS):
            results, excluded = mutate_file(staged, file, TARGETS[file], args, exclusions)
            if report(file, results, excluded) < args.fail_under:
                below.append(file)
    if below:
        print("below %.1f%% killed: %s" % (args.fail_under, ", ".join(below)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
