# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark of state=present: 1,000 wanted rows on an account holding 10,000, the rerun, and a uri loop."""

from __future__ import annotations

import datetime
from typing import List

from bench_report import COUNT, Measurement, Report
from bench_support import AnsibleRunner, BenchError
from cloudagent_harness.layout import DEMO_USER

PRESENT_CAMPAIGN = "bench_present"
URI_CAMPAIGN = "bench_uri"
EXISTING_ROWS = (20001, 30000)
WANTED_ROWS = 1000
ROWS_PER_POST = 100
PRESENT_TASK = "Schedule the rows declaratively"
URI_TASK = "Send one POST per row"


def add_arguments(parser) -> None:
    parser.add_argument(
        "--present-uri-rows",
        type=int,
        default=100,
        help="rows the per-row uri POST loop sends (default %(default)s; --full sends all 1,000)",
    )


def wanted_rows(count: int, first_phone: int) -> List[dict]:
    """Rows inside the API's 30-day window, starting tomorrow, one a minute."""
    start = datetime.datetime.now().replace(second=0, microsecond=0) + datetime.timedelta(days=1)
    return [
        {
            "phone_number": str(first_phone + n),
            "scheduled_time": (start + datetime.timedelta(minutes=n)).strftime("%Y-%m-%d %H:%M:%S"),
        }
        for n in range(count)
    ]


def _posts(runner: AnsibleRunner, before: int) -> List[int]:
    log = runner.emulator.counters()["requests"]
    return [entry["rows"] for entry in log[before:] if entry["endpoint"] == "schedule"]


def _log_length(runner: AnsibleRunner) -> int:
    return len(runner.emulator.counters()["requests"])


def _campaign_rows(runner: AnsibleRunner, campaign: str) -> int:
    return sum(1 for row in runner.emulator.records(DEMO_USER) if row["campaign_name"] == campaign)


def measure_present(runner: AnsibleRunner, report: Report, runs: int, uri_rows: int) -> None:
    low, high = EXISTING_ROWS
    runner.emulator.seed(DEMO_USER, spec="%d-%d" % EXISTING_ROWS, campaign_name=PRESENT_CAMPAIGN)
    rows = wanted_rows(WANTED_ROWS, 9700000000)
    extra_vars = {"bench_campaign": PRESENT_CAMPAIGN, "bench_rows": rows}

    start = _log_length(runner)
    first = runner.run("module_present.yml", extra_vars)
    posts = _posts(runner, start)
    if _campaign_rows(runner, PRESENT_CAMPAIGN) != (high - low + 1) + WANTED_ROWS:
        raise BenchError("state=present did not leave the 10,000 existing plus the 1,000 wanted rows")
    wanted_posts = -(-WANTED_ROWS // ROWS_PER_POST)
    reads = first.counters["get_scheduled_data"]
    report.add(
        Measurement(
            "state=present, %d new rows, %d existing: first run" % (WANTED_ROWS, high - low + 1),
            [first.seconds],
            [first.task_seconds(PRESENT_TASK)],
            first.counters["delete"],
            "POSTs %d, status reads %d" % (len(posts), reads),
        )
    )
    report.target(
        COUNT, "state=present 1,000 rows: POSTs", str(wanted_posts), str(len(posts)), len(posts) == wanted_posts
    )
    report.target(COUNT, "state=present 1,000 rows: status reads", "2", str(reads), reads == 2)

    reruns, rerun_posts = [], []
    for _round in range(runs):
        start = _log_length(runner)
        reruns.append(runner.run("module_present.yml", extra_vars))
        rerun_posts.extend(_posts(runner, start))
        if reruns[-1].first_result(PRESENT_TASK).get("changed"):
            raise BenchError("the identical rerun of state=present reported a change")
    report.add(
        Measurement(
            "state=present, identical rerun",
            [run.seconds for run in reruns],
            [run.task_seconds(PRESENT_TASK) for run in reruns],
            sum(r.counters["delete"] for r in reruns),
            "POSTs %d, status reads %s"
            % (len(rerun_posts), sorted({r.counters["get_scheduled_data"] for r in reruns})),
        )
    )
    report.target(COUNT, "state=present identical rerun: POSTs", "0", str(len(rerun_posts)), not rerun_posts)
    rerun_reads = sorted({run.counters["get_scheduled_data"] for run in reruns})
    report.target(
        COUNT, "state=present identical rerun: status reads", "1", ",".join(map(str, rerun_reads)), rerun_reads == [1]
    )
    _measure_uri_loop(runner, report, first, uri_rows)


def _measure_uri_loop(runner: AnsibleRunner, report: Report, module_run, uri_rows: int) -> None:
    runner.emulator.add_campaign(DEMO_USER, URI_CAMPAIGN)
    rows = wanted_rows(uri_rows, 9600000000)
    start = _log_length(runner)
    loop = runner.run("uri_schedule_loop.yml", {"bench_campaign": URI_CAMPAIGN, "bench_rows": rows})
    posts = _posts(runner, start)
    if len(posts) != uri_rows or _campaign_rows(runner, URI_CAMPAIGN) != uri_rows:
        raise BenchError("the uri loop did not create one row per POST")
    report.add(
        Measurement(
            "uri loop, one POST per row, %d rows" % uri_rows,
            [loop.seconds],
            [loop.task_seconds(URI_TASK)],
            0,
            "POSTs %d (a rerun POSTs them all again)" % len(posts),
        )
    )
    per_row = loop.task_seconds(URI_TASK) / uri_rows
    report.notes.append(
        "Scheduling: the uri loop costs %.0f ms per row, so 1,000 rows take about %.0f s and 1,000 POSTs (and a rerun "
        "as many again); the module scheduled 1,000 rows in %.1f s with 10 POSTs, and its rerun sends none."
        % (per_row * 1000, per_row * WANTED_ROWS, module_run.seconds)
    )


def method_lines(uri_rows: int) -> List[str]:
    return [
        "Declarative scheduling: 10,000 rows seeded in one campaign, then `state: present` with 1,000 new rows "
        "(POSTs and status reads counted by the emulator), the identical rerun --runs times, and an "
        "`ansible.builtin.uri` loop with one POST per row over %d rows for comparison." % uri_rows
    ]
