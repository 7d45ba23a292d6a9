# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ozonetel_schedule_data end to end: every row_id form, the request plan, idempotence, check and diff mode."""

from __future__ import annotations

import pytest

from cloudagent_harness.layout import DEMO_USER
from cloudagent_harness.planner_oracle import (
    compact,
    expand_row_id_value,
    expected_plan,
    fewest_requests_any_subset,
    runs_of,
    spec_ids,
)
from helpers import delete_specs, requests_to

FIRST = "Delete the requested rows"
AGAIN = "Delete the same rows again"

FORMS = [
    pytest.param(7, None, id="int"),
    pytest.param("7", None, id="numeric-string"),
    pytest.param("2,3,5,6", None, id="comma-list"),
    pytest.param("3-10", None, id="range"),
    pytest.param(["1-5", 8, "10,12,14", "20-30"], None, id="mixed-list"),
    # 250 scattered ids in lists of at most 100: three comma lists.
    pytest.param(",".join(str(n) for n in range(2, 501, 2)), 100, id="batch-size-100"),
    # One long run and a few singles: the run goes as a range, the singles as one list sent first.
    pytest.param(["1,3,5", "100-400"], 100, id="range-and-list-ascending"),
    # batch_size 3: "1-10" as a range, then "20,22,24" and "26".
    pytest.param(["1-10", 20, 22, 24, 26], 3, id="batch-size-3"),
]


def assert_plan_is_optimal(sent, requested, batch_size):
    """Each spec is one documented form, ascending, covering exactly the requested ids with the fewest requests."""
    covered = []
    for spec in sent:
        ids = spec_ids(spec)
        assert len(ids) <= batch_size or "-" in spec, "comma list %r is longer than batch_size %d" % (spec, batch_size)
        covered.extend(ids)
    assert sorted(covered) == sorted(requested), "the DELETEs %r do not cover exactly %s" % (sent, compact(requested))
    assert len(covered) == len(set(covered)), "an id was sent twice: %r" % sent
    firsts = [spec_ids(spec)[0] for spec in sent]
    assert firsts == sorted(firsts), "DELETEs not in ascending id order: %r" % sent
    if len(runs_of(requested)) <= 14:
        assert len(sent) == fewest_requests_any_subset(requested, batch_size)


@pytest.mark.parametrize("row_id, batch_size", FORMS)
def test_each_form_deletes_exactly_the_requested_rows_with_the_optimal_plan(emulator, run_playbook, row_id, batch_size):
    emulator.seed(DEMO_USER, spec="1-600")
    requested = expand_row_id_value(row_id)
    extravars = {"row_id": row_id, "rerun": True}
    if batch_size:
        extravars["batch_size"] = batch_size

    result = run_playbook("delete.yml", extravars)

    assert result.rc == 0, result
    survivors = sorted(set(range(1, 601)) - set(requested))
    assert emulator.ids(DEMO_USER) == survivors
    counters = emulator.counters()
    plan = expected_plan(requested, batch_size or 100)
    sent = delete_specs(counters)
    first_run, second_run = sent[: len(plan)], sent[len(plan) :]
    assert first_run == plan
    assert second_run == plan
    assert_plan_is_optimal(first_run, requested, batch_size or 100)
    assert counters["invalid_specs"] == 0
    assert counters["generate_token_ok"] == 1, "token mode must generate one token and reuse it for the rerun"
    assert {entry["auth"] for entry in requests_to(counters, "delete")} == {"bearer"}

    first = result.one(FIRST)
    assert first["changed"] is True
    assert first["row_ids"] == compact(requested)
    assert [batch["row_id"] for batch in first["batches"]] == plan
    assert {batch["result"] for batch in first["batches"]} == {"deleted"}
    assert first["deleted"] == compact(requested)
    assert first["not_found"] == ""
    again = result.one(AGAIN)
    assert again["changed"] is False
    assert [batch["row_id"] for batch in again["batches"]] == plan
    assert {batch["result"] for batch in again["batches"]} == {"not_found"}
    assert again["deleted"] == ""
    assert again["not_found"] == compact(requested)


def test_results_and_diff_split_deleted_from_not_found(emulator, run_playbook):
    emulator.seed(DEMO_USER, spec="1-10")
    emulator.seed(DEMO_USER, spec="100-105")

    # batch_size 5 makes "1-10" and "50-60" two ranges: one deletes, one finds nothing.
    result = run_playbook("delete.yml", {"row_id": ["1-10", "50-60"], "batch_size": 5, "rerun": True}, diff=True)

    assert result.rc == 0, result
    assert emulator.ids(DEMO_USER) == list(range(100, 106))
    assert delete_specs(emulator.counters()) == ["1-10", "50-60", "1-10", "50-60"]
    first = result.one(FIRST)
    assert first["changed"] is True
    assert first["row_ids"] == "1-10,50-60"
    assert first["deleted"] == "1-10"
    assert first["not_found"] == "50-60"
    assert [(batch["row_id"], batch["result"]) for batch in first["batches"]] == [
        ("1-10", "deleted"),
        ("50-60", "not_found"),
    ]
    assert all(isinstance(batch["message"], str) for batch in first["batches"])
    assert first["batches"][1]["message"] == "No data found"
    assert first["diff"]["before"]["row_ids"] == list(range(1, 11))
    assert first["diff"]["after"]["row_ids"] == []
    again = result.one(AGAIN)
    assert again["changed"] is False
    assert again["diff"]["before"]["row_ids"] == []
    assert again["diff"]["after"]["row_ids"] == []
    assert [batch["result"] for batch in again["batches"]] == ["not_found", "not_found"]


@pytest.mark.parametrize(
    "row_id, existing, expect_changed",
    [
        pytest.param("5-15", list(range(5, 11)), True, id="some-exist"),
        pytest.param(["20-30", 45], [], False, id="none-exist"),
    ],
)
def test_check_mode_reads_once_sends_no_delete_and_predicts_exactly(
    emulator, run_playbook, row_id, existing, expect_changed
):
    emulator.seed(DEMO_USER, spec="1-10")

    result = run_playbook("delete.yml", {"row_id": row_id}, check=True, diff=True)

    assert result.rc == 0, result
    counters = emulator.counters()
    assert counters["delete"] == 0
    assert counters["get_scheduled_data"] == 1
    assert emulator.ids(DEMO_USER) == list(range(1, 11))
    predicted = result.one(FIRST)
    assert predicted["changed"] is expect_changed
    assert predicted["row_ids"] == compact(expand_row_id_value(row_id))
    assert predicted["diff"]["before"]["row_ids"] == existing
    assert predicted["diff"]["after"]["row_ids"] == []
    assert not predicted["warnings"]


def test_check_mode_assumes_a_change_with_a_warning_when_the_status_read_fails(emulator, run_playbook):
    emulator.seed(DEMO_USER, spec="1-10")
    emulator.fault(endpoint="get_scheduled_data", kind="server_error_json")

    result = run_playbook("delete.yml", {"row_id": "50-60"}, check=True)

    assert result.rc == 0, result
    counters = emulator.counters()
    assert counters["delete"] == 0
    assert counters["get_scheduled_data"] == 1, "HTTP 500 is not retried"
    predicted = result.one(FIRST)
    assert predicted["changed"] is True
    assert any("500" in warning for warning in predicted["warnings"]), predicted["warnings"]
    assert "[WARNING]" in result.output
    assert "Traceback" not in result.output
