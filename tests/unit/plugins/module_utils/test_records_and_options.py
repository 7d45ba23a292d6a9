# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ConfigurationError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._options import settings_from_options
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._records import matching_records
from ansible_collections.ozonetel.cloudagent.tests.unit.plugins.module_utils.record_oracle import normalize_records
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
    selection = Selection(rows=None if rows is None else parse_row_ids(rows), campaign_name=campaign, pending=pending)
    selected = matching_records(selection.matches_view)(iter(raw)).kept
    assert [int(r["Id"]) for r in selected] == expected


def options(**overrides):
    values = dict(
        base_url="https://api.example.test/",
        user_name="u",
        api_key="FAKE-KEY",
        token=None,
        auth_mode="token",
        validate_certs=True,
        ca_path=None,
        timeout=30.0,
        retries=3,
    )
    values.update(overrides)
    return values.get


def test_settings_strip_the_trailing_slash():
    assert settings_from_options(options()).base_url == "https://api.example.test"


@pytest.mark.parametrize(
    "overrides, expected",
    [
        (dict(user_name=None), "user_name is required"),
        (dict(user_name="  "), "OZONETEL_USERNAME"),
        (dict(base_url="in1-ccaas-api.ozonetel.com"), "base_url 'in1-ccaas-api.ozonetel.com' is not an http(s) URL"),
        (dict(timeout=0), "timeout must be a positive"),
        (dict(retries=-1), "retries must be 0 or more"),
        (dict(auth_mode="basic", api_key=None), "auth_mode=basic needs api_key"),
        (dict(api_key=None), "auth_mode=token needs api_key or token"),
    ],
)
def test_bad_connection_options_are_named(overrides, expected):
    with pytest.raises(ConfigurationError) as caught:
        settings_from_options(options(**overrides))
    assert expected in str(caught.value)
