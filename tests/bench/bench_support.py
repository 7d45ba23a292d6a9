# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Plumbing for tests/bench/benchmark.py: the row set, the numbers around a run, and running the bench playbooks.

The planner oracle and the ansible-playbook runner come from tests/harness (cloudagent_harness),
importable through PYTHONPATH (make bench sets it); the oracle does not import the collection, so the benchmark
checks the module instead of repeating it.
"""

from __future__ import annotations

import os
import platform
import random
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from cloudagent_harness.ansible_setup import (
    ansible_bin_dir,
    collections_root,
    make_ansible_home,
    playbook_environment,
    write_inventory,
)
from cloudagent_harness.planner_oracle import runs_of
from cloudagent_harness.playbook_runner import PlaybookRunner, Result

PLAYBOOK_DIR = Path(__file__).resolve().parent / "playbooks"

FLEET_SIZE = 5
COUNTER_NAMES = ("generate_token", "generate_token_ok", "delete", "get_scheduled_data", "invalid_specs")
# Only these keys of a task result are recorded: enough to check the plan and the outcome, never a header or a token.
KEPT_RESULT_KEYS = ("changed", "failed", "batches", "row_ids", "deleted", "not_found", "msg", "status")


class BenchError(RuntimeError):
    """The benchmark itself could not run or measured something wrong (not a slow result)."""


# ---------------------------------------------------------------- the row set


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


def describe_ids(ids: Sequence[int]) -> str:
    lengths = sorted((last - first + 1 for first, last in runs_of(ids)), reverse=True)
    singles = sum(1 for length in lengths if length == 1)
    longer = [length for length in lengths if length > 1]
    return "%d ids in %d..%d: %d runs of 2+ ids (lengths %s) and %d single ids" % (
        len(ids),
        min(ids),
        max(ids),
        len(longer),
        ", ".join(map(str, longer)),
        singles,
    )


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
    """One ansible-playbook process: its wall-clock time, its recorded task results and the emulator's counters."""

    def __init__(self, result: Result, counters: Dict[str, int]):
        self.seconds = result.elapsed
        self.result = result
        self.counters = counters

    def task_seconds(self, name: str) -> float:
        """How long the task ran: from its start to its last result."""
        return max(record["task_seconds"] for record in self._records(name))

    def first_result(self, name: str) -> dict:
        return self._records(name)[0]["result"]

    def _records(self, name: str) -> List[dict]:
        found = self.result.records_of(name)
        if not found:
            raise BenchError("the playbook ran no task named %r" % name)
        return found


def bench_environment(workdir: Path, emulator_url: str, kept_result_keys=KEPT_RESULT_KEYS) -> dict:
    """The environment of a bench playbook: a private Ansible home, collections root and token cache;
    the result_recorder callback keeps ``kept_result_keys`` of each task's result."""
    env = playbook_environment(
        workdir,
        make_ansible_home(workdir / "home"),
        collections_root(workdir / "collections"),
        ansible_bin_dir(),
        workdir / "token-cache" / "tokens.json",
        emulator_url,
    )
    env["OZONETEL_TEST_RESULT_KEYS"] = ",".join(kept_result_keys)
    return env


class AnsibleRunner:
    """Runs the bench playbooks against the emulator with a private, reproducible Ansible setup."""

    def __init__(self, workdir: Path, emulator):
        self.emulator = emulator
        bin_dir = ansible_bin_dir()
        self.env = bench_environment(workdir, emulator.url)
        inventory = write_inventory(
            workdir / "inventory.json", str(bin_dir / "python"), range(1, FLEET_SIZE + 1), group="fleet"
        )
        self._playbooks = PlaybookRunner(bin_dir, self.env, workdir / "runs", inventory, PLAYBOOK_DIR)

    def run(self, playbook: str, extra_vars: dict, check: bool = False, forks: Optional[int] = None) -> PlaybookRun:
        """Run one playbook to its end, however long; a failed play is a broken benchmark, not a slow one."""
        before = self.emulator.counters()
        result = self._playbooks.run(playbook, extra_vars, check=check, forks=forks, timeout=None)
        counters = counter_delta(before, self.emulator.counters())
        if result.rc != 0:
            raise BenchError(
                "%s failed (exit %d); last lines of its output:\n%s" % (playbook, result.rc, _tail(result.output))
            )
        return PlaybookRun(result, counters)


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.splitlines()[-lines:])
