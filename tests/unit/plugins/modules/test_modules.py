# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import contextlib
import json

import pytest
import responses

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import DELETE_PATH, STATUS_PATH
from ansible_collections.ozonetel.cloudagent.plugins.modules import ozonetel_schedule_data, ozonetel_schedule_data_info

BASE = "https://cloudagent.example.test"
API_KEY = "FAKE-API-KEY-0000"


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super().__init__(result)
        self.result = result
        self.failed = failed


@contextlib.contextmanager
def module_args(args):
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
            yield
        return
    with patch_module_args(args):
        yield


def run_module(module, args, monkeypatch):
    def exit_json(self, **result):
        raise ModuleExit(result, failed=False)

    def fail_json(self, msg, **result):
        raise ModuleExit(dict(result, msg=msg), failed=True)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    for name in ("OZONETEL_BASE_URL", "OZONETEL_USERNAME", "OZONETEL_API_KEY", "OZONETEL_TOKEN", "OZONETEL_AUTH_MODE"):
        monkeypatch.delenv(name, raising=False)
    with module_args(args):
        with pytest.raises(ModuleExit) as caught:
            module.main()
    return caught.value


def basic_args(**extra):
    return dict(base_url=BASE, user_name="unit_user", api_key=API_KEY, auth_mode="basic", **extra)


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


@responses.activate
def test_info_returns_records_without_the_api_key(monkeypatch):
    record = {
        "Id": "4",
        "api_key": API_KEY,
        "ScheduleParams": "api_key=%s&campaign_name=c1" % API_KEY,
        "IsRequestSent": "0",
        "Response": "{}",
    }
    responses.add(responses.GET, BASE + STATUS_PATH, json={"status": "success", "message": record})
    outcome = run_module(ozonetel_schedule_data_info, basic_args(pending=True), monkeypatch)
    assert not outcome.failed and outcome.result["changed"] is False
    assert [r["id"] for r in outcome.result["scheduled_data"]] == [4] and outcome.result["row_ids"] == "4"
    assert API_KEY not in json.dumps(outcome.result)
