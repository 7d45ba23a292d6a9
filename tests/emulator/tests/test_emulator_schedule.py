# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator's Schedule Campaign Data behaves as tests/emulator/README.md says (raw HTTP calls)."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs

import pytest
import requests

from cloudagent_emulator.control import Emulator
from demo_accounts import BASIC_API_KEY, BASIC_USER, DEMO_API_KEY, DEMO_USER

TOKEN_PATH = "/ca_apis/CAToken/generateToken"
SCHEDULE_PATH = "/ca_apis/campaignScheduledData"
STATUS_PATH = "/ca_apis/getScheduledData"
INVALID = "api_key or campaign_name is invalid or not found"


@pytest.fixture(scope="module")
def emulator():
    with Emulator.start(["--campaign", "demo_user:spring_offer"]) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh(emulator):
    emulator.reset()
    return emulator


def later(days=1, minutes=0):
    moment = datetime.datetime.now().replace(microsecond=0) + datetime.timedelta(days=days, minutes=minutes)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def token(emulator):
    answer = requests.post(
        emulator.url + TOKEN_PATH, json={"userName": DEMO_USER}, headers={"apiKey": DEMO_API_KEY}, timeout=10
    )
    return answer.json()["token"]


def schedule(
    emulator,
    data,
    columns=("PhoneNumber", "ScheduledTime", "Name"),
    campaign="demo_campaign",
    headers=None,
    check_duplicate=False,
    user=DEMO_USER,
):
    body = {
        "userName": user,
        "campaignName": campaign,
        "checkDuplicate": check_duplicate,
        "bulkData": {"map": list(columns), "data": data},
    }
    headers = headers if headers is not None else {"Authorization": "Bearer " + token(emulator)}
    return requests.post(emulator.url + SCHEDULE_PATH, json=body, headers=headers, timeout=10).json()


def status_records(emulator):
    answer = requests.get(
        emulator.url + STATUS_PATH,
        json={"userName": DEMO_USER},
        headers={"Authorization": "Bearer " + token(emulator)},
        timeout=10,
    ).json()["message"]
    return answer if isinstance(answer, list) else [answer]


def test_accepted_rows_get_fresh_ids_visible_in_the_status_read_with_their_schedule_params(emulator):
    emulator.seed(DEMO_USER, spec="1-3")
    moment = later()
    answer = schedule(
        emulator,
        [["%2B919876543210", moment, "Asha", "7"]],
        columns=("PhoneNumber", "ScheduledTime", "Name", "Priority"),
    )

    assert answer["status"] == "success"
    assert answer["message"] == [
        {
            "Response": "success",
            "ScheduleTime": moment,
            "campaign_name": "demo_campaign",
            "PhoneNumber": "+919876543210",
            "Name": "Asha",
            "AgentID": "",
            "skill": "",
            "msg": "Data updated successfully",
            "index": "0",
        }
    ]
    record = [r for r in status_records(emulator) if r["Id"] == "4"][0]
    params = parse_qs(record["ScheduleParams"], keep_blank_values=True)
    assert {key: value[0] for key, value in params.items()} == {
        "api_key": DEMO_API_KEY,
        "campaign_name": "demo_campaign",
        "action": "START",
        "format": "json",
        "PhoneNumber": "+919876543210",
        "Name": "Asha",
        "ScheduledTime": moment,
        "skill": "",
        "AgentID": "",
        "Priority": "7",
    }
    assert record["IsRequestSent"] == "0" and record["ScheduleTime"] == moment
    assert emulator.counters()["schedule"] == 1


