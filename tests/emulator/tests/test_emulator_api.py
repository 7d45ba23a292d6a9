# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bundled emulator behaves as tests/emulator/README.md and docs/maintainers/api-notes.md say (raw HTTP calls)."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs

import pytest
import requests

from cloudagent_emulator.control import Emulator, EmulatorError
from cloudagent_emulator.rows import Row
from demo_accounts import BASIC_API_KEY, BASIC_USER, DEMO_API_KEY, DEMO_USER

TOKEN_PATH = "/ca_apis/CAToken/generateToken"
DELETE_PATH = "/ca_apis/deleteScheduledData"
STATUS_PATH = "/ca_apis/getScheduledData"


@pytest.fixture(scope="module")
def emulator():
    with Emulator.start() as running:
        yield running


@pytest.fixture(autouse=True)
def fresh(emulator):
    emulator.reset()
    return emulator


def generate(emulator, user=DEMO_USER, key=DEMO_API_KEY):
    response = requests.post(emulator.url + TOKEN_PATH, json={"userName": user}, headers={"apiKey": key}, timeout=10)
    assert response.status_code == 200
    return response.json()


def token_for(emulator, user=DEMO_USER, key=DEMO_API_KEY):
    return generate(emulator, user, key)["token"]


def call(emulator, method, path, body, token=None, api_key=None):
    headers = {}
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    if api_key is not None:
        headers["apiKey"] = api_key
    return requests.request(method, emulator.url + path, json=body, headers=headers, timeout=10)


def delete(emulator, spec, token=None, api_key=None, user=DEMO_USER, key="rowId"):
    return call(emulator, "DELETE", DELETE_PATH, {"userName": user, key: spec}, token, api_key)


