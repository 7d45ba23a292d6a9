# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ozonetel_schedule_data_info end to end: filters, the vendor's one-record and empty replies, no api key out."""

from __future__ import annotations

import json

import pytest

from cloudagent_harness.layout import DEMO_API_KEY, DEMO_USER
from cloudagent_harness.planner_oracle import compact

READ = "Read scheduled data with each filter"
RECORD_KEYS = {
    "id",
    "campaign_name",
    "phone_number",
    "schedule_time",
    "created_date",
    "request_time",
    "is_request_sent",
    "params",
    "response",
}

# query, expected ids
QUERIES = [
    ({}, list(range(1, 11))),
    ({"row_id": [2, "4-7"]}, [2, 4, 5, 6, 7]),
    ({"row_id": "50-60"}, []),
    ({"campaign_name": "spring"}, [1, 2, 3, 4, 5, 9, 10]),
    ({"pending": True}, [1, 2, 3, 4, 5]),
    ({"pending": False}, [6, 7, 8, 9, 10]),
    ({"campaign_name": "spring", "pending": False, "row_id": "1-9"}, [9]),
]


def seed_mixed_rows(emulator):
    emulator.seed(DEMO_USER, spec="1-5", campaign_name="spring", is_request_sent=False)
    emulator.seed(DEMO_USER, spec="6-8", campaign_name="winter", is_request_sent=True)
    emulator.seed(DEMO_USER, spec="9-10", campaign_name="spring", is_request_sent=True)


def assert_well_formed(record):
    assert set(record) >= RECORD_KEYS, sorted(record)
    assert isinstance(record["id"], int)
    assert isinstance(record["is_request_sent"], bool)
    assert isinstance(record["params"], dict)
    assert "api_key" not in record and "api_key" not in record["params"]
    assert not any(key[:1].isupper() for key in record), "keys must be snake_case: %s" % sorted(record)


def test_filters_select_the_right_records_and_never_return_the_api_key(emulator, run_playbook):
    seed_mixed_rows(emulator)

    result = run_playbook("info.yml", {"info_queries": [query for query, _ids in QUERIES]})

    assert result.rc == 0, result
    answers = result.one(READ)["results"]
    assert len(answers) == len(QUERIES)
    for answer, (query, expected_ids) in zip(answers, QUERIES):
        ids = [record["id"] for record in answer["scheduled_data"]]
        assert ids == expected_ids, "query %r" % query
        assert answer["row_ids"] == compact(expected_ids), "query %r" % query
        assert answer.get("changed") is False
        for record in answer["scheduled_data"]:
            assert_well_formed(record)
    by_id = {record["id"]: record for record in answers[0]["scheduled_data"]}
    assert by_id[6]["campaign_name"] == "winter"
    assert by_id[6]["is_request_sent"] is True and by_id[1]["is_request_sent"] is False
    assert by_id[6]["params"]["campaign_name"] == "winter"
    assert isinstance(by_id[6]["response"], dict), "a JSON Response is returned parsed"
    assert DEMO_API_KEY not in json.dumps(result.records)
    assert DEMO_API_KEY not in result.output
    assert emulator.counters()["delete"] == 0


@pytest.mark.parametrize(
    "seeded, check",
    [
        pytest.param([42], True, id="one-record-as-bare-object-in-check-mode"),
        pytest.param([], False, id="empty-reply"),
    ],
)
def test_single_and_empty_replies(emulator, run_playbook, seeded, check):
    if seeded:
        emulator.seed(DEMO_USER, ids=seeded, campaign_name="autumn")

    result = run_playbook("info.yml", {"info_queries": [{}]}, check=check)

    assert result.rc == 0, result
    answer = result.one(READ)["results"][0]
    assert [record["id"] for record in answer["scheduled_data"]] == seeded
    assert answer["row_ids"] == compact(seeded)
    for record in answer["scheduled_data"]:
        assert_well_formed(record)
        assert record["campaign_name"] == "autumn"
    assert emulator.counters()["get_scheduled_data"] == 1
    assert DEMO_API_KEY not in json.dumps(result.records)


def test_a_campaign_filter_no_record_carries_warns_naming_the_campaigns_that_have_records(emulator, run_playbook):
    seed_mixed_rows(emulator)

    result = run_playbook("info.yml", {"info_queries": [{"campaign_name": "SPRING"}, {"campaign_name": "spring"}]})

    assert result.rc == 0, result
    typo, right = result.one(READ)["results"]
    assert typo["scheduled_data"] == [] and len(right["scheduled_data"]) == 7
    warnings = [w for w in result.one(READ).get("warnings", []) + typo.get("warnings", []) if "SPRING" in w]
    assert warnings, result.one(READ)
    assert "campaign_name 'SPRING'" in warnings[0] and warnings[0].endswith("records: spring, winter.")
    assert not [w for w in right.get("warnings", []) if "campaign_name" in w]
