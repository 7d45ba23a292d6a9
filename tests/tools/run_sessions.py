# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the nox sessions and print one result line for each, then the test summary.

Usage: [JOBS=N] python tests/tools/run_sessions.py [SESSION ...]   (default: every session of
``nox -l`` except the meta session ``lint``, whose parts are listed on their own), longest first.
With JOBS=2 two sessions run at a time (never two ansible-test sanity sessions on the same
controller Python: they share venvs under ~/.ansible); each one's output then goes to its log
only, and the tail of a failed one's log is printed.

Each line reads ``result: <session> ansible-core=<X> python=<Y> passed|FAILED <seconds> s``.
A session whose Python is not installed here (noxfile.py tags it, see python_choice.py) is not run:
its line reads ``skipped: <reason>``, e.g. ``skipped: ansible-core 2.20: needs Python 3.12-3.14, none
found``; claimed module Pythons that no session tested are named too.
The last line is ``tests: N passed, N failed``: test cases from the JUnit reports the sessions
write under tests/output/sessions/, plus one failure for every failed session, so a failing lint
counts as much as a failing test. A run without any test case is a failure too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from junit_summary import Counts, report_counts
from python_choice import CLAIMED_MODULE_PYTHONS, expand

REPO_ROOT = Path(__file__).resolve().parents[2]
REPORT_DIR = REPO_ROOT / "tests" / "output" / "sessions"
META_SESSIONS = {"lint"}
# noxfile.py tags a session it cannot run here (its Python is missing) with this prefix and the reason
SKIP_TAG = "skip:"
CORE_IN_NAME = re.compile(r"-(2\.\d+)(?:-|$)")


def nox_command() -> list[str]:
    return [sys.executable, "-m", "nox", "--no-color", "--reuse-venv", "yes"]


def listed_sessions(requested: list[str]) -> list[dict]:
    """The default sessions, or the requested ones (which may include on-demand sessions)."""
    selection = ["--sessions", *requested] if requested else []
    listing = subprocess.run(
        [*nox_command(), "--list", "--json", *selection], cwd=REPO_ROOT, check=True, capture_output=True, text=True
    ).stdout
    return [entry for entry in json.loads(listing) if entry["session"] not in META_SESSIONS]


def ansible_core_of(name: str) -> str:
    found = CORE_IN_NAME.search(name)
    return found.group(1) if found else "-"


def skip_reason(entry: dict) -> str:
    return next((tag[len(SKIP_TAG) :] for tag in entry.get("tags") or [] if tag.startswith(SKIP_TAG)), "")


def module_pythons_of(entry: dict) -> list[str]:
    return [tag.split(":", 1)[1] for tag in entry.get("tags") or [] if tag.startswith("modules:")]


def python_of(entry: dict) -> str:
    """The controller Python of a session, and the module Pythons ansible-test ran on when they differ."""
    python = entry.get("python")
    if python is None:  # nox's own interpreter
        python = "%d.%d" % sys.version_info[:2]
    controller = python if isinstance(python, str) else "-"
    modules = module_pythons_of(entry)
    if modules and modules[0] != controller:
        return "%s modules=%s" % (controller, modules[0])
    return controller