def _segment(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def claims_of(token):
    header, claims, _signature = token.split(".")
    return _segment(header), _segment(claims)


# Generate Token


def test_token_is_hs512_jwt_for_the_user_valid_one_hour(emulator):
    reply = generate(emulator)
    assert reply["message"] == "" and "status" not in reply
    header, claims = claims_of(reply["token"])
    assert header == {"alg": "HS512", "typ": "JWT"}
    assert claims["sub"] == DEMO_USER
    assert claims["exp"] - claims["iat"] == 3600
    assert abs(claims["iat"] - time.time()) < 60


def test_new_token_invalidates_the_previous_one(emulator):
    emulator.seed(DEMO_USER, ids=[1])
    first = token_for(emulator)
    second = token_for(emulator)
    assert first != second
    assert delete(emulator, "1", token=first).json() == {"status": "false", "message": "Token Expired", "data": None}
    assert delete(emulator, "1", token=second).json() == {"status": "success", "message": {"deleted": 1}}


@pytest.mark.parametrize(
    "body, key, message",
    [
        ({}, DEMO_API_KEY, "UserName is null"),
        ({"userName": DEMO_USER}, "FAKE-WRONG-KEY-9999", "Invalid userName or apiKey"),
        ({"userName": "nobody"}, DEMO_API_KEY, "Invalid userName or apiKey"),
    ],
)
def test_token_generation_errors(emulator, body, key, message):
    response = requests.post(emulator.url + TOKEN_PATH, json=body, headers={"apiKey": key}, timeout=10)
    assert response.json() == {"status": "false", "message": message, "data": None}
    assert emulator.counters()["generate_token_ok"] == 0


def test_ten_tokens_an_hour_then_refused_until_the_hour_passes(emulator):
    for _attempt in range(10):
        assert "token" in generate(emulator)
    assert generate(emulator) == {"status": "false", "message": "Token generation limit exceeded", "data": None}
    assert "token" in generate(emulator, BASIC_USER, BASIC_API_KEY), "the budget is per user"
    counters = emulator.counters()
    assert (counters["generate_token"], counters["generate_token_ok"]) == (12, 11)
    emulator.advance_clock(3601)
    assert "token" in generate(emulator)


def test_clock_advance_expires_tokens_server_side(emulator):
    emulator.seed(DEMO_USER, ids=[4])
    token = token_for(emulator)
    emulator.advance_clock(3500)
    assert delete(emulator, "9", token=token).json()["message"] == "No data found"
    emulator.advance_clock(101)
    assert delete(emulator, "4", token=token).json() == {"status": "false", "message": "Token Expired", "data": None}
    assert emulator.ids(DEMO_USER) == [4]


def test_token_ttl_setting(emulator):
    emulator.settings(token_ttl=120)
    header_claims = claims_of(token_for(emulator))[1]
    assert header_claims["exp"] - header_claims["iat"] == 120


# Delete Scheduled Data


@pytest.mark.parametrize(
    "spec, deleted, remaining",
    [
        ("5", 1, [1, 2, 3, 4, 6, 7, 8, 9, 10]),
        ("2,3,5,6", 4, [1, 4, 7, 8, 9, 10]),
        ("3-10", 8, [1, 2]),
        ("9-40", 2, [1, 2, 3, 4, 5, 6, 7, 8]),
        ("4-4", 1, [1, 2, 3, 5, 6, 7, 8, 9, 10]),
    ],
)
def test_each_delete_form(emulator, spec, deleted, remaining):
    emulator.seed(DEMO_USER, spec="1-10")
    response = delete(emulator, spec, token=token_for(emulator))
    assert (response.status_code, response.json()) == (200, {"status": "success", "message": {"deleted": deleted}})
    assert emulator.ids(DEMO_USER) == remaining


def test_nothing_matched_is_no_data_found_and_other_users_rows_are_safe(emulator):
    emulator.seed(DEMO_USER, ids=[1])
    emulator.seed(BASIC_USER, ids=[7])
    assert delete(emulator, "7", token=token_for(emulator)).json() == {"status": "error", "message": "No data found"}
    assert emulator.ids(BASIC_USER) == [7]


@pytest.mark.parametrize("spec", ["1,3-5", "5-3", " 5", "a", "1,,2", "1-", "5\n", "1-2-3", 5, ["5"]])
def test_forms_outside_the_three_documented_ones_are_rejected_and_counted(emulator, spec):
    emulator.seed(DEMO_USER, spec="1-10")
    response = delete(emulator, spec, token=token_for(emulator))
    assert response.json() == {"status": "error", "message": "Invalid row_id"}
    assert emulator.ids(DEMO_USER) == list(range(1, 11))
    assert emulator.counters()["invalid_specs"] == 1


def test_row_id_key_works_and_row_id_wins_over_nothing_but_rowid_wins_when_both(emulator):
    emulator.seed(DEMO_USER, spec="1-5")
    token = token_for(emulator)
    assert delete(emulator, "1", token=token, key="row_id").json()["message"] == {"deleted": 1}
    both = call(emulator, "DELETE", DELETE_PATH, {"userName": DEMO_USER, "rowId": "2", "row_id": "3"}, token=token)
    assert both.json()["message"] == {"deleted": 1}
    assert emulator.ids(DEMO_USER) == [3, 4, 5]
    assert emulator.counters()["requests"][-1]["row_spec"] == "2"


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"userName": DEMO_USER}, {"status": "error", "message": "Mandatory parameter row_id is missing"}),
        ({"userName": DEMO_USER, "rowId": ""}, {"status": "error", "message": "Mandatory parameter row_id is missing"}),
        ({"rowId": "1"}, {"status": "false", "message": "UserName is null", "data": None}),
    ],
)
def test_missing_delete_parameters(emulator, body, expected):
    emulator.seed(DEMO_USER, ids=[1])
    assert call(emulator, "DELETE", DELETE_PATH, body, token=token_for(emulator)).json() == expected
    assert emulator.ids(DEMO_USER) == [1]


def test_basic_auth_deletes_with_the_key_and_a_wrong_key_looks_like_no_data(emulator):
    emulator.seed(BASIC_USER, ids=[1, 2])
    wrong = delete(emulator, "1", api_key="FAKE-WRONG-KEY-9999", user=BASIC_USER)
    assert (wrong.status_code, wrong.json()) == (200, {"status": "error", "message": "No data found"})
    assert emulator.ids(BASIC_USER) == [1, 2]
    assert delete(emulator, "1", api_key=BASIC_API_KEY, user=BASIC_USER).json()["message"] == {"deleted": 1}
    assert emulator.ids(BASIC_USER) == [2]


def test_basic_auth_refuses_a_bearer_token(emulator):
    emulator.seed(BASIC_USER, ids=[1])
    token = token_for(emulator, BASIC_USER, BASIC_API_KEY)
    response = delete(emulator, "1", token=token, user=BASIC_USER)
    assert (response.status_code, response.json()["message"]) == (401, "Invalid Token")
    assert emulator.ids(BASIC_USER) == [1]


