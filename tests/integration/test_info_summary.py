# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The info module for large accounts, end to end: an exact summary under every filter, limit and fields.

Every expected number is computed here from the emulator's own description of its rows
(``GET /_emulator/records``), not from the collection's code.
"""

from __future__ import annotations

import datetime

from cloudagent_harness.layout import DEMO_API_KEY, DEMO_USER
from cloudagent_harness.planner_oracle import compact
from docs_snippets import yaml_snippets
from helpers import http_request_count

READ = "Read scheduled data with each filter"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
FULL_KEYS = {
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


def seed_campaigns(emulator):
    """Three campaigns with pending and sent rows, in several runs of ids."""
    emulator.seed(DEMO_USER, spec="1-40", campaign_name="spring")
    emulator.seed(DEMO_USER, spec="41-60", campaign_name="spring", is_request_sent=True)
    emulator.seed(DEMO_USER, spec="61-90", campaign_name="winter")
    emulator.seed(DEMO_USER, spec="91-100,150-155", campaign_name="winter", is_request_sent=True)
    emulator.seed(DEMO_USER, spec="300-304,310", campaign_name="autumn", is_request_sent=True)
    emulator.seed(DEMO_USER, spec="500-520", campaign_name="spring")
    return emulator.records(DEMO_USER)


def moment(text):
    """A time as the filters take it: with seconds, or a date alone (midnight)."""
    return datetime.datetime.strptime(text, TIME_FORMAT if " " in text else "%Y-%m-%d")


def digits(number):
    return "".join(char for char in number if char.isdigit() or char == "+")


def matches(row, query):
    """The filters as the interface describes them, applied to the emulator's description of a row."""
    if "row_id" in query and row["id"] not in query["ids"]:
        return False
    if "campaign_name" in query and row["campaign_name"] != query["campaign_name"]:
        return False
    if "pending" in query and row["is_request_sent"] is query["pending"]:
        return False
    if "phone_number" in query and row["phone_number"] not in {digits(number) for number in query["phone_number"]}:
        return False
    if "scheduled_after" in query and moment(row["scheduled_time"]) < moment(query["scheduled_after"]):
        return False
    return not ("scheduled_before" in query and moment(row["scheduled_time"]) >= moment(query["scheduled_before"]))


def expected_summary(rows):
    campaigns = {}
    for row in rows:
        campaigns.setdefault(row["campaign_name"], []).append(row)
    per_campaign = {
        name: {
            "total": len(members),
            "pending": sum(1 for row in members if not row["is_request_sent"]),
            "sent": sum(1 for row in members if row["is_request_sent"]),
            "first_scheduled": min(row["scheduled_time"] for row in members),
            "last_scheduled": max(row["scheduled_time"] for row in members),
        }
        for name, members in campaigns.items()
    }
    sent = sum(1 for row in rows if row["is_request_sent"])
    return {"total": len(rows), "pending": len(rows) - sent, "sent": sent, "campaigns": per_campaign}


def filter_queries(rows):
    """One query per filter and a few combinations; times and numbers are taken from the seeded rows."""
    by_id = {row["id"]: row for row in rows}
    numbers = [by_id[7]["phone_number"], by_id[95]["phone_number"], by_id[310]["phone_number"]]
    spaced = "%s %s-%s" % (numbers[0][:2], numbers[0][2:6], numbers[0][6:])
    return [
        {},
        {"row_id": [5, "38-45", "150-300"]},
        {"campaign_name": "winter"},
        {"campaign_name": "no_such_campaign"},
        {"pending": True},
        {"pending": False},
        {"phone_number": [spaced, numbers[1], numbers[2]]},
        {"scheduled_after": by_id[55]["scheduled_time"]},
        {"scheduled_before": by_id[55]["scheduled_time"]},
        {"scheduled_after": by_id[30]["scheduled_time"], "scheduled_before": by_id[152]["scheduled_time"]},
        {"campaign_name": "spring", "pending": True, "scheduled_after": by_id[20]["scheduled_time"][:10]},
    ]


def with_ids(query):
    """The query with the ids its row_id names, for ``matches``."""
    ids = set()
    for item in query.get("row_id", []):
        first, _sep, last = str(item).partition("-")
        ids.update(range(int(first), int(last or first) + 1))
    return dict(query, ids=ids)


def test_the_summary_is_exact_under_every_filter(emulator, run_playbook):
    rows = seed_campaigns(emulator)
    queries = filter_queries(rows)

    result = run_playbook("info.yml", {"info_queries": queries})

    assert result.rc == 0, result
    answers = result.one(READ)["results"]
    assert len(answers) == len(queries)
    for answer, query in zip(answers, queries):
        matching = [row for row in rows if matches(row, with_ids(query))]
        ids = [row["id"] for row in matching]
        assert answer["summary"] == expected_summary(matching), query
        assert answer["row_ids"] == compact(ids), query
        assert [record["id"] for record in answer["scheduled_data"]] == ids, query
        assert answer["truncated"] is False, query
    everything = answers[0]["summary"]
    assert sorted(everything["campaigns"]) == ["autumn", "spring", "winter"]
    assert everything["pending"] > 0 and everything["sent"] > 0
    assert [answer["summary"]["total"] for answer in answers[3:4]] == [0]
    assert DEMO_API_KEY not in result.output
    assert emulator.counters()["delete"] == 0


