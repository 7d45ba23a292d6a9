# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import responses

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import STATUS_PATH
from ansible_collections.ozonetel.cloudagent.plugins.modules import ozonetel_schedule_data_info
from ansible_collections.ozonetel.cloudagent.tests.unit.plugins.modules.module_harness import (
    API_KEY,
    BASE,
    basic_args,
    run_module,
)


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
