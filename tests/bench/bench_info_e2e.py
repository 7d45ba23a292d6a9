# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The info module end to end (make bench BENCH=info-e2e): what a playbook pays for the records it registers.

For each account size, in interleaved rounds: the floor (status_floor.py), then one info task through
``ansible-playbook`` with its result registered, three ways: every record in full, three fields, and
``limit: 0``. Time: the info task (result_recorder callback) and the whole playbook. Memory: the
peak, over the run, of the memory of the playbook's whole process tree (ansible-playbook, its
forked workers and the module's Python), sampled from /proc (see ``TreeSampler``); the floor
process is sampled the same way.

Its section of docs/performance.md sits between two markers, so this part alone can update it.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from bench_support import PLAYBOOK_DIR, BenchError, bench_environment, load_average
from cloudagent_harness.ansible_setup import ansible_bin_dir, write_inventory
from cloudagent_harness.playbook_runner import PlaybookRunner

BENCH_DIR = Path(__file__).resolve().parent
SIZES = (10000, 100000, 300000)
API_KEY = "FAKE-BENCH-E2E-KEY-0004"
RARE = "bench_rare"
RARE_ROWS = 10
INFO_TASK = "Read the scheduled data"
FIELDS = ["id", "phone_number", "schedule_time"]
RECORD_FIELDS = (
    "id",
    "campaign_name",
    "phone_number",
    "schedule_time",
    "created_date",
    "request_time",
    "is_request_sent",
    "params",
    "response",
)
# The result keys the result_recorder callback writes: never the records (the callback is not what is measured).
KEPT_RESULT_KEYS = ("changed", "failed", "row_ids", "truncated", "summary", "msg")
ARMS = (
    ("full", "every record, all keys", {}),
    ("fields", "fields: [%s]" % ", ".join(FIELDS), {"bench_fields": FIELDS}),
    ("limit0", "limit: 0", {"bench_limit": 0}),
    # What the default would cost without ``params``, which repeats the top-level columns (the default is kept).
    ("no_params", "every key but params", {"bench_fields": [name for name in RECORD_FIELDS if name != "params"]}),
)
SAMPLE_SECONDS = 0.05
BEGIN_MARKER = "<!-- info-e2e: begin (tests/bench/bench_info_e2e.py) -->"
END_MARKER = "<!-- info-e2e: end -->"


class TreeSampler:
    """Peak memory of a process and all its descendants.

    Every SAMPLE_SECONDS it sums, over the leader and every process descending from it (followed
    through the parent pid of ``/proc/PID/stat``: Ansible's forked workers call ``setsid``, so the
    leader's session would leave out the worker and the module), their PSS
    (``/proc/PID/smaps_rollup``: shared pages split between the processes that share them, so forked
    workers are not counted twice) and their RSS; it keeps the peak of each sum.
    """

    def __init__(self, leader: int):
        self.leader = leader
        self.peak_pss_kb = 0
        self.peak_rss_kb = 0
        self.processes_seen: set = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "TreeSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(SAMPLE_SECONDS)

    def sample(self) -> None:
        pss = rss = 0
        for pid in self._members():
            memory = _memory_kb(pid)
            if memory:
                pss += memory[0]
                rss += memory[1]
                self.processes_seen.add(pid)
        self.peak_pss_kb = max(self.peak_pss_kb, pss)
        self.peak_rss_kb = max(self.peak_rss_kb, rss)

    def _members(self) -> List[int]:
        children: Dict[int, List[int]] = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % name, "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if len(fields) > 1:  # field 4 of stat: the parent pid
                children.setdefault(int(fields[1]), []).append(int(name))
        members, pending = [], [self.leader]
        while pending:
            pid = pending.pop()
            members.append(pid)
            pending.extend(children.get(pid, ()))
        return members


def _memory_kb(pid: int) -> Optional[tuple]:
    try:
        with open("/proc/%d/smaps_rollup" % pid, "rb") as rollup:
            text = rollup.read()
    except OSError:
        return None
    values = {}
    for line in text.splitlines():
        key, _sep, rest = line.partition(b":")
        if key in (b"Rss", b"Pss"):
            values[key] = int(rest.split()[0])
    return (values.get(b"Pss", 0), values.get(b"Rss", 0)) if values else None


