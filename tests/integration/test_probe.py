# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""docs/examples/probe.yml: read-only, one token at most, one status read, and a plain verdict."""

from __future__ import annotations

import json
from pathlib import Path

from cloudagent_harness.layout import DEMO_API_KEY, DEMO_USER
from helpers import JWT_PATTERN

PROBE = str(Path(__file__).resolve().parents[2] / "docs" / "examples" / "probe.yml")
SHOW = "Show what the API answered beside what the collection assumes"


def report(run) -> list:
    return run.one(SHOW)["msg"]


def assert_read_only(counters: dict, generations: int) -> None:
    methods = [(entry["method"], entry["endpoint"]) for entry in counters["requests"]]
    assert ("POST", "generate_token") not in methods[generations:], methods
    assert methods == [("POST", "generate_token")] * generations + [("GET", "get_scheduled_data")], methods
    assert counters["delete"] == counters["schedule"] == 0


def assert_no_secret(run) -> None:
    assert DEMO_API_KEY not in run.output
    assert JWT_PATTERN.findall(run.output) == []


def test_the_probe_reads_once_writes_nothing_and_agrees_with_the_emulator(emulator, run_playbook):
    emulator.seed(DEMO_USER, spec="1-5", campaign_name="spring")
    emulator.seed(DEMO_USER, spec="6-7", campaign_name="winter", is_request_sent=True)

    run = run_playbook(PROBE, verbosity=3)

    assert run.rc == 0, run
    lines = report(run)
    assert lines[-1] == "AGREE: the answer matches what the collection assumes", lines
    assert "Reply: a list of 7 record(s)" in lines[1]
    assert "Campaigns present (7 records): spring, winter" in lines
    assert any(line.startswith("Id type: text of digits") for line in lines), lines
    assert any("ScheduleTime 9999-99-99 99:99:99;" in line for line in lines), lines
    assert_read_only(emulator.counters(), generations=1)
    assert_no_secret(run)
    assert emulator.ids(DEMO_USER) == [1, 2, 3, 4, 5, 6, 7]


def test_a_second_probe_reuses_the_cached_token(emulator, run_playbook):
    emulator.seed(DEMO_USER, spec="1")

    runs = [run_playbook(PROBE), run_playbook(PROBE)]

    assert [run.rc for run in runs] == [0, 0], runs
    counters = emulator.counters()
    assert (counters["generate_token"], counters["get_scheduled_data"]) == (1, 2)
    assert counters["delete"] == counters["schedule"] == 0
    assert "Reply: one record (an object)" in report(runs[1])[1]


def test_the_probe_says_plainly_when_the_answer_differs(emulator, run_playbook):
    record = {
        "Id": "row-1",
        "api_key": DEMO_API_KEY,
        "ScheduleTime": "2026-12-01T09:00:00+05:30",
        "ScheduleParams": "api_key=%s&campaign_name=autumn&PhoneNumber=9800000001" % DEMO_API_KEY,
        "IsRequestSent": "false",
    }
    body = json.dumps({"status": "Success", "message": record})
    emulator.fault(endpoint="get_scheduled_data", kind="http_status", status=200, body=body)

    run = run_playbook(PROBE)

    assert run.rc == 0, run
    lines = report(run)
    verdict = lines[-1]
    assert verdict.startswith("DIFFER: "), lines
    for expected in (
        "Id is text",
        "ScheduleTime written 9999-99-99T99:99:99+99:99",
        "ScheduleParams lacks ScheduledTime",
        "IsRequestSent holds false",
    ):
        assert expected in verdict, verdict
    assert "Reply: one record (an object)" in lines[1]
    assert "Campaigns present (1 records): autumn" in lines
    assert_read_only(emulator.counters(), generations=1)
    assert_no_secret(run)


def test_the_probe_reports_a_refusal_without_failing(emulator, run_playbook):
    emulator.fault(endpoint="get_scheduled_data", kind="html")

    run = run_playbook(PROBE)

    assert run.rc == 0, run
    verdict = report(run)[-1]
    assert verdict.startswith("DIFFER: HTTP status 502 (assumed: 200)"), verdict
    assert_no_secret(run)
