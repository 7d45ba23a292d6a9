# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hostile records: secrets at any depth, absurd ids, responses nested deeper than the stack."""

from __future__ import annotations

import json

import pytest


# ---- 5 and 8. records ----------------------------------------------------------------------------


def test_apikey_named_keys_are_masked_at_any_depth_and_their_values_everywhere():
    from ansible_collections.ozonetel.cloudagent.plugins.module_utils._records import normalize_records

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
    from ansible_collections.ozonetel.cloudagent.plugins.module_utils._records import existing_row_ids

    warnings = []
    ids = existing_row_ids([{"Id": "9" * 5000}, {"Id": "3"}], warnings.append)
    assert ids.to_list() == [3]
    assert len(warnings) == 1 and "not an integer" in warnings[0] and len(warnings[0]) < 300


@pytest.mark.parametrize("depth", [200, 100000])
def test_deeply_nested_record_response_is_returned_shallow(depth):
    from ansible_collections.ozonetel.cloudagent.plugins.module_utils._records import normalize_records

    raw = {"Id": "1", "Response": "[" * depth + "]" * depth}
    records = normalize_records([raw], [].append)
    json.dumps(records)  # Ansible must be able to serialise the result
    assert records[0]["id"] == 1
