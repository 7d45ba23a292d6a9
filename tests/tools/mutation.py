# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mutation testing of the pure domain files of plugins/module_utils, each against its own unit tests.

Usage (in a venv with mutmut 3, pytest and tests/unit/requirements.txt; ``nox -s mutation`` makes one):

    python tests/tools/mutation.py [--max-mutants N] [--timeout S] [--seed N] [--jobs J] [FILE ...]

FILE is one of PURE_FILES, with or without ``.py`` (default: every one that exists). The mutants are
mutmut 3's own (its mutation operators, ``mutmut.mutation.file_mutation.create_mutations``); this script
runs them itself because ``mutmut run`` imports the code from ``mutants/<path>``, which cannot match the
collection's import name ``ansible_collections.ozonetel.cloudagent...``, and it has no sampling. Here the
collection is copied to J staging trees ``<tmp>/<j>/ansible_collections/ozonetel/cloudagent`` (the layout
the imports need), at most N mutants per file are drawn (seeded, so a rerun draws the same ones), and for
each one the mutated file replaces the staged one of a free tree and pytest runs the file's own tests in a
forked process, killed after S seconds. A mutant is killed when the tests fail or time out, survived when
they pass. The tests run fastest first (by their time on the unmutated code), so most mutants are killed
by a quick test and only survivors pay for the slow property tests.

A file's own tests (``tests_of``): ``test__<name>.py``, else ``test_<name>.py`` in tests/unit/plugins/
module_utils, plus the own tests of the files ALSO_TESTED_BY names for it.

Mutants that provably change only speed, or provably nothing, are listed in tests/mutation/speed_only.txt,
one a line: ``FILE || function || original line || mutated line || reason``; they are left out of the draw
and the score. Prints, per file, killed/survived/total and the kill percentage, then each survivor as
file:line and the change. Exit code 1 when a file is below --fail-under (default 0: report only).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import random
import re
import signal
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest
from collection_tree import copy_collection

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULE_UTILS = Path("plugins/module_utils")
UNIT_TESTS = Path("tests/unit/plugins/module_utils")
EXCLUSIONS = REPO_ROOT / "tests" / "mutation" / "speed_only.txt"
# The pure domain files of plugins/module_utils (no I/O, no Ansible): the one list of what is mutated.
# A file listed here that does not exist (yet, or any more) is skipped when no FILE is named.
PURE_FILES = (
    "_rowids.py",
    "_record_view.py",
    "_status_stream.py",
    "_values.py",
    "_reconcile.py",
    "_selectors.py",
    "_info.py",
)
# Files whose own unit tests also test a pure file through its callers' public functions: the phone, time
# and cell values are read and refused through the rows of state=present and the selectors.
ALSO_TESTED_BY = {
    "_values.py": ("_reconcile.py", "_selectors.py"),
}


def tests_of(file: str, tests_dir: Path) -> list:
    """The unit test files (test__<name>.py) of a pure file and of those ALSO_TESTED_BY names for it."""
    names = ["test_%s" % name for name in (file,) + ALSO_TESTED_BY.get(file, ())]
    found = [name for name in names if (tests_dir / name).is_file()]
    if not found:
        raise SystemExit("%s: no unit test file %s in %s" % (file, names[0], tests_dir))
    return found


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


class _RecordDurations:
    """pytest plugin: writes each test's time (setup, call, teardown) to a JSON file at the session's end."""

    def __init__(self, path: Path):
        self.path = path
        self.durations: dict = {}

    def pytest_runtest_logreport(self, report) -> None:
        self.durations[report.nodeid] = self.durations.get(report.nodeid, 0.0) + report.duration

    def pytest_sessionfinish(self) -> None:
        self.path.write_text(json.dumps(self.durations), encoding="utf-8")


class _FastestFirst:
    """pytest plugin: runs the tests in the order of their recorded times, so that -x stops early."""

    def __init__(self, durations: dict):
        self.durations = durations

    def pytest_collection_modifyitems(self, items: list) -> None:
        items.sort(key=lambda item: self.durations.get(item.nodeid, 0.0))


