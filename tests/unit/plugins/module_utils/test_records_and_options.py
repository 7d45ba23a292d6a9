# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._records import filter_records, normalize_records
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import Selection
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import parse_row_ids

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
    records = normalize_records(raw, lambda message: None)
    selection = Selection(rows=None if rows is None else parse_row_ids(rows), campaign_name=campaign, pending=pending)
    selected = filter_records(records, selection)
    assert [r["id"] for r in selected] == expected
