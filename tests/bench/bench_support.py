# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Plumbing for tests/bench/benchmark.py: the row set, an independent planner, and running ansible-playbook.

Nothing here imports the collection: the planner is written again from the formula in the
public interface, so the benchmark checks the module instead of repeating it.
"""

from __future__ import annotations

import json
import os
import platform
import random
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Sequence

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parents[1]
PLAYBOOK_DIR = BENCH_DIR / "playbooks"
CALLBACK_DIR = BENCH_DIR / "callback_plugins"
EMULATOR_DIR = REPO_ROOT / "tests" / "emulator"

USER_NAME = "demo_user"
API_KEY = "FAKE-DEMO-API-KEY-0001"
FLEET_SIZE = 5
COUNTER_NAMES = ("generate_token", "generate_token_ok", "delete", "get_scheduled_data", "invalid_specs")


class BenchError(RuntimeError):
    """The benchmark itself could not run or measured something wrong (not a slow result)."""


# ---------------------------------------------------------------- the row set and the plan

def scattered_ids(seed: int, count: int = 400, low: int = 1, high: int = 2000) -> List[int]:
    """``count`` distinct ids in ``low..high``: a few long runs, some short ones, many singles."""
    rng = random.Random(seed)
    taken: set = set()
    shapes = [(4, 25, 60), (12, 3, 8)]  # (how many runs, shortest, longest)
    for runs, shortest, longest in shapes:
        for _run in range(runs):
            _place_run(rng, taken, rng.randint(shortest, longest), low, high, count)
    while len(taken) < count:
        _place_run(rng, taken, 1, low, high, count)
    return sorted(taken)


def _place_run(rng: random.Random, taken: set, length: int, low: int, high: int, count: int) -> None:
    length = min(length, count - len(taken))
    for _attempt in range(1000):
        start = rng.randint(low, high - length + 1)
        # Keep one free id on each side so the run does not merge with a neighbour.
        if not any(row_id in taken for row_id in range(start - 1, start + length + 1)):
            taken.update(range(start, start + length))
            return
    raise BenchError("could not place a run of %d ids in %d..%d" % (length, low, high))


def consecutive_runs(ids: Sequence[int]) -> List[List[int]]:
    runs: List[List[int]] = []
    for row_id in sorted(set(ids)):
        if runs and row_id == runs[-1][-1] + 1:
            runs[-1].append(row_id)
        else:
            runs.append([row_id])
    return runs


def optimal_plan(ids: Sequence[int], batch_size: int = 100) -> List[str]:
    """The interface's plan: the k longest runs as ranges, the rest in full comma lists, k minimising the cost."""
    runs = consecutive_runs(ids)
    longest_first = sorted(runs, key=lambda run: (-len(run), run[0]))
    remaining = sum(len(run) for run in runs)
    best_cost, best_k = -(-remaining // batch_size), 0
    for k, run in enumerate(longest_first, start=1):
        remaining -= len(run)
        cost = k + -(-remaining // batch_size)
        # The interface fixes the cost only; on a tie the module prefers ranges, so "3-10" stays "3-10".
        if cost <= best_cost:
            best_cost, best_k = cost, k
    specs = [(run[0], "%d-%d" % (run[0], run[-1]) if len(run) > 1 else str(run[0])) for run in longest_first[:best_k]]
    listed = sorted(row_id for run in longest_first[best_k:] for row_id in run)
    for offset in range(0, len(listed), batch_size):
        chunk = listed[offset:offset + batch_size]
        specs.append((chunk[0], ",".join(str(row_id) for row_id in chunk)))
    return [spec for _first, spec in sorted(specs)]


def plan_problems(specs: Sequence[str], ids: Sequence[int], batch_size: int = 100) -> List[str]:
    """Why ``specs`` is not a valid plan for ``ids`` (one form per request, exact cover, ascending); [] if it is."""
    problems, covered, previous_first = [], [], 0
    for spec in specs:
        if "-" in spec and "," in spec:
            problems.append("%s mixes a range and a list" % spec)
            continue
        if "-" in spec:
            start, end = (int(part) for part in spec.split("-"))
            members = list(range(start, end + 1))
        else:
            members = [int(part) for part in spec.split(",")]
            if len(members) > batch_size:
                problems.append("a list of %d ids exceeds batch_size %d" % (len(members), batch_size))
        if members[0] < previous_first:
            problems.append("%s is out of ascending order" % spec[:20])
        previous_first = members[0]
        covered.extend(members)
    if sorted(covered) != sorted(set(ids)):
        problems.append("the requests do not cover exactly the requested ids")
    return problems


def describe_ids(ids: Sequence[int]) -> str:
    lengths = sorted((len(run) for run in consecutive_runs(ids)), reverse=True)
    singles = sum(1 for length in lengths if length == 1)
    longer = [length for length in lengths if length > 1]
    return "%d ids in %d..%d: %d runs of 2+ ids (lengths %s) and %d single ids" % (
        len(ids), min(ids), max(ids), len(longer), ", ".join(map(str, longer)), singles)


# ---------------------------------------------------------------- numbers

def counter_delta(before: dict, after: dict) -> Dict[str, int]:
    return {name: after.get(name, 0) - before.get(name, 0) for name in COUNTER_NAMES}


def machine_facts() -> Dict[str, str]:
    from ansible.release import __version__ as ansible_version  # pylint: disable=import-outside-toplevel
    return {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count()),
        "python": "%s (%s)" % (platform.python_version(), platform.python_implementation()),
        "ansible_core": ansible_version,
        "os": "%s %s" % (platform.system(), platform.release()),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load average at start": load_average(),
    }


def load_average() -> str:
    """The 1-minute load: other work on a shared machine shows up in every timing."""
    try:
        return "%.2f" % os.getloadavg()[0]
    except OSError:
        return "unknown"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# ---------------------------------------------------------------- running playbooks

class PlaybookRun:
    """One ansible-playbook process: its wall-clock time and what the bench_timer callback recorded."""

    def __init__(self, seconds: float, record: dict, counters: Dict[str, int]):
        self.seconds = seconds
        self.record = record
        self.counters = counters

    def task(self, name: str) -> dict:
        for task in self.record.get("tasks", []):
            if task["name"] == name:
                return task
        raise BenchError("the playbook ran no task named %r" % name)


class AnsibleRunner:
    """Runs the bench playbooks against the emulator with a private, reproducible Ansible setup."""

    def __init__(self, workdir: Path, emulator):
        self.workdir = workdir
        self.emulator = emulator
        self._runs = 0
        self.ansible_playbook = _find_ansible_playbook()
        self.inventory = workdir / "inventory.ini"
        self.inventory.write_text(_inventory_text(), encoding="utf-8")
        self.env = self._environment(_collections_root(workdir))

    def _environment(self, collections_root: str) -> Dict[str, str]:
        # Inherited ANSIBLE_* and OZONETEL_* settings would change what is measured: start clean.
        env = {name: value for name, value in os.environ.items() if not name.startswith(("ANSIBLE_", "OZONETEL_"))}
        for name in ("local-tmp", "remote-tmp", "home"):
            (self.workdir / name).mkdir()
        empty_config = self.workdir / "ansible.cfg"
        empty_config.write_text("[defaults]\n", encoding="utf-8")
        env.update({
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.defpath)]),
            "ANSIBLE_CONFIG": str(empty_config),
            "ANSIBLE_HOME": str(self.workdir / "home"),
            "ANSIBLE_COLLECTIONS_PATH": collections_root,
            "ANSIBLE_LOCAL_TEMP": str(self.workdir / "local-tmp"),
            "ANSIBLE_REMOTE_TMP": str(self.workdir / "remote-tmp"),
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACK_DIR),
            "ANSIBLE_CALLBACKS_ENABLED": "bench_timer",
            "ANSIBLE_NOCOLOR": "1",
            "OZONETEL_TOKEN_CACHE": str(self.workdir / "token-cache" / "tokens.json"),
            "OZONETEL_BASE_URL": self.emulator.url,
            "OZONETEL_USERNAME": USER_NAME,
            "OZONETEL_API_KEY": API_KEY,
        })
        return env

    def run(self, playbook: str, extra_vars: dict, check: bool = False, forks: Optional[int] = None) -> PlaybookRun:
        """Run one playbook; a failed play is a broken benchmark, not a slow one."""
        self._runs += 1
        stem = "%03d-%s" % (self._runs, Path(playbook).stem)
        vars_file = self.workdir / (stem + ".vars.json")
        record_file = self.workdir / (stem + ".record.json")
        log_file = self.workdir / (stem + ".log")
        vars_file.write_text(json.dumps(extra_vars), encoding="utf-8")
        command = [self.ansible_playbook, "-i", str(self.inventory), "-e", "@" + str(vars_file), str(PLAYBOOK_DIR / playbook)]
        if check:
            command.append("--check")
        if forks:
            command += ["--forks", str(forks)]
        env = dict(self.env, OZONETEL_BENCH_RECORD=str(record_file))
        before = self.emulator.counters()
        with open(log_file, "w", encoding="utf-8") as log:
            started = time.perf_counter()
            completed = subprocess.run(command, env=env, cwd=str(self.workdir), stdin=subprocess.DEVNULL,
                                       stdout=log, stderr=subprocess.STDOUT, check=False)
            seconds = time.perf_counter() - started
        counters = counter_delta(before, self.emulator.counters())
        if completed.returncode != 0:
            raise BenchError("%s failed (exit %d); last lines of its output:\n%s" % (
                playbook, completed.returncode, _tail(log_file)))
        record = json.loads(record_file.read_text(encoding="utf-8")) if record_file.exists() else {}
        return PlaybookRun(seconds, record, counters)


def _find_ansible_playbook() -> str:
    candidate = Path(sys.executable).parent / "ansible-playbook"
    if candidate.exists():
        return str(candidate)
    raise BenchError("no ansible-playbook next to %s: run the benchmark with the venv's python (make bench)" % sys.executable)


def _collections_root(workdir: Path) -> str:
    configured = os.environ.get("OZONETEL_TEST_COLLECTIONS_PATH")
    if configured:
        return configured
    namespace_dir = workdir / "collections" / "ansible_collections" / "ozonetel"
    namespace_dir.mkdir(parents=True)
    (namespace_dir / "cloudagent").symlink_to(REPO_ROOT, target_is_directory=True)
    return str(workdir / "collections")


def _inventory_text() -> str:
    lines = ["[controller]", "localhost ansible_connection=local", "", "[fleet]"]
    lines += ["fleet-%d ansible_connection=local bench_slot=%d" % (slot, slot) for slot in range(1, FLEET_SIZE + 1)]
    return "\n".join(lines) + "\n"


def _tail(path: Path, lines: int = 25) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
