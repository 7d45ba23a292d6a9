# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Running real ``ansible-playbook`` processes and reading what the result_recorder callback wrote."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

DEFAULT_TIMEOUT = 240
_OUTPUT_SHOWN = 6000


@dataclass
class Result:
    """What one ansible-playbook run did: exit code, output, wall-clock seconds and every task result it recorded."""

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
        return [
            record["result"]
            for record in self.task_results
            if record["task"] == task and (host is None or record["host"] == host)
        ]

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
            self.rc,
            self.elapsed,
            self.stdout[-_OUTPUT_SHOWN:],
            self.stderr[-_OUTPUT_SHOWN:],
        )


class RunningPlaybook:
    """An ansible-playbook process started in the background; ``wait()`` gives its Result."""

    def __init__(self, process: subprocess.Popen, run_dir: Path, started: float, timeout: Optional[float]):
        self._process = process
        self._run_dir = run_dir
        self._started = started
        self._timeout = timeout

    @property
    def pid(self) -> int:
        """The ansible-playbook process, leader of its own session (its workers and modules are in it)."""
        return self._process.pid

    def wait(self) -> Result:
        try:
            rc = self._process.wait(timeout=self._remaining())
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
            raise AssertionError(
                "ansible-playbook did not finish within %d s\n%s"
                % (self._timeout, _collect(self._run_dir, -9, self._elapsed()))
            ) from None
        return _collect(self._run_dir, rc, self._elapsed())

    def _remaining(self) -> Optional[float]:
        return None if self._timeout is None else max(1.0, self._timeout - self._elapsed())

    def _elapsed(self) -> float:
        return time.monotonic() - self._started


def _collect(run_dir: Path, rc: int, elapsed: float) -> Result:
    results_file = run_dir / "results.jsonl"
    records = []
    if results_file.exists():
        records = [json.loads(line) for line in results_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    return Result(
        rc=rc,
        stdout=(run_dir / "stdout.txt").read_text(encoding="utf-8", errors="replace"),
        stderr=(run_dir / "stderr.txt").read_text(encoding="utf-8", errors="replace"),
        records=records,
        elapsed=elapsed,
        run_dir=run_dir,
    )


class PlaybookRunner:
    """Starts ansible-playbook with a prepared environment, each run in a directory of its own under ``work_dir``."""

    def __init__(
        self, bin_dir: Path, base_env: Dict[str, str], work_dir: Path, default_inventory: Path, playbook_dir: Path
    ):
        self.bin_dir = bin_dir
        self.base_env = base_env
        self.work_dir = work_dir
        self.default_inventory = default_inventory
        self.playbook_dir = playbook_dir
        self._runs = 0

    def run(
        self,
        playbook: str,
        extravars: Optional[dict] = None,
        env: Optional[dict] = None,
        check: bool = False,
        diff: bool = False,
        verbosity: int = 0,
        forks: Optional[int] = None,
        inventory: Optional[Path] = None,
        timeout: Optional[float] = DEFAULT_TIMEOUT,
    ) -> Result:
        """Run a playbook (a file name under ``playbook_dir``, a path, or YAML text) and wait for it."""
        return self.start(playbook, extravars, env, check, diff, verbosity, forks, inventory, timeout).wait()

    def start(
        self,
        playbook: str,
        extravars: Optional[dict] = None,
        env: Optional[dict] = None,
        check: bool = False,
        diff: bool = False,
        verbosity: int = 0,
        forks: Optional[int] = None,
        inventory: Optional[Path] = None,
        timeout: Optional[float] = DEFAULT_TIMEOUT,
    ) -> RunningPlaybook:
        """Start a playbook in the background; ``timeout`` None waits as long as it takes."""
        self._runs += 1
        run_dir = self.work_dir / ("run%02d" % self._runs)
        run_dir.mkdir(parents=True)
        command = [
            str(self.bin_dir / "ansible-playbook"),
            "-i",
            str(inventory or self.default_inventory),
            str(self._playbook_path(playbook, run_dir)),
        ]
        if extravars:
            extravars_file = run_dir / "extravars.json"
            extravars_file.write_text(json.dumps(extravars), encoding="utf-8")
            command += ["-e", "@%s" % extravars_file]
        command += ["--check"] if check else []
        command += ["--diff"] if diff else []
        command += ["-" + "v" * verbosity] if verbosity else []
        command += ["--forks", str(forks)] if forks else []
        with open(run_dir / "stdout.txt", "wb") as stdout, open(run_dir / "stderr.txt", "wb") as stderr:
            started = time.monotonic()
            process = subprocess.Popen(  # pylint: disable=consider-using-with
                command,
                cwd=str(run_dir),
                env=self._process_env(run_dir, env),
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
        return RunningPlaybook(process, run_dir, started, timeout)

    def _process_env(self, run_dir: Path, overrides: Optional[dict]) -> Dict[str, str]:
        """The base environment with ``overrides`` applied; an override of None removes the variable."""
        process_env = dict(self.base_env, OZONETEL_TEST_RESULTS=str(run_dir / "results.jsonl"))
        for name, value in (overrides or {}).items():
            if value is None:
                process_env.pop(name, None)
            else:
                process_env[name] = str(value)
        return process_env

    def _playbook_path(self, playbook: str, run_dir: Path) -> Path:
        if "\n" in playbook:
            inline = run_dir / "playbook.yml"
            inline.write_text(playbook, encoding="utf-8")
            return inline
        path = Path(playbook)
        return path if path.is_absolute() else self.playbook_dir / path