@dataclass
class Worker:
    """One staging tree and the test run going on in it, if any."""

    root: Path  # the directory that holds ansible_collections/ (put first on the import path)
    staged: Path
    pid: int = 0
    mutant: Optional[Mutant] = None
    deadline: float = 0.0

    def start(self, test_files: list, plugin, timeout: float) -> None:
        """Run pytest on the staged test files in a forked child of its own process group."""
        self.deadline = time.monotonic() + timeout
        self.pid = os.fork()
        if self.pid:
            return
        try:  # the child: quiet, its own tree first on the import path, pytest in-process
            os.setpgid(0, 0)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.environ["PYTHONPATH"] = str(self.root)
            os.chdir(self.staged)
            args = ["-x", "-q", "-p", "no:cacheprovider", "-p", "no:pytest-ansible", "--hypothesis-seed=0"]
            args += ["-o", "pythonpath=%s" % self.root]
            code = int(pytest.main(args + [str(self.staged / UNIT_TESTS / name) for name in test_files], [plugin]))
        except BaseException:  # pylint: disable=broad-exception-caught
            code = 3
        os._exit(code)

    def outcome(self) -> Optional[str]:
        """'passed', 'failed' or 'timeout' once the run is over; None while it goes on."""
        done, status = os.waitpid(self.pid, os.WNOHANG)
        if done:
            self.pid = 0
            return "passed" if os.waitstatus_to_exitcode(status) == 0 else "failed"
        if time.monotonic() > self.deadline:
            os.killpg(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0
            return "timeout"
        return None

    def wait(self) -> str:
        while True:
            found = self.outcome()
            if found:
                return found
            time.sleep(0.02)


def make_workers(work: Path, count: int) -> list:
    workers = []
    for number in range(count):
        root = work / str(number)
        workers.append(Worker(root=root, staged=stage_collection(root)))
    return workers


def time_the_tests(worker: Worker, file: str, tests: list, timeout: float) -> dict:
    """Run the file's tests on the unmutated code twice: once to time each test, once in fastest-first order."""
    record = worker.root / "durations.json"
    started = time.monotonic()
    worker.start(tests, _RecordDurations(record), timeout)
    if worker.wait() != "passed":
        raise SystemExit("%s: its own tests (%s) fail without any mutant; fix them first" % (file, ", ".join(tests)))
    durations = json.loads(record.read_text(encoding="utf-8"))
    print("%s: its tests (%s) take %.1f s" % (file, ", ".join(tests), time.monotonic() - started), flush=True)
    worker.start(tests, _FastestFirst(durations), timeout)
    if worker.wait() != "passed":
        raise SystemExit("%s: its own tests fail when run fastest first; they depend on their order" % file)
    return durations


def draw(file: str, source: str, args, exclusions: dict) -> tuple:
    """(the drawn mutants in line order, how many the speed-only list excludes)."""
    every = mutants_of(file, source)
    excluded = [mutant for mutant in every if mutant.key in exclusions]
    candidates = [mutant for mutant in every if mutant.key not in exclusions]
    drawn = random.Random("%s:%s" % (args.seed, file)).sample(candidates, min(args.max_mutants, len(candidates)))
    drawn.sort(key=lambda mutant: mutant.line)
    print("%s: %d mutants, %d excluded, %d drawn" % (file, len(every), len(excluded), len(drawn)), flush=True)
    return drawn, len(excluded)


def mutate_file(workers: list, file: str, args, exclusions: dict) -> tuple:
    tests = tests_of(file, workers[0].staged / UNIT_TESTS)
    original = (workers[0].staged / MODULE_UTILS / file).read_text(encoding="utf-8")
    plugin = _FastestFirst(time_the_tests(workers[0], file, tests, args.timeout * 10))
    pending, excluded = draw(file, original, args, exclusions)
    pending = deque(pending)
    results: dict = {"killed": [], "timeout": [], "survived": []}
    try:
        while pending or any(worker.pid for worker in workers):
            for worker in workers:
                if worker.pid:
                    found = worker.outcome()
                    if found is None:
                        continue
                    results[{"passed": "survived", "failed": "killed", "timeout": "timeout"}[found]].append(
                        worker.mutant
                    )
                if pending:
                    worker.mutant = pending.popleft()
                    (worker.staged / MODULE_UTILS / file).write_text(worker.mutant.source, encoding="utf-8")
                    worker.start(tests, plugin, args.timeout)
            time.sleep(0.02)
    finally:
        for worker in workers:
            if worker.pid:
                os.killpg(worker.pid, signal.SIGKILL)
                os.waitpid(worker.pid, 0)
                worker.pid = 0
            (worker.staged / MODULE_UTILS / file).write_text(original, encoding="utf-8")
    for outcome in results.values():
        outcome.sort(key=lambda mutant: mutant.line)
    return results, excluded


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
    parser.add_argument("files", nargs="*", metavar="FILE", help="one of %s (default: all)" % ", ".join(PURE_FILES))
    parser.add_argument("--max-mutants", type=int, default=150, help="mutants drawn per file (default 150)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per mutant before it counts as killed")
    parser.add_argument("--seed", default="0", help="seed of the draw (default 0)")
    parser.add_argument("--jobs", type=int, default=2, help="test runs at a time, each in its own tree (default 2)")
    parser.add_argument("--fail-under", type=float, default=0.0, help="exit 1 when a file kills fewer percent")
    args = parser.parse_args(argv)
    args.files = [file if file.endswith(".py") else file + ".py" for file in args.files]
    unknown = [file for file in args.files if file not in PURE_FILES]
    if unknown:
        parser.error("not a pure domain file: %s (choose from %s)" % (", ".join(unknown), ", ".join(PURE_FILES)))
    missing = [file for file in args.files if not (REPO_ROOT / MODULE_UTILS / file).is_file()]
    if missing:
        parser.error("no such file in %s: %s" % (MODULE_UTILS, ", ".join(missing)))
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if not args.files:
        args.files = [file for file in PURE_FILES if (REPO_ROOT / MODULE_UTILS / file).is_file()]
        absent = sorted(set(PURE_FILES).difference(args.files))
        if absent:  # said aloud, so that a renamed file is not left out of the score unnoticed
            print("not in %s, so not mutated: %s" % (MODULE_UTILS, ", ".join(absent)), flush=True)
    return args


def main(argv: list) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    # a mutated file must never be read back from a bytecode cache written for another mutant
    sys.dont_write_bytecode = True
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    exclusions = read_exclusions(EXCLUSIONS)
    # a stopped run ends through the finally blocks, which kill the test runs still going on
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    # imported once here, so that each forked test run starts with them loaded
    import hypothesis  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import

    below = []
    with tempfile.TemporaryDirectory(prefix="mutation-") as work:
        workers = make_workers(Path(work), args.jobs)
        os.chdir(workers[0].staged)  # where mutmut looks for its configuration
        for file in args.files:
            results, excluded = mutate_file(workers, file, args, exclusions)
            if report(file, results, excluded) < args.fail_under:
                below.append(file)
    print("%d file(s) in %.0f s with %d job(s)" % (len(args.files), time.monotonic() - started, args.jobs))
    if below:
        print("below %.1f%% killed: %s" % (args.fail_under, ", ".join(below)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
