# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reading one answer: an Answer, a SlowDown, or the typed error that says what the API meant."""

from __future__ import annotations

import json
from email.utils import format_datetime
from datetime import datetime, timezone

import pytest

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._api_response import (
    MAX_RETRY_AFTER,
    Answer,
    SlowDown,
    _retry_after,
    read_answer,
    snippet,
    without_lone_surrogates,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ApiError,
    AuthenticationError,
    TokenExpiredError,
    TokenInvalidError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._status_stream import read_status_answer
from ansible_collections.ozonetel.cloudagent.tests.unit.plugins.module_utils.record_oracle import normalize_records

WHAT = "Some request"
SECRET = "FAKE-API-KEY-0000-answers"


def mask(text: str) -> str:
    return text.replace(SECRET, "********")


def read(body, status=200, headers=None):
    text = body if isinstance(body, str) else json.dumps(body)
    return read_answer(status, headers or {}, text, WHAT, redact=mask)


@pytest.mark.parametrize("word", ["success", "Success", " SUCCESS "])
def test_a_success_status_in_any_case_is_an_ok_answer_with_its_message(word):
    answer = read({"status": word, "message": {"deleted": 1}})
    assert answer == Answer(200, {"status": word, "message": {"deleted": 1}}, True, {"deleted": 1})


def test_an_in_body_error_is_an_answer_not_ok_and_error_stands_in_for_a_missing_message():
    answer = read({"status": "false", "error": "No data found "})
    assert answer.ok is False and answer.message_text == "No data found "
    assert answer.says("no data found") and not answer.says("no data")


def test_a_json_answer_that_is_not_an_object_is_an_answer_without_message():
    answer = read([1, 2])
    assert (answer.ok, answer.message, answer.message_text) == (False, None, "")


@pytest.mark.parametrize("status, landed", [(429, False), (503, False), (502, True), (504, True)])
def test_slow_down_statuses_say_whether_a_gateway_may_have_forwarded_the_request(status, landed):
    outcome = read({"message": "busy"}, status, {"Retry-After": "3"})
    assert outcome == SlowDown(status, "HTTP %d 'busy'" % status, 3.0)
    assert outcome.may_have_landed is landed


def test_a_slow_down_without_json_is_named_by_its_status():
    assert read("<html>busy</html>", 503) == SlowDown(503, "HTTP 503", None)


def test_max_limit_exceeded_in_the_body_is_a_slow_down_that_never_landed():
    outcome = read({"status": "error", "message": " Max Limit Exceeded"}, 200, {"Retry-After": "9"})
    assert outcome == SlowDown(200, "the API answered 'Max limit exceeded'", 9.0)
    assert outcome.may_have_landed is False


@pytest.mark.parametrize(
    "message, error",
    [("Token Expired", TokenExpiredError), ("Invalid Token", TokenInvalidError)],
)
def test_a_refused_token_is_its_own_error_whatever_the_http_status(message, error):
    with pytest.raises(error) as raised:
        read({"status": "false", "message": message}, 401)
    assert raised.type is error and raised.value.status == 401 and raised.value.api_message == message


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_an_authentication_error_quoting_the_api(status):
    with pytest.raises(AuthenticationError) as raised:
        read({"status": "false", "message": "Unauthorized"}, status)
    assert raised.type is AuthenticationError
    assert str(raised.value).startswith(
        "%s: HTTP %d, the API refused the credentials: 'Unauthorized'." % (WHAT, status)
    )


@pytest.mark.parametrize(
    "body, quoted",
    [({"message": "bad row"}, "'bad row'"), ({"error": "broken"}, "'broken'"), ({"error": ""}, "no message")],
)
def test_an_http_error_with_json_quotes_the_api(body, quoted):
    with pytest.raises(ApiError) as raised:
        read(body, 500)
    assert raised.type is ApiError
    assert str(raised.value) == "%s: HTTP 500: %s" % (WHAT, quoted) and raised.value.status == 500


@pytest.mark.parametrize(
    "body, kind",
    [
        ("", "an empty body (expected JSON)"),
        ("  \n", "an empty body (expected JSON)"),
        ("<html><body>gateway says api_key=%s</body></html>" % SECRET, "an HTML page (a proxy or gateway error?)"),
        ("Error 502: <b>bad gateway</b>", "an HTML page (a proxy or gateway error?)"),
        ("api_key=%s rejected" % SECRET, "a body that is not JSON"),
    ],
)
def test_a_body_that_is_not_json_is_named_and_quoted_masked(body, kind):
    with pytest.raises(ApiError) as raised:
        read(body, 200)
    assert "HTTP 200 with %s" % kind in str(raised.value) and "Is base_url the CloudAgent API host?" in str(
        raised.value
    )
    assert SECRET[:6] not in str(raised.value) and raised.value.status == 200


def test_the_quoted_start_is_masked_before_it_is_cut():
    with pytest.raises(ApiError) as raised:
        read("x" * 70 + SECRET)
    assert str(raised.value).endswith("starting '%s'. Is base_url the CloudAgent API host?" % ("x" * 70 + "********"))
    with pytest.raises(ApiError) as raised:
        read("x" * 75 + SECRET)
    assert "'%s...'" % ("x" * 75 + "*****") in str(raised.value)


def test_json_nested_too_deeply_is_a_clean_api_error():
    with pytest.raises(
        ApiError, match=r"HTTP 200 with a body that is not JSON this client reads \(nested too deeply\)"
    ):
        read("[" * 100000 + "]" * 100000)


def test_a_lone_surrogate_escape_comes_back_as_the_replacement_character():
    answer = read('{"status": "success", "message": "a\\ud83db"}')
    assert answer.message == "a\ufffdb"


def test_a_snippet_folds_whitespace_and_cuts_at_80_characters():
    assert snippet("  a \n\t b  ") == "a b"
    assert snippet("y" * 80) == "y" * 80
    assert snippet("y" * 81) == "y" * 80 + "..."


@pytest.mark.parametrize(
    "value, expected",
    [
        ("5", 5.0),
        ("0.5", 0.5),
        ("0", 0.0),
        ("600", MAX_RETRY_AFTER),
        ("-1", None),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_seconds_are_honoured_capped_and_anything_else_ignored(value, expected):
    assert _retry_after({"Retry-After": value} if value is not None else {}) == expected


def test_retry_after_as_an_http_date_is_the_time_until_it():
    now = datetime(2026, 12, 3, 12, 0, 0, tzinfo=timezone.utc).timestamp()

    def at(seconds):
        return {"Retry-After": format_datetime(datetime.fromtimestamp(now + seconds, timezone.utc), usegmt=True)}

    assert _retry_after(at(20), now=lambda: now) == 20.0
    assert _retry_after(at(3600), now=lambda: now) == MAX_RETRY_AFTER
    assert _retry_after(at(-30), now=lambda: now) == 0.0
    assert _retry_after({"Retry-After": "Wed, 03 Dec 2026 12:00:20"}, now=lambda: now) is None  # no zone
    assert _retry_after(None) is None


# ---- lone surrogates ----------------------------------------------------------------------------------
# A lone surrogate escape ("\\ud83d", valid JSON) comes back as U+FFFD, in keys and values at any depth:
# ansible-core 2.19+ refuses to return a string that is not valid UTF-8, so one such record would fail a
# whole read.

JSON_HEADERS = {"Content-Type": "application/json"}
STATUS_WHAT = "Scheduled Data Status read"
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

    answer = read_status_answer(200, JSON_HEADERS, chunks, STATUS_WHAT)

    assert answer.collected == [CLEAN_RECORD, OTHER_RECORD]
    assert answer.payload["status"] == "success\ufffd"
    assert_valid_utf8(answer.collected)


def test_a_bare_record_and_a_whole_body_answer_are_cleaned_too():
    bare = read_status_answer(
        200, JSON_HEADERS, [('{"status": "success", "message": %s}' % ODD_RECORD).encode()], STATUS_WHAT
    )
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
