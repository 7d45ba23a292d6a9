# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Running real ``ansible-playbook`` processes, and independent oracles for what they should do.

Nothing here imports the collection: the expected request plans and compact strings are
computed from the formula in interface.md, so a bug in the collection's planner cannot hide
itself by being used as its own oracle.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Dict, Iterable, List, Optional

INTEGRATION_DIR = Path(__file__).resolve().parent
REPO_ROOT = INTEGRATION_DIR.parents[1]
PLAYBOOK_DIR = INTEGRATION_DIR / "playbooks"
CALLBACK_DIR = INTEGRATION_DIR / "callback_plugins"
EMULATOR_DIR = REPO_ROOT / "tests" / "emulator"

# The emulator's default accounts (tests/emulator); obviously fake keys.
DEMO_USER = "demo_user"
DEMO_API_KEY = "FAKE-DEMO-API-KEY-0001"
BASIC_USER = "basic_user"
BASIC_API_KEY = "FAKE-BASIC-API-KEY-0002"

DEFAULT_TIMEOUT = 240
JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_OUTPUT_SHOWN = 6000


# ---------------------------------------------------------------- running playbooks

@dataclass
class Result:
    """What one ansible-playbook run did: exit code, output, and every task result it recorded."""

    rc: int
    stdout: str
    stderr: str
    records: List[dict]
    elapsed: float
    run_dir: Path

    @property
    def task_results(self) -> List[dict]:
        return [record for record in self.records if record.get("event") == "task"]

    @property
    def stats(self) -> Dict[str, dict]:
        for record in self.records:
            if record.get("event") == "stats":
                return record["stats"]
        return {}

    @property
    def output(self) -> str:
        return self.stdout + "\n" + self.stderr

    def results(self, task: str, host: Optional[str] = None) -> List[dict]:
        """The result dicts of every task named ``task`` (optionally on one host)."""
        return [record["result"] for record in self.task_results
                if record["task"] == task and (host is None or record["host"] == host)]

    def records_of(self, task: str) -> List[dict]:
        return [record for record in self.task_results if record["task"] == task]

    def one(self, task: str, host: str = "localhost") -> dict:
        """The single result of ``task`` on ``host``; fails the test with the output when there is not one."""
        found = self.results(task, host)
        assert len(found) == 1, "expected one result of %r on %s, got %d\n%s" % (task, host, len(found), self)
        return found[0]

    def status(self, task: str, host: str = "localhost") -> str:
        found = [record["status"] for record in self.records_of(task) if record["host"] == host]
        assert len(found) == 1, "expected one result of %r on %s\n%s" % (task, host, self)
        return found[0]

    def __str__(self) -> str:
        return "ansible-playbook rc=%d after %.1f s\n--- stdout (tail) ---\n%s\n--- stderr (tail) ---\n%s" % (
            self.rc, self.elapsed, self.stdout[-_OUTPUT_SHOWN:], self.stderr[-_OUTPUT_SHOWN:])


class RunningPlaybook:
    """An ansible-playbook process started in the background; ``wait()`` gives its Result."""

    def __init__(self, process: subprocess.Popen, run_dir: Path, started: float, timeout: float):
        self._process = process
        self._run_dir = run_dir
        self._started = started
        self._timeout = timeout

    def wait(self) -> Result:
        try:
            rc = self._process.wait(timeout=max(1.0, self._timeout - (time.monotonic() - self._started)))
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
            raise AssertionError("ansible-playbook did not finish within %d s\n%s"
                                 % (self._timeout, _collect(self._run_dir, -9, self._started))) from None
        return _collect(self._run_dir, rc, self._started)