class Sample:
    def __init__(self, task_seconds: float, wall_seconds: float, pss_mb: float, rss_mb: float):
        self.task_seconds = task_seconds
        self.wall_seconds = wall_seconds
        self.pss_mb = pss_mb
        self.rss_mb = rss_mb


class InfoEndToEnd:
    """Runs the floor and the three info arms against accounts of the emulator, with a private Ansible setup."""

    def __init__(self, workdir: Path, emulator):
        self.emulator = emulator
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        bin_dir = ansible_bin_dir()
        self.python = str(bin_dir / "python")
        self.env = bench_environment(workdir, emulator.url, KEPT_RESULT_KEYS)
        inventory = write_inventory(workdir / "inventory.json", self.python)
        self.playbooks = PlaybookRunner(bin_dir, self.env, workdir / "runs", inventory, PLAYBOOK_DIR)

    def seed(self, size: int) -> str:
        user = "bench_e2e_%d" % size
        self.emulator.add_account(user, API_KEY, "BASIC_AUTH")
        self.emulator.seed(user, spec="1-%d" % (size - RARE_ROWS))
        self.emulator.seed(user, spec="%d-%d" % (size - RARE_ROWS + 1, size), campaign_name=RARE, is_request_sent=True)
        return user

    def floor(self, user: str, size: int) -> Sample:
        started = time.perf_counter()
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [self.python, str(BENCH_DIR / "status_floor.py"), self.emulator.url, user, API_KEY],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        with TreeSampler(process.pid) as sampler:
            stdout, stderr = process.communicate()
        seconds = time.perf_counter() - started
        if process.returncode != 0 or stdout.split()[:1] != [str(size)]:
            raise BenchError("the floor script failed or read the wrong count: %s %s" % (stdout, stderr[-2000:]))
        return Sample(seconds, seconds, sampler.peak_pss_kb / 1024.0, sampler.peak_rss_kb / 1024.0)

    def info(self, user: str, size: int, arm_vars: dict) -> Sample:
        extra_vars = dict(arm_vars, bench_user=user, bench_api_key=API_KEY, bench_size=size)
        running = self.playbooks.start("info_e2e.yml", extra_vars, timeout=None)
        with TreeSampler(running.pid) as sampler:
            result = running.wait()
        if result.rc != 0:
            raise BenchError("info_e2e.yml failed (exit %d):\n%s" % (result.rc, result.output[-3000:]))
        records = result.records_of(INFO_TASK)
        answer = records[0]["result"]
        if answer.get("summary", {}).get("total") != size or answer.get("row_ids") != "1-%d" % size:
            raise BenchError(
                "the info task answered a wrong summary or row_ids: %r" % {k: answer.get(k) for k in KEPT_RESULT_KEYS}
            )
        return Sample(
            records[0]["task_seconds"], result.elapsed, sampler.peak_pss_kb / 1024.0, sampler.peak_rss_kb / 1024.0
        )


def measure_size(bench: InfoEndToEnd, size: int, runs: int, arms: Sequence[str]) -> Dict[str, List[Sample]]:
    user = bench.seed(size)
    bench.floor(user, size)  # warm-up: the emulator's templates, the page cache
    chosen = [(arm, label, arm_vars) for arm, label, arm_vars in ARMS if arm in arms]
    samples: Dict[str, List[Sample]] = {"floor": []}
    samples.update({arm: [] for arm, _label, _vars in chosen})
    for _round in range(runs):
        samples["floor"].append(bench.floor(user, size))
        for arm, _label, arm_vars in chosen:
            print("  %d records, %s ..." % (size, arm), flush=True)
            samples[arm].append(bench.info(user, size, arm_vars))
    return samples


def median(samples: Sequence[Sample], field: str) -> float:
    return statistics.median(getattr(sample, field) for sample in samples)