def test_token_auth_refuses_missing_garbage_and_foreign_tokens(emulator):
    emulator.add_account("other_user", "FAKE-OTHER-KEY-0003", "TOKEN_AUTH")
    emulator.seed(DEMO_USER, ids=[1])
    foreign = token_for(emulator, "other_user", "FAKE-OTHER-KEY-0003")
    for token, api_key in ((None, DEMO_API_KEY), ("not.a.jwt", None), ("garbage", DEMO_API_KEY), (foreign, None)):
        response = delete(emulator, "1", token=token, api_key=api_key)
        assert (response.status_code, response.json()) == (
            401,
            {"status": "false", "message": "Invalid Token", "data": None},
        )
    assert emulator.ids(DEMO_USER) == [1]
    assert delete(emulator, "1", token=token_for(emulator), api_key="FAKE-IGNORED").json()["message"] == {"deleted": 1}


def test_delete_rate_limit_per_rolling_minute(emulator):
    emulator.settings(delete_rate_limit=2)
    token = token_for(emulator)
    assert [delete(emulator, "1", token=token).json()["message"] for _attempt in range(3)] == [
        "No data found",
        "No data found",
        "Max limit exceeded",
    ]
    assert delete(emulator, "1", api_key=BASIC_API_KEY, user=BASIC_USER).json()["message"] == "No data found"
    emulator.advance_clock(61)
    assert delete(emulator, "1", token=token).json()["message"] == "No data found"


# Scheduled Data Status


def status(emulator, user=DEMO_USER, token=None, api_key=None):
    return call(emulator, "GET", STATUS_PATH, {"userName": user}, token, api_key)


def test_status_reads_a_json_body_on_get_and_returns_records(emulator):
    emulator.seed(DEMO_USER, ids=[12, 3], campaign_name="spring")
    emulator.seed(DEMO_USER, ids=[20], is_request_sent=True)
    emulator.seed(BASIC_USER, ids=[99])
    reply = status(emulator, token=token_for(emulator)).json()
    assert reply["status"] == "success"
    records = reply["message"]
    assert [record["Id"] for record in records] == ["3", "12", "20"]
    first, sent = records[0], records[2]
    assert set(first) == {
        "Id",
        "api_key",
        "CreatedDate",
        "ScheduleTime",
        "ScheduleParams",
        "RequestTime",
        "IsRequestSent",
        "Response",
    }
    params = parse_qs(first["ScheduleParams"])
    assert params["api_key"] == [DEMO_API_KEY] and first["api_key"] == DEMO_API_KEY
    assert params["campaign_name"] == ["spring"] and params["action"] == ["START"]
    assert params["ScheduledTime"] == [first["ScheduleTime"]]
    assert (first["IsRequestSent"], first["RequestTime"]) == ("0", "")
    assert sent["IsRequestSent"] == "1" and sent["RequestTime"]
    assert isinstance(json.loads(sent["Response"]), dict)


def test_status_single_record_is_an_object_and_none_is_an_empty_list(emulator):
    token = token_for(emulator)
    assert status(emulator, token=token).json() == {"status": "success", "message": []}
    emulator.seed(DEMO_USER, ids=[7])
    assert status(emulator, token=token).json()["message"]["Id"] == "7"


@pytest.mark.parametrize("case, word", [("lower", "success"), ("upper", "SUCCESS")])
@pytest.mark.parametrize("count", [0, 1, 2, 4500])
def test_status_answer_is_streamed_and_is_the_records_as_json_byte_for_byte(emulator, case, word, count):
    emulator.settings(status_case=case)
    rows = [Row(row_id, "camp %d&=\u00e9" % (row_id % 3), row_id % 2 == 0) for row_id in range(1, count + 1)]
    groups = {}
    for row in rows:
        groups.setdefault((row.campaign_name, row.is_request_sent), []).append(row.row_id)
    for (campaign_name, sent), ids in groups.items():
        emulator.seed(DEMO_USER, ids=ids, campaign_name=campaign_name, is_request_sent=sent)
    response = status(emulator, token=token_for(emulator))
    records = [row.to_record(DEMO_API_KEY) for row in rows]
    expected = {"status": word, "message": records[0] if count == 1 else records}
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert response.content == json.dumps(expected).encode("utf-8")


def test_status_basic_auth_and_wrong_key_quirk(emulator):
    emulator.seed(BASIC_USER, ids=[1, 2])
    assert len(status(emulator, BASIC_USER, api_key=BASIC_API_KEY).json()["message"]) == 2
    assert status(emulator, BASIC_USER, api_key="FAKE-WRONG-KEY-9999").json() == {
        "status": "success",
        "message": "null",
    }


