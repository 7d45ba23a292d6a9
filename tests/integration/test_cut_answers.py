# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Answers that break off mid-body, answers that start with whitespace, records with a lone surrogate.

The emulator processes each of these requests (a token is made, rows are deleted or created) and
only then breaks its answer: a short body under Content-Length, a chunk that never ends, broken
gzip, or a TCP reset. Such an answer is a lost answer, like a dropped connection.
"""

from __future__ import annotations

import datetime

import pytest

from cloudagent_emulator.control import EmulatorError
from cloudagent_harness.layout import DEMO_API_KEY, DEMO_USER
from helpers import requests_to

CUT_KINDS = ("cut_short", "cut_chunked", "cut_gzip", "cut_reset")
DELETE = "Delete the requested rows"
READ = "Read scheduled data with each filter"
SCHEDULE = "Schedule the rows"
LOST_ANSWER = r"broke off|connection|reset|decode"

CUT_GENERATIONS = """
- hosts: localhost
  gather_facts: false
  tasks:
%s    - name: Ask for a token once more
      block:
        - name: Get a token through the cache
          ansible.builtin.debug:
            msg: "{{ lookup('ozonetel.cloudagent.ozonetel_token') | length }}"
      rescue:
        - name: Keep the refusal
          ansible.builtin.set_fact:
            refusal: "{{ ansible_failed_result.msg }}"
""" % "".join(
    """    - name: Ask for a token whose answer is cut (%d of 10)
      ansible.builtin.debug:
        msg: "{{ lookup('ozonetel.cloudagent.ozonetel_token') | length }}"
      ignore_errors: true