class Verdict:
    def __init__(self, name: str, wanted: str, measured: str, met: bool):
        self.name, self.wanted, self.measured, self.met = name, wanted, measured, met


def verdicts(results: Dict[int, Dict[str, List[Sample]]]) -> List[Verdict]:
    """The issue's targets at the largest size measured (reported, never asserted), those whose runs were made."""
    samples = results[max(results)]
    found = []
    if "limit0" in samples:
        found += _limit_zero_verdicts(max(results), samples)
    if "fields" in samples and "full" in samples:
        found += _three_field_verdicts(max(results), samples)
    return found


def _limit_zero_verdicts(size: int, samples: Dict[str, List[Sample]]) -> List[Verdict]:
    floor_s, floor_mb = median(samples["floor"], "task_seconds"), median(samples["floor"], "pss_mb")
    zero_s, zero_mb = median(samples["limit0"], "task_seconds"), median(samples["limit0"], "pss_mb")
    limit = 1.2 * floor_s + 1.0
    return [
        Verdict(
            "%d records, limit: 0: task time" % size,
            "<= 1.2 x floor + 1 s = %.2f s" % limit,
            "%.2f s" % zero_s,
            zero_s <= limit,
        ),
        Verdict(
            "%d records, limit: 0: playbook peak memory" % size,
            "<= 0.5 x floor = %.0f MB" % (0.5 * floor_mb),
            "%.0f MB" % zero_mb,
            zero_mb <= 0.5 * floor_mb,
        ),
    ]


def _three_field_verdicts(size: int, samples: Dict[str, List[Sample]]) -> List[Verdict]:
    full_s, full_mb = median(samples["full"], "task_seconds"), median(samples["full"], "pss_mb")
    three_s, three_mb = median(samples["fields"], "task_seconds"), median(samples["fields"], "pss_mb")
    return [
        Verdict(
            "%d records, three fields: task time" % size,
            "<= 0.30 x full records = %.2f s" % (0.30 * full_s),
            "%.2f s (%.2f x)" % (three_s, three_s / full_s),
            three_s <= 0.30 * full_s,
        ),
        Verdict(
            "%d records, three fields: playbook peak memory" % size,
            "<= 0.35 x full records = %.0f MB" % (0.35 * full_mb),
            "%.0f MB (%.2f x)" % (three_mb, three_mb / full_mb),
            three_mb <= 0.35 * full_mb,
        ),
    ]


def lean_default_note(results: Dict[int, Dict[str, List[Sample]]]) -> str:
    size = max(results)
    samples = results[size]
    if "full" not in samples or "no_params" not in samples:
        return "A leaner default? Not measured in this run (it needs the full-record and no-params runs)."
    full_s, full_mb = median(samples["full"], "task_seconds"), median(samples["full"], "pss_mb")
    lean_s, lean_mb = median(samples["no_params"], "task_seconds"), median(samples["no_params"], "pss_mb")
    return (
        "A leaner default? `params` repeats the top-level columns (campaign, number, time) beside the other "
        "ScheduleParams fields. Without it (`fields` naming every other key), the %d-record read costs %.2f s and "
        "%.0f MB instead of %.2f s and %.0f MB (%.0f%% and %.0f%% of the full records). The default record "
        "shape is kept as documented; `fields` reaches the leaner shape."
        % (size, lean_s, lean_mb, full_s, full_mb, 100 * lean_s / full_s, 100 * lean_mb / full_mb)
    )


