# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""An account with 20,000 records: the streamed status read gives the info filters and check mode exact results."""

from __future__ import annotations

from cloudagent_emulator.rows import DEFAULT_CAMPAIGN, Row
from cloudagent_harness.layout import DEMO_API_KEY, DEMO_USER
from cloudagent_harness.planner_oracle import compact

READ = "Read scheduled data with each filter"
DELETE = "Delete the requested rows"
LAST_ID = 20000
SENT = range(15001, 15101)
RARE_PENDING = range(20001, 20006)
RARE_SENT = range(20006, 20011)


def seed_large_account(emulator):
    emulator.seed(DEMO_USER, spec="1-%d" % LAST_ID)
    emulator.seed(DEMO_USER, spec="%d-%d" % (SENT[0], SENT[-1]), is_request_sent=True)
    emulator.seed(DEMO_USER, ids=list(RARE_PENDING), campaign_name="rare")
    emulator.seed(DEMO_USER, ids=list(RARE_SENT), campaign_name="rare", is_request_sent=True)


def row(row_id):
    campaign = "rare" if row_id > LAST_ID else DEFAULT_CAMPAIGN
    return Row(row_id, campaign, row_id in SENT or row_id in RARE_SENT)


def expected_record(source: Row) -> dict:
    """The record the info module documents, written from the emulator's row (not from the collection's code)."""
    schedule_time = source.schedule_time()
    return {
        "id": source.row_id,
        "campaign_name": source.campaign_name,
        "phone_number": source.phone_number(),
        "schedule_time": schedule_time,
        "created_date": "2026-11-20 10:00:00",
        "request_time": schedule_time if source.is_request_sent else "",
        "is_request_sent": source.is_request_sent,
        "params": {
            "campaign_name": source.campaign_name,
            "action": "START",
            "format": "json",
            "PhoneNumber": source.phone_number(),
            "Name": "Customer %d" % source.row_id,
            "ScheduledTime": schedule_time,
            "skill": "demo_skill",
            "AgentID": "demo_agent",
            "Priority": "1",
        },
        "response": {"status": "queued", "message": "Customer added to campaign"} if source.is_request_sent else "",
    }


QUERIES = [
    ({"campaign_name": "rare"}, list(RARE_PENDING) + list(RARE_SENT)),
    ({"campaign_name": "rare", "pending": True}, list(RARE_PENDING)),
    ({"pending": False, "row_id": "15050-15060,20009"}, list(range(15050, 15061)) + [20009]),
    ({"row_id": "19995-20003"}, list(range(19995, 20004))),
    ({"campaign_name": DEFAULT_CAMPAIGN, "pending": False}, list(SENT)),
    ({"campaign_name": "no_such_campaign"}, []),
]


def test_info_filters_on_a_large_account_return_exactly_the_matching_records(emulator, run_playbook):
    seed_large_account(emulator)
    reads_before = emulator.counters()["get_scheduled_data"]

    result = run_playbook("info.yml", {"info_queries": [query for query, _ids in QUERIES]})

    assert result.rc == 0, result
    answers = result.one(READ)["results"]
    assert emulator.counters()["get_scheduled_data"] - reads_before == len(QUERIES)
    for answer, (query, expected_ids) in zip(answers, QUERIES):
        assert answer["scheduled_data"] == [expected_record(row(row_id)) for row_id in expected_ids], query
        assert answer["row_ids"] == compact(expected_ids), query
        assert answer["changed"] is False
        assert not answer.get("warnings"), query
    assert DEMO_API_KEY not in result.output


def test_check_mode_delete_of_1000_ids_on_a_large_account_predicts_exactly(emulator, run_playbook):
    seed_large_account(emulator)
    before = emulator.counters()
    wanted = "19501-20500"

    result = run_playbook("delete.yml", {"row_id": wanted}, check=True, diff=True)

    assert result.rc == 0, result
    answer = result.one(DELETE)
    existing = list(range(19501, 20011))
    assert answer["changed"] is True
    assert answer["row_ids"] == wanted
    assert answer["deleted"] == compact(existing)
    assert answer["not_found"] == compact(range(20011, 20501))
    assert answer["batches"] == []
    assert answer["diff"]["before"]["row_ids"] == existing
    assert answer["diff"]["after"]["row_ids"] == []
    after = emulator.counters()
    assert after["delete"] - before["delete"] == 0
    assert after["get_scheduled_data"] - before["get_scheduled_data"] == 1
    assert len(emulator.ids(DEMO_USER)) == LAST_ID + len(RARE_PENDING) + len(RARE_SENT)