def test_status_refuses_stale_tokens_and_needs_a_user(emulator):
    token = token_for(emulator)
    token_for(emulator)
    assert status(emulator, token=token).json()["message"] == "Token Expired"
    assert call(emulator, "GET", STATUS_PATH, {}, token).json()["message"] == "UserName is null"


@pytest.mark.parametrize(
    "case, words", [("title", ("Success", "Error", "False")), ("upper", ("SUCCESS", "ERROR", "FALSE"))]
)
def test_status_case_setting_rewrites_every_status_word(emulator, case, words):
    emulator.settings(status_case=case)
    emulator.seed(DEMO_USER, ids=[1])
    token = token_for(emulator)
    assert delete(emulator, "1", token=token).json()["status"] == words[0]
    assert delete(emulator, "1", token=token).json()["status"] == words[1]
    assert generate(emulator, key="FAKE-WRONG-KEY-9999")["status"] == words[2]
    emulator.fault(endpoint="delete", kind="max_limit")
    assert delete(emulator, "1", token=token).json() == {"status": words[1], "message": "Max limit exceeded"}


# Faults

FAULT_CASES = [
    ({"kind": "http_status", "status": 503, "retry_after": 7}, 503, None),
    (
        {"kind": "http_status", "status": 429, "body": '{"status": "error", "message": "slow down"}'},
        429,
        {"status": "error", "message": "slow down"},
    ),
    ({"kind": "html"}, 502, None),
    ({"kind": "empty"}, 200, None),
    ({"kind": "non_json"}, 200, None),
    ({"kind": "max_limit"}, 200, {"status": "error", "message": "Max limit exceeded"}),
    ({"kind": "token_expired"}, 200, {"status": "false", "message": "Token Expired", "data": None}),
    ({"kind": "server_error_json"}, 500, {"status": 500, "error": "Internal Server Error"}),
    ({"kind": "delay", "seconds": 0.3, "then": "http_status", "status": 504}, 504, None),
]


@pytest.mark.parametrize(
    "rule, http_status, body", FAULT_CASES, ids=[case[0]["kind"] + str(case[1]) for case in FAULT_CASES]
)
def test_each_fault_kind_replaces_one_answer_and_is_logged(emulator, rule, http_status, body):
    emulator.seed(DEMO_USER, ids=[1])
    token = token_for(emulator)
    emulator.fault(endpoint="delete", **rule)
    faulted = delete(emulator, "1", token=token)
    assert faulted.status_code == http_status
    if body is not None:
        assert faulted.json() == body
    if rule["kind"] == "http_status" and "retry_after" in rule:
        assert faulted.headers["Retry-After"] == "7"
    if rule["kind"] == "html":
        assert faulted.headers["Content-Type"].startswith("text/html") and "502 Bad Gateway" in faulted.text
    if rule["kind"] in ("empty", "non_json"):
        assert faulted.text == ("" if rule["kind"] == "empty" else "OK")
    assert emulator.ids(DEMO_USER) == [1], "a faulted request is not processed"
    assert delete(emulator, "1", token=token).json()["message"] == {"deleted": 1}, "a rule hits once by default"
    counters = emulator.counters()
    assert counters["delete"] == 2
    assert [entry["status"] for entry in counters["requests"] if entry["endpoint"] == "delete"] == [http_status, 200]


def test_delay_then_normal_handling(emulator):
    emulator.seed(DEMO_USER, ids=[1])
    token = token_for(emulator)
    emulator.fault(endpoint="delete", kind="delay", seconds=0.5)
    started = time.monotonic()
    assert delete(emulator, "1", token=token).json()["message"] == {"deleted": 1}
    assert time.monotonic() - started >= 0.5


def test_drop_closes_the_connection_unanswered(emulator):
    emulator.fault(endpoint="generate_token", kind="drop")
    with pytest.raises(requests.ConnectionError):
        generate(emulator)
    assert "token" in generate(emulator)
    counters = emulator.counters()
    assert counters["generate_token"] == 2 and counters["generate_token_ok"] == 1
    assert counters["requests"][0]["status"] is None


def test_faults_skip_times_endpoint_and_order(emulator):
    token = token_for(emulator)
    emulator.faults(
        [
            {"endpoint": "delete", "kind": "http_status", "status": 503, "skip": 1, "times": 2},
            {"endpoint": "any", "kind": "http_status", "status": 502},
        ]
    )
    assert status(emulator, token=token).status_code == 502, "the 'any' rule is the first one for this endpoint"
    codes = [delete(emulator, "1", token=token).status_code for _attempt in range(4)]
    assert codes == [200, 503, 503, 200]
    emulator.fault(kind="max_limit", times=5)
    emulator.clear_faults()
    assert delete(emulator, "1", token=token).json()["message"] == "No data found"