def section(results: Dict[int, Dict[str, List[Sample]]], runs: int, machine: Dict[str, str]) -> List[str]:
    header = ["Records", "Run", "Info task s", "Playbook s", "Peak MB (PSS sum)", "Peak MB (RSS sum)"]
    rows = []
    for size, samples in results.items():
        for arm, label in [("floor", "floor script")] + [(arm, label) for arm, label, _vars in ARMS if arm in samples]:
            arm_samples = samples[arm]
            rows.append(
                [
                    str(size),
                    label,
                    "" if arm == "floor" else "%.2f" % median(arm_samples, "task_seconds"),
                    "%.2f" % median(arm_samples, "wall_seconds"),
                    "%.0f" % median(arm_samples, "pss_mb"),
                    "%.0f" % median(arm_samples, "rss_mb"),
                ]
            )
    lines = [
        BEGIN_MARKER,
        "## Info module end to end: what a playbook pays for the records it registers",
        "",
        "One `ozonetel_schedule_data_info` task through `ansible-playbook`, its result registered (basic "
        "authentication, no filter: every record of the account matches), beside the floor script "
        "`tests/bench/status_floor.py` (one `requests` GET and `json.loads` of the whole answer). Medians of %d "
        "round(s), interleaved, after one warm-up read; measured %s, load average %s at start and %s at end "
        "of this part, on %s cores."
        % (runs, machine["date"], machine["load_start"], machine["load_end"], machine["cores"]),
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] * len(header)) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += [
        "",
        "Targets (reported, never asserted):",
        "",
        "| Target | Wanted | Measured | Result |",
        "|---|---|---|---|",
    ]
    lines += [
        "| %s | %s | %s | %s |" % (v.name, v.wanted, v.measured, "PASS" if v.met else "MISS") for v in verdicts(results)
    ]
    lines += ["", lean_default_note(results)]
    lines += ["", "How it is measured:", ""] + ["- " + item for item in METHOD]
    lines += [END_MARKER]
    return lines


METHOD = [
    "Info task s: the task as the result_recorder callback times it, from its start to its result (the module's "
    "start-up, the read, and the controller receiving, decoding and registering the result). Playbook s: the whole "
    "`ansible-playbook` process. For the floor both columns are its whole process.",
    "Peak MB: every 50 ms a sampler reads `/proc/PID/smaps_rollup` of `ansible-playbook` and every process "
    "descending from it (its forked worker, the module's Python; found by parent pid, as the worker starts a session "
    "of its own) and sums them; the column is the largest sum seen. "
    "PSS counts a page shared by several processes once in all (forked workers share most of the controller's "
    "memory), RSS counts it in each, so the RSS sum overstates the tree; the targets use the PSS sum. The floor "
    "process is sampled the same way. A peak shorter than 50 ms may be missed.",
    "Not `ru_maxrss`: `getrusage(RUSAGE_CHILDREN)` gives the largest single descendant, never the tree at one moment.",
    "The callback records only a few keys of the result (not the records), so its own cost is not in the figures; "
    "the next task of the play reads `summary.total` from the registered result to check it.",
    "Targets: `limit: 0` at the largest size within 1.2 x the floor's time + 1 s and half its memory; three fields "
    "within 0.30 x the time and 0.35 x the memory of the full-record read.",
]


def replace_section(document: str, lines: List[str]) -> str:
    """``document`` with its info-e2e section replaced (or inserted before "## Targets", or appended)."""
    block = "\n".join(lines)
    if BEGIN_MARKER in document and END_MARKER in document:
        before, rest = document.split(BEGIN_MARKER, 1)
        _old, after = rest.split(END_MARKER, 1)
        return before + block + after
    if "\n## Targets\n" in document:
        before, after = document.split("\n## Targets\n", 1)
        return before + "\n" + block + "\n\n## Targets\n" + after
    return document.rstrip("\n") + "\n\n" + block + "\n"


def measure_info_e2e(
    workdir: Path,
    emulator,
    runs: int,
    sizes: Sequence[int],
    machine: Dict[str, str],
    arms: Sequence[str] = tuple(arm for arm, _label, _vars in ARMS),
) -> List[str]:
    """Measure every size with the floor and ``arms`` (names of ARMS); returns the Markdown section (between its markers)."""
    bench = InfoEndToEnd(workdir, emulator)
    facts = dict(machine, load_start=load_average())
    results = {}
    for size in sizes:
        print("Measuring the info module end to end, %d records ..." % size, flush=True)
        results[size] = measure_size(bench, size, runs, arms)
    facts["load_end"] = load_average()
    return section(results, runs, facts)