def test_limit_returns_the_lowest_ids_and_row_ids_still_covers_every_match(emulator, run_playbook):
    rows = seed_campaigns(emulator)
    pending = [row["id"] for row in rows if not row["is_request_sent"]]
    queries = [
        {"limit": 0},
        {"limit": 1},
        {"limit": 7, "pending": True},
        {"limit": len(rows) + 5},
        {"limit": len(pending), "pending": True},
    ]

    result = run_playbook("info.yml", {"info_queries": queries})

    assert result.rc == 0, result
    none, one, seven, beyond, exact = result.one(READ)["results"]
    every_id = [row["id"] for row in rows]
    assert none["scheduled_data"] == [] and none["truncated"] is True
    assert none["row_ids"] == compact(every_id)
    assert none["summary"] == expected_summary(rows)
    assert [record["id"] for record in one["scheduled_data"]] == every_id[:1] and one["truncated"] is True
    assert one["row_ids"] == compact(every_id)
    assert [record["id"] for record in seven["scheduled_data"]] == pending[:7] and seven["truncated"] is True
    assert seven["row_ids"] == compact(pending)
    assert seven["summary"]["total"] == len(pending)
    assert [record["id"] for record in beyond["scheduled_data"]] == every_id and beyond["truncated"] is False
    assert [record["id"] for record in exact["scheduled_data"]] == pending and exact["truncated"] is False
    for record in one["scheduled_data"] + seven["scheduled_data"]:
        assert set(record) == FULL_KEYS


def test_fields_keep_only_the_named_keys_and_always_the_id(emulator, run_playbook):
    rows = seed_campaigns(emulator)
    by_id = {row["id"]: row for row in rows}
    queries = [
        {"fields": ["phone_number", "schedule_time"], "campaign_name": "autumn"},
        {"fields": ["id"], "limit": 3},
        {"fields": ["is_request_sent", "params"], "row_id": "41"},
    ]

    result = run_playbook("info.yml", {"info_queries": queries})

    assert result.rc == 0, result
    two_keys, ids_only, nested = result.one(READ)["results"]
    autumn = [row for row in rows if row["campaign_name"] == "autumn"]
    assert two_keys["scheduled_data"] == [
        {"id": row["id"], "phone_number": row["phone_number"], "schedule_time": row["scheduled_time"]} for row in autumn
    ]
    assert two_keys["summary"] == expected_summary(autumn)
    assert ids_only["scheduled_data"] == [{"id": row["id"]} for row in rows[:3]]
    [record] = nested["scheduled_data"]
    assert set(record) == {"id", "is_request_sent", "params"} and record["is_request_sent"] is True
    assert record["params"]["PhoneNumber"] == by_id[41]["phone_number"] and "api_key" not in record["params"]
    assert DEMO_API_KEY not in result.output


def test_an_unknown_field_fails_before_any_request_naming_the_valid_keys(emulator, run_playbook):
    seed_campaigns(emulator)
    before = emulator.counters()

    result = run_playbook("info.yml", {"info_queries": [{"fields": ["id", "scheduled_time"]}]})

    assert result.rc != 0, result
    answer = result.one(READ)["results"][0]
    assert answer["failed"] is True
    assert "'scheduled_time' (did you mean 'schedule_time'?)" in answer["msg"]
    for key in sorted(FULL_KEYS):
        assert key in answer["msg"].split("Valid keys:", 1)[1]
    assert http_request_count(emulator.counters()) == http_request_count(before)


def test_a_negative_limit_fails_before_any_request(emulator, run_playbook):
    before = emulator.counters()

    result = run_playbook("info.yml", {"info_queries": [{"limit": -1}]})

    assert result.rc != 0, result
    assert "limit must be an integer of 0 or more, got -1" in result.one(READ)["results"][0]["msg"]
    assert http_request_count(emulator.counters()) == http_request_count(before)


def test_summary_limit_and_fields_in_check_mode(emulator, run_playbook):
    rows = seed_campaigns(emulator)
    queries = [{"limit": 2, "fields": ["campaign_name"], "pending": False}]

    result = run_playbook("info.yml", {"info_queries": queries}, check=True)

    assert result.rc == 0, result
    [answer] = result.one(READ)["results"]
    sent = [row for row in rows if row["is_request_sent"]]
    assert answer["scheduled_data"] == [{"id": row["id"], "campaign_name": row["campaign_name"]} for row in sent[:2]]
    assert answer["truncated"] is True and answer["row_ids"] == compact(row["id"] for row in sent)
    assert answer["summary"] == expected_summary(sent)
    assert answer["changed"] is False
    assert emulator.counters()["get_scheduled_data"] == 1 and emulator.counters()["delete"] == 0


def test_the_readme_monitoring_play_fails_exactly_when_a_campaign_has_too_many_pending_rows(emulator, run_playbook):
    [snippet] = [item for item in yaml_snippets() if item.source == "README.md" and "max_pending" in item.text]
    emulator.seed(DEMO_USER, spec="1-50", campaign_name="spring_offer")
    emulator.seed(DEMO_USER, spec="51-60", campaign_name="spring_offer", is_request_sent=True)
    emulator.seed(DEMO_USER, spec="61-100")  # 40 pending rows of demo_campaign

    over = run_playbook(snippet.playbook(), {"max_pending": 45})
    under = run_playbook(snippet.playbook(), {"max_pending": 50})

    assert over.rc != 0, over
    checks = over.one("Check each campaign against the threshold")["results"]
    failed = {check["item"]["key"]: check["msg"] for check in checks if check.get("failed")}
    assert list(failed) == ["spring_offer"], failed
    assert "spring_offer has 50 rows waiting for the dialer (more than 45)" in failed["spring_offer"]
    assert "the oldest was due at 2026-12-01 09:01:00" in failed["spring_offer"]
    assert under.rc == 0, under
