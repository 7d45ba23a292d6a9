# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_records: reading the status list into kept records or ids, including hostile records (secrets at any
depth, absurd ids, responses nested deeper than the stack)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._record_view import RecordView
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._records import (
    existing_ids_in,
    matching_records,
    normalize_record,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import RowSet, parse_row_ids
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import Selection
from ansible_collections.ozonetel.cloudagent.tests.unit.plugins.module_utils.record_oracle import normalize_records

ACCOUNT_KEY = "FAKE-ACCOUNT-KEY-0000"


def vendor_record(row_id, campaign="spring", sent="0"):
    params = urlencode(
        {
            "api_key": ACCOUNT_KEY,
            "campaign_name": campaign,
            "action": "START",
            "format": "json",
            "PhoneNumber": "98765%05d" % row_id,
            "Name": "Cust %d" % row_id,
        }
    )
    return {
        "Id": str(row_id),
        "api_key": ACCOUNT_KEY,
        "CreatedDate": "2026-11-20 10:00:00",
        "ScheduleTime": "2026-12-01 09:30:00",
        "ScheduleParams": params,
        "RequestTime": "",
        "IsRequestSent": sent,
        "Response": json.dumps({"status": "queued", "echo": "key=" + ACCOUNT_KEY}),
    }


def test_records_are_snake_case_int_ids_sorted_without_the_api_key():
    warnings = []
    records = normalize_records([vendor_record(12), vendor_record(3, sent="1"), {"Id": "x1"}], warnings.append)
    assert [r["id"] for r in records] == [3, 12]
    first = records[0]
    assert set(first) == {
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
    assert first["is_request_sent"] is True and records[1]["is_request_sent"] is False
    assert first["campaign_name"] == "spring" and first["phone_number"] == "9876500003"
    assert "api_key" not in first["params"] and first["response"]["status"] == "queued"
    assert ACCOUNT_KEY not in json.dumps(records)
    assert len(warnings) == 1 and "x1" in warnings[0]


@pytest.mark.parametrize(
    "rows, campaign, pending, expected",
    [
        (None, None, None, [1, 2, 3, 4]),
        ("2-3", None, None, [2, 3]),
        (None, "autumn", None, [3, 4]),
        (None, None, True, [1, 3]),
        (None, None, False, [2, 4]),
        ("1-3", "autumn", True, [3]),
    ],
)
def test_filters_combine(rows, campaign, pending, expected):
    raw = [vendor_record(1), vendor_record(2, sent="1"), vendor_record(3, "autumn"), vendor_record(4, "autumn", "1")]
    selection = Selection(rows=None if rows is None else parse_row_ids(rows), campaign_name=campaign, pending=pending)
    selected = matching_records(selection.matches_view)(iter(raw)).kept
    assert [int(r["Id"]) for r in selected] == expected


# ---- hostile records ------------------------------------------------------------------------------


def test_apikey_named_keys_are_masked_at_any_depth_and_their_values_everywhere():
    response = {
        "data": {"api-key": "NESTED-SECRET-1", "apiKey ": "NESTED-SECRET-2", "list": [{"API_KEY": "NESTED-3"}]},
        "echo": "top=TOP-SECRET-0 nested=NESTED-SECRET-1",
        "NESTED-SECRET-2": "used as a key",
    }
    raw = {
        "Id": "4",
        "apiKey": "TOP-SECRET-0",
        "ScheduleParams": "api-key=PARAM-SECRET&apiKey%20=PARAM-2&campaign_name=c",
        "Response": json.dumps(response),
    }
    records = normalize_records([raw], [].append)
    dumped = json.dumps(records)
    for secret in ("TOP-SECRET-0", "NESTED-SECRET-1", "NESTED-SECRET-2", "NESTED-3", "PARAM-SECRET", "PARAM-2"):
        assert secret not in dumped, secret
    assert records[0]["response"]["data"]["api-key"] == "********"
    assert records[0]["params"] == {"campaign_name": "c"}


def test_record_id_of_5000_digits_is_skipped_with_a_short_warning():
    warnings = []
    found = existing_ids_in(RowSet([(1, 10)]))(iter([{"Id": "9" * 5000}, {"Id": "3"}]))
    found.warn_skipped(warnings.append)
    assert found.kept.to_list() == [3]
    assert len(warnings) == 1 and "not an integer" in warnings[0] and len(warnings[0]) < 300


@pytest.mark.parametrize("depth", [200, 100000])
def test_deeply_nested_record_response_is_returned_shallow(depth):
    raw = {"Id": "1", "Response": "[" * depth + "]" * depth}
    records = normalize_records([raw], [].append)
    json.dumps(records)  # Ansible must be able to serialise the result
    assert records[0]["id"] == 1


@pytest.mark.parametrize("fields", [None, ("id", "created_date")])
def test_an_api_key_hidden_by_a_later_blank_field_of_its_name_is_still_masked(fields):
    raw = {
        "Id": "5",
        "ScheduleParams": "apiKey=FAKE-KEY-7&apiKey=&campaign_name=c&PhoneNumber=98",
        "CreatedDate": "FAKE-KEY-7 at noon",
    }
    record = normalize_record(RecordView(raw), [], fields)
    assert record["created_date"] == "******** at noon"