def test_each_row_is_judged_alone(emulator):
    answer = schedule(
        emulator,
        [
            ["9876543210", later(), "ok"],
            ["12345", later(), "short"],
            ["9876543211", "02/12/2026 10:00", "format"],
            ["9876543212", later(days=31), "far"],
            ["9876543213", later(days=-1), "past"],
        ],
    )

    assert [(e["index"], e["Response"], e["msg"]) for e in answer["message"]] == [
        ("0", "success", "Data updated successfully"),
        ("1", "failed", "Invalid PhoneNumber"),
        ("2", "failed", "Invalid ScheduledTime format, use yyyy-MM-dd HH:mm:ss"),
        ("3", "failed", "ScheduledTime should be within the next 30 days"),
        ("4", "failed", "ScheduledTime should be within the next 30 days"),
    ]
    assert [row["phone_number"] for row in emulator.records(DEMO_USER)] == ["9876543210"]


@pytest.mark.parametrize(
    "columns, data, campaign, expected",
    [
        (
            ("PhoneNumber", "Name"),
            [["9876543210", "x"]],
            "demo_campaign",
            "Mandatory parameter ScheduledTime is in bulkData map",
        ),
        (
            ("PhoneNumber", "ScheduledTime"),
            [["98765432%02d" % n, later()] for n in range(101)],
            "demo_campaign",
            "At most 100 records are allowed in one request",
        ),
        (("PhoneNumber", "ScheduledTime"), [["9876543210", later()]], "unknown_campaign", INVALID),
    ],
)
def test_request_level_errors_create_nothing(emulator, columns, data, campaign, expected):
    assert schedule(emulator, data, columns=columns, campaign=campaign) == {"status": "error", "message": expected}
    assert emulator.records(DEMO_USER) == []


def test_campaigns_are_known_per_account_and_can_be_seeded(emulator):
    assert emulator.campaigns(DEMO_USER) == ["demo_campaign", "spring_offer"]
    assert schedule(emulator, [["9876543210", later(), "x"]], campaign="spring_offer")["status"] == "success"
    assert schedule(emulator, [["9876543210", later(), "x"]], campaign="autumn")["message"] == INVALID
    emulator.add_campaign(DEMO_USER, "autumn")
    assert schedule(emulator, [["9876543210", later(), "x"]], campaign="autumn")["status"] == "success"


def test_a_wrong_key_in_basic_mode_gets_the_campaign_message(emulator):
    answer = schedule(emulator, [["9876543210", later(), "x"]], headers={"apiKey": "WRONG"}, user=BASIC_USER)
    assert answer == {"status": "error", "message": INVALID}
    right = schedule(emulator, [["9876543210", later(), "x"]], headers={"apiKey": BASIC_API_KEY}, user=BASIC_USER)
    assert right["status"] == "success"


def test_check_duplicate_refuses_a_number_the_campaign_or_the_request_already_holds(emulator):
    schedule(emulator, [["9876543210", later(), "first"]])
    answer = schedule(
        emulator,
        [
            ["9876543210", later(minutes=5), "again"],
            ["9876543211", later(), "new"],
            ["9876543211", later(minutes=9), "twice"],
        ],
        check_duplicate=True,
    )
    assert [e["msg"] for e in answer["message"]] == ["Duplicate data", "Data updated successfully", "Duplicate data"]
    without = schedule(emulator, [["9876543210", later(minutes=5), "again"]])
    assert without["message"][0]["msg"] == "Data updated successfully"


def test_ids_are_never_reused_and_dial_marks_rows_sent(emulator):
    schedule(emulator, [["9876543210", later(), "a"], ["9876543211", later(), "b"]])
    requests.delete(
        emulator.url + "/ca_apis/deleteScheduledData",
        json={"userName": DEMO_USER, "rowId": "2"},
        headers={"Authorization": "Bearer " + token(emulator)},
        timeout=10,
    )
    schedule(emulator, [["9876543212", later(), "c"]])
    assert [row["id"] for row in emulator.records(DEMO_USER)] == [1, 3]
    assert emulator.dial(DEMO_USER, [3, 99]) == 1
    assert [row["is_request_sent"] for row in emulator.records(DEMO_USER)] == [False, True]
    assert requests_logged_rows(emulator) == [2, 1]


def requests_logged_rows(emulator):
    return [entry["rows"] for entry in emulator.counters()["requests"] if entry["endpoint"] == "schedule"]