"""
    % number
    for number in range(1, 11)
)


def assert_no_crash(result):
    assert "Traceback" not in result.output, result
    for raw_exception in ("failed: ('Connection broken", "urllib3.exceptions"):
        assert raw_exception not in result.output, result
    assert DEMO_API_KEY not in result.output


def test_every_token_answer_cut_mid_body_counts_in_the_ledger(emulator, run_playbook):
    emulator.faults([dict(endpoint="generate_token", kind=CUT_KINDS[n % 4], after_bytes=20) for n in range(10)])

    result = run_playbook(CUT_GENERATIONS)

    assert result.rc == 0, result
    for number in range(1, 11):
        task = "Ask for a token whose answer is cut (%d of 10)" % number
        message = result.one(task).get("msg", "")
        assert result.status(task) == "failed", (number, message)
        assert "counts as one of the 10 token generations" in message, message
    counters = emulator.counters()
    assert counters["generate_token"] == 10, "the 11th generation must be refused before it is sent"
    assert counters["generate_token_ok"] == 10, "the emulator made a token for every cut answer"
    refusal = result.one("Keep the refusal")["ansible_facts"]["refusal"]
    assert "10 tokens were generated" in refusal, refusal
    assert_no_crash(result)


@pytest.mark.parametrize("kind", CUT_KINDS)
def test_a_status_answer_cut_mid_body_is_read_again(emulator, run_playbook, kind):
    emulator.seed(DEMO_USER, spec="1-5")
    emulator.fault(endpoint="get_scheduled_data", kind=kind, after_bytes=60)

    result = run_playbook("info.yml", {"info_queries": [{}]})

    assert result.rc == 0, result
    assert [record["id"] for record in result.one(READ)["results"][0]["scheduled_data"]] == [1, 2, 3, 4, 5]
    assert len(requests_to(emulator.counters(), "get_scheduled_data")) == 2
    assert "retry 1 of" in result.output, result
    assert_no_crash(result)


@pytest.mark.parametrize("kind", CUT_KINDS)
def test_a_delete_answer_cut_mid_body_follows_the_lost_answer_rule(emulator, run_playbook, kind):
    emulator.seed(DEMO_USER, spec="1-10")
    emulator.fault(endpoint="delete", kind=kind, after_bytes=20)

    result = run_playbook("delete.yml", {"row_id": "1-5"})

    assert result.rc == 0, result
    assert [entry["row_spec"] for entry in requests_to(emulator.counters(), "delete")] == ["1-5", "1-5"]
    assert emulator.ids(DEMO_USER) == [6, 7, 8, 9, 10]
    outcome = result.one(DELETE)
    assert outcome["changed"] is True, "the cut attempt deleted the rows: this run changed them"
    assert any("lost" in warning or "probably" in warning for warning in outcome.get("warnings", [])), outcome
    assert_no_crash(result)


@pytest.mark.parametrize("kind", CUT_KINDS)
def test_a_schedule_answer_cut_mid_body_is_not_repeated_and_its_rows_are_reported_as_possibly_created(
    emulator, run_playbook, kind
):
    tomorrow = datetime.datetime.now().replace(second=0, microsecond=0) + datetime.timedelta(days=1)
    times = [(tomorrow + datetime.timedelta(minutes=n)).strftime("%Y-%m-%d %H:%M:%S") for n in range(3)]
    rows = [dict(phone_number="99000000%02d" % n, scheduled_time=times[n]) for n in range(3)]
    emulator.fault(endpoint="schedule", kind=kind, after_bytes=20)

    first = run_playbook("present.yml", {"wanted_rows": rows})

    assert first.rc != 0 and first.status(SCHEDULE) == "failed", first
    message = first.one(SCHEDULE)["msg"]
    assert "3 rows" in message and "may have created them" in message, message
    posts = requests_to(emulator.counters(), "schedule")
    assert len(posts) == 1, "a POST whose answer was cut is never repeated"
    assert len(emulator.records(DEMO_USER)) == 3, "the emulator created the rows before cutting the answer"
    assert_no_crash(first)

    rerun = run_playbook("present.yml", {"wanted_rows": rows})

    assert rerun.rc == 0, rerun
    assert rerun.one(SCHEDULE)["changed"] is False
    assert len(requests_to(emulator.counters(), "schedule")) == 1, "the rerun found the rows and sent no POST"


# ---- answers that start with whitespace ----------------------------------------------------------


def test_answers_starting_with_whitespace_are_read_on_every_endpoint(emulator, run_playbook):
    emulator.seed(DEMO_USER, spec="1-10")
    emulator.faults(
        [
            dict(endpoint="generate_token", kind="whitespace", prefix="\n"),
            dict(endpoint="get_scheduled_data", kind="whitespace", prefix=" \r\n\t", times=2),
            dict(endpoint="delete", kind="whitespace", prefix="\n\n"),
        ]
    )

    read = run_playbook("info.yml", {"info_queries": [{"row_id": "2-4"}]})
    deleted = run_playbook("delete.yml", {"row_id": "1-5"})

    assert read.rc == 0 and deleted.rc == 0, (read, deleted)
    assert [record["id"] for record in read.one(READ)["results"][0]["scheduled_data"]] == [2, 3, 4]
    assert deleted.one(DELETE)["deleted"] == "1-5"
    assert emulator.ids(DEMO_USER) == [6, 7, 8, 9, 10]


# ---- a record with a lone surrogate -------------------------------------------------------------


def test_a_record_with_a_lone_surrogate_is_returned_with_a_replacement_character(emulator, run_playbook):
    emulator.seed(DEMO_USER, spec="1-3")
    emulator.fault(endpoint="get_scheduled_data", kind="lone_surrogate")

    result = run_playbook("info.yml", {"info_queries": [{}]})

    assert result.rc == 0, result
    records = result.one(READ)["results"][0]["scheduled_data"]
    assert [record["id"] for record in records] == [1, 2, 3]
    assert records[0]["params"]["Name"] == "\ufffdCustomer 1"
    assert records[1]["params"]["Name"] == "Customer 2"
    assert_no_crash(result)


def test_a_selector_delete_reading_a_record_with_a_lone_surrogate_succeeds(emulator, run_playbook):
    emulator.seed(DEMO_USER, spec="1-3")
    emulator.seed(DEMO_USER, spec="4-5", campaign_name="other_campaign")
    emulator.faults([dict(endpoint="get_scheduled_data", kind="lone_surrogate", times=2)])

    result = run_playbook("selectors.yml", {"selectors": {"campaign_name": "demo_campaign"}})

    assert result.rc == 0, result
    assert [record["id"] for record in result.one("Read the rows the selectors match")["scheduled_data"]] == [1, 2, 3]
    assert result.one("Delete the rows the selectors match")["deleted"] == "1-3"
    assert emulator.ids(DEMO_USER) == [4, 5]
    assert_no_crash(result)


@pytest.mark.parametrize(
    "rule, error",
    [
        (dict(kind="whitespace", prefix="x"), "JSON whitespace"),
        (dict(kind="cut_short", after_bytes=-1), "after_bytes"),
    ],
)
def test_the_emulator_refuses_a_broken_answer_rule_it_cannot_apply(emulator, rule, error):
    with pytest.raises(EmulatorError, match=error):
        emulator.fault(endpoint="delete", **rule)
    assert emulator.pending_faults() == []