def _collect(run_dir: Path, rc: int, started: float) -> Result:
    results_file = run_dir / "results.jsonl"
    records = []
    if results_file.exists():
        records = [json.loads(line) for line in results_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    return Result(rc=rc,
                  stdout=(run_dir / "stdout.txt").read_text(encoding="utf-8", errors="replace"),
                  stderr=(run_dir / "stderr.txt").read_text(encoding="utf-8", errors="replace"),
                  records=records, elapsed=time.monotonic() - started, run_dir=run_dir)


class PlaybookRunner:
    """Starts ansible-playbook with an isolated environment; one instance per test."""

    def __init__(self, bin_dir: Path, base_env: Dict[str, str], work_dir: Path, default_inventory: Path):
        self.bin_dir = bin_dir
        self.base_env = base_env
        self.work_dir = work_dir
        self.default_inventory = default_inventory
        self._runs = 0

    def run(self, playbook: str, extravars: Optional[dict] = None, env: Optional[dict] = None, check: bool = False,
            diff: bool = False, verbosity: int = 0, forks: Optional[int] = None, inventory: Optional[Path] = None,
            timeout: float = DEFAULT_TIMEOUT) -> Result:
        """Run a playbook (a file name under playbooks/, a path, or YAML text) and wait for it."""
        return self.start(playbook, extravars, env, check, diff, verbosity, forks, inventory, timeout).wait()

    def start(self, playbook: str, extravars: Optional[dict] = None, env: Optional[dict] = None, check: bool = False,
              diff: bool = False, verbosity: int = 0, forks: Optional[int] = None, inventory: Optional[Path] = None,
              timeout: float = DEFAULT_TIMEOUT) -> RunningPlaybook:
        self._runs += 1
        run_dir = self.work_dir / ("run%02d" % self._runs)
        run_dir.mkdir(parents=True)
        command = [str(self.bin_dir / "ansible-playbook"), "-i", str(inventory or self.default_inventory),
                   str(self._playbook_path(playbook, run_dir))]
        if extravars:
            extravars_file = run_dir / "extravars.json"
            extravars_file.write_text(json.dumps(extravars), encoding="utf-8")
            command += ["-e", "@%s" % extravars_file]
        command += ["--check"] if check else []
        command += ["--diff"] if diff else []
        command += ["-" + "v" * verbosity] if verbosity else []
        command += ["--forks", str(forks)] if forks else []
        process_env = dict(self.base_env, OZONETEL_TEST_RESULTS=str(run_dir / "results.jsonl"))
        for name, value in (env or {}).items():
            if value is None:
                process_env.pop(name, None)
            else:
                process_env[name] = str(value)
        with open(run_dir / "stdout.txt", "wb") as stdout, open(run_dir / "stderr.txt", "wb") as stderr:
            process = subprocess.Popen(  # pylint: disable=consider-using-with
                command, cwd=str(run_dir), env=process_env, stdin=subprocess.DEVNULL,
                stdout=stdout, stderr=stderr, start_new_session=True)
        return RunningPlaybook(process, run_dir, time.monotonic(), timeout)

    @staticmethod
    def _playbook_path(playbook: str, run_dir: Path) -> Path:
        if "\n" in playbook:
            inline = run_dir / "playbook.yml"
            inline.write_text(playbook, encoding="utf-8")
            return inline
        path = Path(playbook)
        return path if path.is_absolute() else PLAYBOOK_DIR / path


def write_inventory(path: Path, python: str, host_indexes: Iterable[int] = (), group: str = "cloudagent_hosts") -> Path:
    """A YAML inventory: localhost, plus local hosts ``hostNN`` in ``group`` carrying ``host_index``."""
    hosts = {"host%02d" % index: {"host_index": index} for index in host_indexes}
    inventory = {
        "all": {
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": python},
            "hosts": {"localhost": {}},
            "children": {group: {"hosts": hosts}},
        }
    }
    path.write_text(json.dumps(inventory, indent=2), encoding="utf-8")
    return path


# ---------------------------------------------------------------- emulator log views

def requests_to(counters: dict, endpoint: str) -> List[dict]:
    return [entry for entry in counters["requests"] if entry["endpoint"] == endpoint]


def delete_specs(counters: dict) -> List[str]:
    """The row specs of every DELETE the emulator received, in arrival order."""
    return [entry["row_spec"] for entry in requests_to(counters, "delete")]


def http_request_count(counters: dict) -> int:
    return len(counters["requests"])


# ---------------------------------------------------------------- independent oracles

def runs_of(ids: Iterable[int]) -> List[tuple]:
    """Consecutive runs ``(first, last)`` of a set of ids, ascending."""
    runs: List[list] = []
    for row_id in sorted(set(ids)):
        if runs and row_id == runs[-1][1] + 1:
            runs[-1][1] = row_id
        else:
            runs.append([row_id, row_id])
    return [tuple(run) for run in runs]


def compact(ids: Iterable[int]) -> str:
    """``"2-3,5,9-12"``: runs of two or more ids as ranges; the empty set is ``""``."""
    return ",".join(str(a) if a == b else "%d-%d" % (a, b) for a, b in runs_of(ids))


def spec_ids(spec: str) -> List[int]:
    """The ids of one row spec as sent on the wire; raises ValueError for anything but the three forms."""
    if re.fullmatch(r"[0-9]+", spec):
        return [int(spec)]
    if re.fullmatch(r"[0-9]+(,[0-9]+)+", spec):
        return [int(part) for part in spec.split(",")]
    found = re.fullmatch(r"([0-9]+)-([0-9]+)", spec)
    if found and int(found.group(1)) <= int(found.group(2)):
        return list(range(int(found.group(1)), int(found.group(2)) + 1))
    raise ValueError("%r is not a single id, a comma list or a range" % spec)


def plan_cost(run_lengths_longest_first: List[int], ranges: int, batch_size: int) -> int:
    rest = sum(run_lengths_longest_first[ranges:])
    return ranges + math.ceil(rest / batch_size)


def expected_plan(ids: Iterable[int], batch_size: int) -> List[str]:
    """The plan interface.md describes, tried for every k.

    interface.md leaves ties open; on equal cost the most ranges win (the lead's documented choice,
    so that a run the user wrote as "3-10" goes out as "3-10"). Specs come in ascending order of
    their first id.
    """
    runs = sorted(runs_of(ids), key=lambda run: (run[0] - run[1], run[0]))
    lengths = [last - first + 1 for first, last in runs]
    costs = [plan_cost(lengths, k, batch_size) for k in range(len(runs) + 1)]
    best = max(k for k, cost in enumerate(costs) if cost == min(costs))
    requests = [(first, str(first) if first == last else "%d-%d" % (first, last)) for first, last in runs[:best]]
    listed = sorted(row_id for first, last in runs[best:] for row_id in range(first, last + 1))
    for start in range(0, len(listed), batch_size):
        chunk = listed[start:start + batch_size]
        requests.append((chunk[0], ",".join(str(row_id) for row_id in chunk)))
    return [spec for _first, spec in sorted(requests)]


def fewest_requests_any_subset(ids: Iterable[int], batch_size: int) -> int:
    """Brute force over every subset of runs sent as ranges (not only the longest k); small inputs only."""
    runs = runs_of(ids)
    assert len(runs) <= 14, "brute force is for small inputs"
    lengths = [last - first + 1 for first, last in runs]
    best = math.ceil(sum(lengths) / batch_size) if lengths else 0
    for size in range(1, len(runs) + 1):
        for chosen in combinations(range(len(runs)), size):
            rest = sum(length for index, length in enumerate(lengths) if index not in chosen)
            best = min(best, size + math.ceil(rest / batch_size))
    return best


def expand_row_id_value(value) -> List[int]:
    """The ids a valid ``row_id`` option value asks for (int, numeric string, comma list, range, or a list)."""
    items = value if isinstance(value, list) else [value]
    ids = set()
    for item in items:
        if isinstance(item, int):
            ids.add(item)
            continue
        for part in str(item).split(","):
            first, _sep, last = part.strip().partition("-")
            ids.update(range(int(first), int(last or first) + 1))
    return sorted(ids)


@dataclass
class SecretScan:
    """Where known secrets show up in a body of text."""

    secrets: Dict[str, str]
    hits: Dict[str, List[str]] = field(default_factory=dict)

    def scan(self, label: str, text: str) -> None:
        for name, secret in self.secrets.items():
            if secret and secret in text:
                self.hits.setdefault(label, []).append(name)
