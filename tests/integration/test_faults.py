# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Faults on every endpoint: bounded retries that succeed, or clear failures; never a traceback or a hang.

Each case counts the requests the emulator saw: 1 + the number of faults retried through.
"""

from __future__ import annotations

import re
import time

import pytest

from cloudagent_harness.layout import DEMO_API_KEY, DEMO_USER
from cloudagent_harness.planner_oracle import spec_ids
from cloudagent_harness.redis_server import free_port
from helpers import delete_specs, requests_to

DELETE = "Delete the requested rows"
WALL_TIME_LIMIT = 40.0


def wait_for_requests(emulator, endpoint, count, seconds=8.0):
    """Requests delayed by a fault are logged when the emulator finally answers them."""
    deadline = time.monotonic() + seconds
    while len(requests_to(emulator.counters(), endpoint)) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return requests_to(emulator.counters(), endpoint)


def assert_clean_failure(result, task, pattern):
    assert result.rc != 0, result
    assert result.status(task) == "failed", result
    outcome = result.one(task)
    # A looped task fails with "One or more items failed"; the reason is in the item.
    message = outcome["results"][0]["msg"] if "results" in outcome else outcome["msg"]
    assert re.search(pattern, message, re.IGNORECASE), "message %r does not match %r" % (message, pattern)
    assert "Traceback" not in result.output, result
    assert DEMO_API_KEY not in result.output
    assert result.elapsed < WALL_TIME_LIMIT
    return message


def http_status(status, **extra):
    return dict(kind="http_status", status=status, **extra)


# id, fault rules (on delete), extra vars, expected outcome: ("ok", deletes) or ("fail", deletes, message pattern)
DELETE_FAULTS = [
    ("502-once", [http_status(502)], {}, ("ok", 2)),
    ("503-once", [http_status(503)], {}, ("ok", 2)),
    ("504-once", [http_status(504)], {}, ("ok", 2)),
    ("429-without-retry-after", [http_status(429)], {}, ("ok", 2)),
    ("max-limit-in-body", [dict(kind="max_limit")], {}, ("ok", 2)),
    ("html-gateway-page", [dict(kind="html")], {}, ("ok", 2)),
    ("connection-dropped", [dict(kind="drop")], {}, ("ok", 2)),
    ("read-timeout-once", [dict(kind="delay", seconds=3)], {"request_timeout": 1}, ("ok", 2)),
    ("500-plain-is-not-retried", [http_status(500)], {}, ("fail", 1, r"\b500\b")),
    ("500-json-is-not-retried", [dict(kind="server_error_json")], {}, ("fail", 1, r"\b500\b")),
    ("empty-body", [dict(kind="empty")], {}, ("fail", 1, r"empty")),
    ("non-json-success", [dict(kind="non_json")], {}, ("fail", 1, r"not JSON|'OK'")),
    ("503-exhausts-retries", [http_status(503, times=2)], {"request_retries": 1}, ("fail", 2, r"\b503\b")),
    (
        "read-timeout-exhausts-retries",
        [dict(kind="delay", seconds=3, times=2)],
        {"request_timeout": 1, "request_retries": 1},
        ("fail", 2, r"time"),
    ),
]


@pytest.mark.parametrize("rules, extravars, expected", [pytest.param(*case[1:], id=case[0]) for case in DELETE_FAULTS])
def test_delete_faults(emulator, run_playbook, rules, extravars, expected):
    emulator.seed(DEMO_USER, spec="1-10")
    emulator.faults([dict(rule, endpoint="delete") for rule in rules])

    result = run_playbook("delete.yml", dict({"row_id": "1-5"}, **extravars))

    deletes = wait_for_requests(emulator, "delete", expected[1])
    assert len(deletes) == expected[1], [entry["api_message"] or entry["status"] for entry in deletes]
    assert {entry["row_spec"] for entry in deletes} == {"1-5"}
    assert emulator.counters()["generate_token"] == 1, "faults on DELETE never cost a token"
    if expected[0] == "ok":
        assert result.rc == 0, result
        assert result.one(DELETE)["changed"] is True
        assert emulator.ids(DEMO_USER) == [6, 7, 8, 9, 10]
        assert result.elapsed < WALL_TIME_LIMIT
    else:
        assert_clean_failure(result, DELETE, expected[2])
        if not rules[0]["kind"] == "delay":  # a delayed request is still carried out, late
            assert emulator.ids(DEMO_USER) == list(range(1, 11))


def test_429_retry_after_is_honoured(emulator, run_playbook):
    emulator.seed(DEMO_USER, spec="1-10")
    emulator.fault(endpoint="delete", kind="http_status", status=429, retry_after=3)

    result = run_playbook("delete.yml", {"row_id": "1-5"})

    assert result.rc == 0, result
    deletes = requests_to(emulator.counters(), "delete")
    assert [entry["status"] for entry in deletes] == [429, 200]
    gap = deletes[1]["time"] - deletes[0]["time"]
    assert 2.8 <= gap < 10, "Retry-After: 3 must be waited (the default back-off is shorter), waited %.1f s" % gap
    assert emulator.ids(DEMO_USER) == [6, 7, 8, 9, 10]


def test_connection_refused_fails_clearly_and_quickly(emulator, run_playbook):
    base_url = "http://127.0.0.1:%d" % free_port()  # a port nobody listens on

    result = run_playbook(
        "delete.yml",
        {"row_id": "1-5", "request_retries": 1},
        env={"OZONETEL_BASE_URL": base_url, "OZONETEL_AUTH_MODE": "basic", "OZONETEL_USERNAME": "basic_user"},
    )

    assert_clean_failure(result, DELETE, r"refused|connect")
    assert base_url in result.one(DELETE)["msg"]
    assert emulator.counters()["requests"] == []


# id, fault rule on generate_token, extra vars, message pattern
TOKEN_FAULTS = [
    ("503", http_status(503), {}, r"\b503\b"),
    ("html-gateway-page", dict(kind="html"), {}, r"\b502\b"),
    ("max-limit-in-body", dict(kind="max_limit"), {}, r"max limit"),
    ("connection-dropped", dict(kind="drop"), {}, r"connect|closed|abort|reset|disconnect"),
    ("read-timeout", dict(kind="delay", seconds=3, then="http_status", status=503), {"request_timeout": 1}, r"time"),
    ("non-json", dict(kind="non_json"), {}, r"not JSON|'OK'"),
]


@pytest.mark.parametrize("rule, extravars, pattern", [pytest.param(*case[1:], id=case[0]) for case in TOKEN_FAULTS])
def test_token_generation_is_never_retried(emulator, run_playbook, rule, extravars, pattern):
    emulator.seed(DEMO_USER, spec="1-10")
    emulator.fault(endpoint="generate_token", **rule)

    result = run_playbook("delete.yml", dict({"row_id": "1-5"}, **extravars))

    assert_clean_failure(result, DELETE, pattern)
    assert len(wait_for_requests(emulator, "generate_token", 1)) == 1
    time.sleep(0.5 if rule["kind"] != "delay" else 3)
    counters = emulator.counters()
    assert counters["generate_token"] == 1, "exactly one generation attempt"
    assert counters["delete"] == 0
    assert emulator.ids(DEMO_USER) == list(range(1, 11))


def test_a_lookup_meeting_a_503_calls_once_and_fails_clearly(emulator, run_playbook):
    emulator.fault(endpoint="generate_token", kind="http_status", status=503)

    result = run_playbook("token_lookup.yml")

    assert_clean_failure(result, "Look up a token through the cache", r"\b503\b")
    assert emulator.counters()["generate_token"] == 1


def test_a_wrong_api_key_fails_token_generation_clearly(emulator, run_playbook):
    result = run_playbook("delete.yml", {"row_id": "1-5"}, env={"OZONETEL_API_KEY": "FAKE-WRONG-API-KEY-9999"})

    message = assert_clean_failure(result, DELETE, r"Invalid userName or apiKey")
    assert "FAKE-WRONG-API-KEY-9999" not in result.output and "FAKE-WRONG-API-KEY-9999" not in message
    assert emulator.counters()["generate_token"] == 1


# id, fault rule on get_scheduled_data, extra vars, expectation: "retried" or "warned"
STATUS_FAULTS = [
    ("503-once-retried", http_status(503), {}, "retried"),
    ("500", dict(kind="server_error_json"), {}, "warned"),
    ("non-json", dict(kind="non_json"), {}, "warned"),
    (
        "read-timeout-without-retries",
        dict(kind="delay", seconds=3, then="non_json"),
        {"request_timeout": 1, "request_retries": 0},
        "warned",
    ),
]


@pytest.mark.parametrize(
    "rule, extravars, expectation", [pytest.param(*case[1:], id=case[0]) for case in STATUS_FAULTS]
)
def test_status_read_faults_in_check_mode(emulator, run_playbook, rule, extravars, expectation):
    emulator.seed(DEMO_USER, spec="1-10")
    emulator.fault(endpoint="get_scheduled_data", **rule)

    # None of 50-60 exists: an exact prediction says "no change", an assumed one "change".
    result = run_playbook("delete.yml", dict({"row_id": "50-60"}, **extravars), check=True)

    assert result.rc == 0, result
    predicted = result.one(DELETE)
    reads = wait_for_requests(emulator, "get_scheduled_data", 2 if expectation == "retried" else 1)
    assert emulator.counters()["delete"] == 0
    assert emulator.ids(DEMO_USER) == list(range(1, 11))
    assert "Traceback" not in result.output
    assert result.elapsed < WALL_TIME_LIMIT
    if expectation == "retried":
        assert len(reads) == 2
        assert predicted["changed"] is False
    else:
        assert len(reads) == 1
        assert predicted["changed"] is True
        assert any(
            "Scheduled Data Status" in warning or "status" in warning.lower() for warning in predicted["warnings"]
        ), predicted["warnings"]


def test_the_info_module_fails_clearly_when_the_status_read_fails(emulator, run_playbook):
    emulator.fault(endpoint="get_scheduled_data", kind="server_error_json")

    result = run_playbook("info.yml", {"info_queries": [{}]})

    assert_clean_failure(result, "Read scheduled data with each filter", r"\b500\b")
    assert emulator.counters()["get_scheduled_data"] == 1


def test_token_expired_mid_run_with_an_api_key_refreshes_once(emulator, run_playbook):
    emulator.seed(DEMO_USER, spec="1-10")
    emulator.fault(endpoint="delete", kind="token_expired")

    result = run_playbook("delete.yml", {"row_id": "1-5"})

    assert result.rc == 0, result
    counters = emulator.counters()
    assert counters["generate_token_ok"] == 2, "one token, then exactly one refresh"
    assert [entry["endpoint"] for entry in counters["requests"]] == [
        "generate_token",
        "delete",
        "generate_token",
        "delete",
    ]
    assert emulator.ids(DEMO_USER) == [6, 7, 8, 9, 10]


def test_token_expired_mid_run_without_an_api_key_fails_saying_so(emulator, run_playbook):
    emulator.seed(DEMO_USER, spec="1-10")
    emulator.fault(endpoint="delete", kind="token_expired")

    result = run_playbook(
        "explicit_token.yml", {"row_id": "1-5", "ozonetel_api_key": DEMO_API_KEY}, env={"OZONETEL_API_KEY": None}
    )

    assert_clean_failure(result, "Delete with the explicit token only", r"expired")
    counters = emulator.counters()
    assert counters["generate_token"] == 1 and counters["delete"] == 1
    assert emulator.ids(DEMO_USER) == list(range(1, 11))


def test_a_batch_failing_after_retries_is_named_and_a_rerun_finishes(emulator, run_playbook):
    wanted = list(range(2, 501, 2))
    emulator.seed(DEMO_USER, spec="1-600")
    emulator.fault(endpoint="delete", kind="http_status", status=503, skip=1, times=2)
    extravars = {"row_id": ",".join(map(str, wanted)), "batch_size": 100, "request_retries": 1}

    failed = run_playbook("delete.yml", extravars)

    message = assert_clean_failure(failed, DELETE, r"\b503\b")
    assert re.search(r"\b2 of 3\b|batch 2\b", message), "the message must name the failing batch: %s" % message
    batch_1, batch_2 = wanted[:100], wanted[100:200]
    remaining = set(emulator.ids(DEMO_USER))
    assert not remaining & set(batch_1), "batch 1 was deleted"
    assert set(batch_2) <= remaining, "batch 2 failed"
    specs = delete_specs(emulator.counters())
    assert [spec_ids(spec) for spec in specs[:3]] == [batch_1, batch_2, batch_2], "batch 2 tried 1 + 1 retry times"
    partial = failed.one(DELETE)
    assert [(batch["row_id"], batch["result"]) for batch in partial.get("batches", [])] == [(specs[0], "deleted")]

    rerun = run_playbook("delete.yml", extravars)

    assert rerun.rc == 0, rerun
    assert not set(emulator.ids(DEMO_USER)) & set(wanted)
    assert len(set(emulator.ids(DEMO_USER))) == 600 - len(wanted)
    results = [batch["result"] for batch in rerun.one(DELETE)["batches"]]
    assert results == ["not_found", "deleted", "deleted"]
    assert rerun.one(DELETE)["changed"] is True