def run_session(name: str, log_dir: Path, stream: bool) -> tuple[bool, float]:
    """Run one session, its output to a log file (and to the terminal when ``stream``); return (passed, seconds)."""
    started = time.monotonic()
    with open(log_dir / ("%s.log" % name), "wb") as log:
        process = subprocess.Popen(
            [*nox_command(), "-s", name], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for chunk in iter(process.stdout.readline, b""):
            if stream:
                sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
            log.write(chunk)
        rc = process.wait()
    return rc == 0, time.monotonic() - started


# Rough order of cost, longest first, so that the two workers finish close together.
LONGEST_FIRST = (
    "sanity-",
    "units-2.18",
    "integration-",
    "units-",
    "docs-snippets-",
    "ansible-lint",
    "build-import",
    "docsite",
)


def run_order(name: str) -> int:
    return next((rank for rank, prefix in enumerate(LONGEST_FIRST) if name.startswith(prefix)), len(LONGEST_FIRST))


def exclusive_groups(entries: dict) -> dict:
    """Sessions of one group never run at the same time: ansible-test sanity sessions with the same
    controller Python would build the same venvs under ~/.ansible/test/venv/<test>/<python>/."""
    return {
        name: "sanity-py%s" % entry.get("python") if name.startswith("sanity-") else name
        for name, entry in entries.items()
    }


class Scheduler:
    """Runs sessions on ``jobs`` workers; a worker takes the first queued session whose group is not running."""

    def __init__(self, names: list[str], groups: dict, jobs: int, log_dir: Path):
        self.queue = list(names)
        self.groups = groups
        self.jobs = jobs
        self.log_dir = log_dir
        self.running: set = set()
        self.results: dict = {}
        self.lock = threading.Condition()

    def _take(self):
        with self.lock:
            while True:
                if not self.queue:
                    return None
                for name in self.queue:
                    if self.groups[name] not in self.running:
                        self.queue.remove(name)
                        self.running.add(self.groups[name])
                        return name
                self.lock.wait()

    def _done(self, name: str, passed: bool, seconds: float) -> None:
        with self.lock:
            self.running.discard(self.groups[name])
            self.results[name] = (passed, seconds)
            self.lock.notify_all()

    def _worker(self) -> None:
        while True:
            name = self._take()
            if name is None:
                return
            if self.jobs > 1:
                print("started  %s" % name, flush=True)
            else:
                print("=== session %s ===" % name, flush=True)
            passed, seconds = run_session(name, self.log_dir, stream=self.jobs == 1)
            if self.jobs > 1:
                print("finished %s: %s in %.0f s" % (name, "passed" if passed else "FAILED", seconds), flush=True)
                if not passed:
                    tail = (self.log_dir / ("%s.log" % name)).read_text(encoding="utf-8", errors="replace")
                    print("--- last lines of %s.log ---\n%s" % (name, "\n".join(tail.splitlines()[-60:])), flush=True)
            self._done(name, passed, seconds)

    def run(self) -> dict:
        workers = [threading.Thread(target=self._worker) for dummy in range(self.jobs)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return self.results


def junit_counts() -> Counts:
    total = Counts()
    for report in sorted(REPORT_DIR.glob("*/*.xml")):
        total.add(report_counts(str(report)))
    return total


def uncovered_module_pythons(entries: dict, names: list[str]) -> list[str]:
    """Claimed module Pythons that no session of this run tests (not installed here)."""
    covered = {version for name in names for label in module_pythons_of(entries[name]) for version in expand(label)}
    return [version for version in CLAIMED_MODULE_PYTHONS if version not in covered]


def main(requested: list[str]) -> int:
    try:
        entries = {entry["session"]: entry for entry in listed_sessions(requested)}
    except subprocess.CalledProcessError as error:
        print("nox could not list the session(s) %s:\n%s" % (" ".join(requested), error.stderr or error.stdout))
        return 2
    # sanity sessions first: they are the longest and run one after the other, the rest beside them
    names = requested or sorted(entries, key=run_order)
    unknown = [name for name in names if name not in entries]
    if unknown:
        print("unknown session(s): %s (nox -l lists them)" % ", ".join(unknown))
        return 2
    skipped = {name: skip_reason(entries[name]) for name in names if skip_reason(entries[name])}
    for name, reason in skipped.items():
        print("skipped: %s: %s" % (name, reason))
    uncovered = uncovered_module_pythons(entries, names) if any(module_pythons_of(entries[n]) for n in names) else []
    names = [name for name in names if name not in skipped]
    shutil.rmtree(REPORT_DIR, ignore_errors=True)
    log_dir = REPO_ROOT / "tests" / "output" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    outcome = Scheduler(names, exclusive_groups(entries), max(1, int(os.environ.get("JOBS", "1"))), log_dir).run()
    results = [(name, *outcome[name]) for name in names]
    print()
    for name, passed, seconds in results:
        print(
            "result: %-20s ansible-core=%-5s python=%-20s %-6s %5.0f s"
            % (name, ansible_core_of(name), python_of(entries[name]), "passed" if passed else "FAILED", seconds)
        )
    for name, reason in skipped.items():
        print("result: %-20s ansible-core=%-5s skipped: %s" % (name, ansible_core_of(name), reason))
    if uncovered:
        print("skipped: module Python %s: not found, no session tested it" % ", ".join(uncovered))
    failed_sessions = sum(1 for result in results if not result[1])
    counts = junit_counts()
    print(
        "sessions: %d passed, %d failed, %d skipped, %.0f s of sessions, %.0f s wall clock (logs: %s)"
        % (
            len(results) - failed_sessions,
            failed_sessions,
            len(skipped),
            sum(result[2] for result in results),
            time.monotonic() - started,
            log_dir,
        )
    )
    failed = counts.failed + failed_sessions
    if counts.tests == 0:
        print("no session wrote a test report: nothing was tested")
        failed += 1
    print("tests: %d passed, %d failed" % (counts.passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main(sys.argv[1:]))
