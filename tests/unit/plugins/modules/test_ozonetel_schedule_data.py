# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest
import responses

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import DELETE_PATH
from ansible_collections.ozonetel.cloudagent.plugins.modules import ozonetel_schedule_data
from ansible_collections.ozonetel.cloudagent.tests.unit.plugins.modules.module_harness import (
    API_KEY,
    BASE,
    basic_args,
    run_module,
)


def test_no_arguments_fails_naming_the_required_options(monkeypatch):
    outcome = run_module(ozonetel_schedule_data, {}, monkeypatch)
    assert outcome.failed and "user_name" in outcome.result["msg"]


def test_absent_without_row_id_or_a_selector_fails_naming_them_before_any_request(monkeypatch):
    with responses.RequestsMock() as mock:
        outcome = run_module(ozonetel_schedule_data, basic_args(), monkeypatch)
        assert len(mock.calls) == 0
    assert outcome.failed and "state=absent needs row_id or a selector (campaign_name" in outcome.result["msg"]


@pytest.mark.parametrize("row_id, shown", [("abc", "abc"), ("10-3", "10-3"), ([1, [2]], "[2]"), (3.5, "3.5")])
def test_bad_row_id_fails_before_any_request(monkeypatch, row_id, shown):
    with responses.RequestsMock() as mock:
        outcome = run_module(ozonetel_schedule_data, basic_args(row_id=row_id), monkeypatch)
        assert len(mock.calls) == 0
    assert outcome.failed and shown in outcome.result["msg"]


@pytest.mark.parametrize(
    "extra, expected",
    [
        (dict(row_id="1-20", max_rows=10), "max_rows"),
        (dict(row_id="1", batch_size=0), "batch_size must be 1 or more"),
        (dict(row_id="1", base_url="ftp://x"), "not an http(s) URL"),
    ],
)
def test_guards_fail_before_any_request(monkeypatch, extra, expected):
    args = basic_args()
    args.update(extra)
    with responses.RequestsMock() as mock:
        outcome = run_module(ozonetel_schedule_data, args, monkeypatch)
        assert len(mock.calls) == 0
    assert outcome.failed and expected in outcome.result["msg"]


@responses.activate
def test_delete_returns_the_documented_keys(monkeypatch):
    responses.add(responses.DELETE, BASE + DELETE_PATH, json={"status": "success", "message": {}})
    outcome = run_module(ozonetel_schedule_data, basic_args(row_ids=["3-10"]), monkeypatch)
    assert not outcome.failed
    assert {"changed", "row_ids", "batches", "deleted", "not_found", "msg"} <= set(outcome.result)
    assert outcome.result["batches"] == [{"row_id": "3-10", "result": "deleted", "message": "deleted"}]
    assert outcome.result["changed"] is True and outcome.result["row_ids"] == "3-10"


@responses.activate
def test_api_failure_is_fail_json_without_secrets(monkeypatch):
    responses.add(responses.DELETE, BASE + DELETE_PATH, status=500, body="<html>%s</html>" % API_KEY)
    outcome = run_module(ozonetel_schedule_data, basic_args(row_id=5), monkeypatch)
    assert outcome.failed and "HTTP 500" in outcome.result["msg"]
    assert API_KEY not in json.dumps(outcome.result)


@responses.activate
def test_a_failure_after_a_delete_returns_what_was_deleted(monkeypatch):
    responses.add(responses.DELETE, BASE + DELETE_PATH, json={"status": "success", "message": {}})
    responses.add(responses.DELETE, BASE + DELETE_PATH, status=500, body="boom")
    outcome = run_module(ozonetel_schedule_data, basic_args(row_id="1,5", batch_size=1), monkeypatch)
    assert outcome.failed and "Requests 1-1 of 2 were answered" in outcome.result["msg"]
    assert outcome.result["batches"] == [{"row_id": "1", "result": "deleted", "message": "deleted"}]
    assert (outcome.result["changed"], outcome.result["deleted"], outcome.result["row_ids"]) == (True, "1", "1,5")