def test_bad_control_requests_are_refused(emulator):
    with pytest.raises(EmulatorError, match="unknown fault kind"):
        emulator.fault(kind="explode")
    with pytest.raises(EmulatorError, match="status_case"):
        emulator.settings(status_case="sideways")
    with pytest.raises(EmulatorError, match="auth_mode"):
        emulator.add_account("x", "FAKE-X-KEY", "OAUTH")


# Counters, reset, start-up


def test_counters_log_requests_without_secrets(emulator):
    emulator.seed(DEMO_USER, ids=[1])
    token = token_for(emulator)
    delete(emulator, "1", token=token, api_key=DEMO_API_KEY)
    status(emulator, BASIC_USER, api_key=BASIC_API_KEY)
    counters = emulator.counters()
    assert {key: counters[key] for key in counters if key != "requests"} == {
        "generate_token": 1,
        "generate_token_ok": 1,
        "delete": 1,
        "get_scheduled_data": 1,
        "schedule": 0,
        "invalid_specs": 0,
    }
    token_entry, delete_entry, status_entry = counters["requests"]
    assert (token_entry["endpoint"], token_entry["auth"], token_entry["api_message"]) == (
        "generate_token",
        "apikey",
        "",
    )
    assert delete_entry["method"] == "DELETE" and delete_entry["path"] == DELETE_PATH
    assert (delete_entry["row_spec"], delete_entry["auth"], delete_entry["status"], delete_entry["api_status"]) == (
        "1",
        "bearer",
        200,
        "success",
    )
    assert (status_entry["endpoint"], status_entry["auth"], status_entry["row_spec"]) == (
        "get_scheduled_data",
        "apikey",
        None,
    )
    assert all(isinstance(entry["time"], float) for entry in counters["requests"])
    dumped = json.dumps(counters)
    assert DEMO_API_KEY not in dumped and BASIC_API_KEY not in dumped and token not in dumped


def test_reset_restores_the_start_state(emulator):
    emulator.add_account("extra", "FAKE-EXTRA-KEY", "BASIC_AUTH")
    emulator.seed(DEMO_USER, spec="1-3")
    emulator.settings(status_case="upper", delete_rate_limit=1, delete_method="POST", error_word="fail")
    old_token = token_for(emulator)
    emulator.fault(kind="drop", times=3)
    emulator.advance_clock(10000)
    emulator.reset()
    assert emulator.ids_by_user() == {} and emulator.counters()["requests"] == []
    assert emulator.settings() == {
        "status_case": "lower",
        "delete_rate_limit": 0,
        "token_ttl": 3600,
        "delete_method": "DELETE",
        "error_word": None,
        "echo_secrets": False,
        "echo_request": False,
        "hide_created_rows": False,
    }
    assert emulator.pending_faults() == []
    assert status(emulator, "extra", api_key="FAKE-EXTRA-KEY").json() == {"status": "success", "message": "null"}
    assert status(emulator, token=old_token).json()["message"] == "Token Expired"
    assert abs(claims_of(token_for(emulator))[1]["iat"] - time.time()) < 60


def test_start_with_accounts_and_rows_from_the_command_line():
    args = [
        "--account",
        "alice:FAKE-ALICE:KEY-0004:basic_auth",
        "--rows",
        "alice:1,3,7-9:spring",
        "--delete-rate-limit",
        "1",
    ]
    with Emulator.start(args) as custom:
        assert custom.url.startswith("http://127.0.0.1:")
        assert custom.ids("alice") == [1, 3, 7, 8, 9]
        record = status(custom, "alice", api_key="FAKE-ALICE:KEY-0004").json()["message"][0]
        assert parse_qs(record["ScheduleParams"])["campaign_name"] == ["spring"]
        assert generate(custom)["message"] == "Invalid userName or apiKey", "no demo accounts when --account is given"
        assert delete(custom, "1", api_key="FAKE-ALICE:KEY-0004", user="alice").json()["message"] == {"deleted": 1}
        assert (
            delete(custom, "3", api_key="FAKE-ALICE:KEY-0004", user="alice").json()["message"] == "Max limit exceeded"
        )
        assert "FAKE-ALICE" not in custom.stderr_text()


def test_start_fails_fast_with_the_reason():
    with pytest.raises(EmulatorError, match="auth_mode"):
        Emulator.start(["--account", "bob:FAKE-BOB-KEY:NOPE"])
