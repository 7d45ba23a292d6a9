# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A lone surrogate escape ("\\ud83d", valid JSON) comes back as U+FFFD, in keys and values at any depth.

ansible-core 2.19+ refuses to return a string that is not valid UTF-8, so one such record would
fail a whole read.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._api_response import (
    read_answer,
    without_lone_surrogates,
)
from ansible_collections.ozonetel.cloudagent.tests.unit.plugins.module_utils.record_oracle import normalize_records
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._status_stream import read_status_answer

JSON_HEADERS = {"Content-Type": "application/json"}
WHAT = "Scheduled Data Status read"
ODD_RECORD = (
    '{"Id": "1", "CreatedDate": "\\ud83d 2026-11-20", "\\udc00key": {"deep": ["a\\ud83db", {"k\\udbff": 1}]},'
    ' "Name": "pair \\ud83d\\ude00 kept", "Escaped": "\\\\ud83d stays text"}'
)
CLEAN_RECORD = {
    "Id": "1",
    "CreatedDate": "\ufffd 2026-11-20",
    "\ufffdkey": {"deep": ["a\ufffdb", {"k\ufffd": 1}]},
    "Name": "pair \U0001f600 kept",
    "Escaped": "\\ud83d stays text",
}
OTHER_RECORD = {"Id": "2", "Name": "Asha"}


def assert_valid_utf8(value):
    json.dumps(value, ensure_ascii=False).encode("utf-8")  # raises UnicodeEncodeError on a lone surrogate


def status_body() -> str:
    return '{"status": "success\\udfff", "message": [%s, %s]}' % (ODD_RECORD, json.dumps(OTHER_RECORD))


def test_the_walk_replaces_lone_surrogates_in_keys_and_values_at_any_depth():
    cleaned = without_lone_surrogates(json.loads(ODD_RECORD))
    assert cleaned == CLEAN_RECORD
    assert_valid_utf8(cleaned)


def test_the_walk_survives_deep_nesting():
    value = json.loads("[" * 900 + '"\\ud83d"' + "]" * 900)
    cleaned = without_lone_surrogates(value)
    for _level in range(900):
        cleaned = cleaned[0]
    assert cleaned == "\ufffd"


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 7, 64, 100000])
def test_a_streamed_status_answer_returns_every_record_valid(chunk_size):
    data = status_body().encode()
    chunks = [data[start : start + chunk_size] for start in range(0, len(data), chunk_size)]

    answer = read_status_answer(200, JSON_HEADERS, chunks, WHAT)

    assert answer.collected == [CLEAN_RECORD, OTHER_RECORD]
    assert answer.payload["status"] == "success\ufffd"
    assert_valid_utf8(answer.collected)


def test_a_bare_record_and_a_whole_body_answer_are_cleaned_too():
    bare = read_status_answer(200, JSON_HEADERS, [('{"status": "success", "message": %s}' % ODD_RECORD).encode()], WHAT)
    assert bare.collected == [CLEAN_RECORD]
    error = read_answer(200, JSON_HEADERS, '{"status": "error", "message": "bad \\ud83d row"}', "DELETE")
    assert error.message_text == "bad \ufffd row"


def test_a_response_field_whose_json_holds_a_lone_surrogate_is_returned_valid():
    raw = {
        "Id": "3",
        "ScheduleParams": "campaign_name=c&PhoneNumber=98&Name=x",
        "Response": '{"message": "queued \\ud83d", "\\udc01": true}',
    }
    records = normalize_records([raw], lambda message: None)
    assert records[0]["response"] == {"message": "queued \ufffd", "\ufffd": True}
    assert_valid_utf8(records)
