# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The streaming status reader gives what reading the whole body gave, however the body is cut."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._api_response import Answer, SlowDown, read_answer
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ApiError, CloudAgentError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._status_stream import RecordList, read_status_answer

JSON_HEADERS = {"Content-Type": "application/json"}
WHAT = "Scheduled Data Status read"
RECORD = {
    "Id": "7",
    "api_key": "FAKE-KEY",
    "ScheduleParams": "api_key=FAKE-KEY&campaign_name=c&PhoneNumber=98",
    "IsRequestSent": "0",
    "Response": "",
    "Priority": 1.5,
    "Nested": {"a": [1, -2e-3, None, True]},
}
RECORD_2 = dict(RECORD, Id="8", Name="Asha \u00e9\u4e2d\U0001f600")


def whole_body_reading(http_status, headers, text):
    """What the client did before streaming: read_answer on the whole text, then the message's dict records."""
    outcome = read_answer(http_status, headers, text, WHAT)
    if isinstance(outcome, SlowDown):
        return outcome
    message = outcome.message
    records = (
        [message]
        if isinstance(message, dict)
        else [r for r in message if isinstance(r, dict)]
        if isinstance(message, list)
        else []
    )
    return outcome, records


def outcome_of(function, *args):
    try:
        return ("value", function(*args))
    except (CloudAgentError, ValueError) as error:
        return ("error", type(error).__name__, str(error), getattr(error, "status", None))


def reference(http_status, headers, text):
    result = outcome_of(whole_body_reading, http_status, headers, text)
    if result[0] == "error" or isinstance(result[1], SlowDown):
        return result
    answer, records = result[1]
    return ("value", summary(answer), records)


def streamed(http_status, headers, chunks, collect=list):
    result = outcome_of(read_status_answer, http_status, headers, chunks, WHAT, collect)
    if result[0] == "error" or isinstance(result[1], SlowDown):
        return result
    return ("value", summary(result[1]), result[1].collected)


def summary(answer: Answer):
    """Everything of an Answer but the records themselves (the streamed payload holds a RecordList)."""
    payload = answer.payload
    if isinstance(payload, dict) and isinstance(payload.get("message"), (list, dict, RecordList)):
        payload = dict(payload, message="<records>")
    message = "<records>" if isinstance(answer.message, (list, dict, RecordList)) else answer.message
    return (answer.http_status, answer.ok, answer.message_text, message, repr(payload))


def body(payload) -> str:
    return json.dumps(payload)


SHAPES = [
    body({"status": "success", "message": [RECORD, RECORD_2]}),
    body({"status": "Success", "message": RECORD}),  # one record comes back bare
    body({"status": "SUCCESS", "message": "null"}),  # the invalid-api-key answer
    body({"status": "success", "message": []}),
    body({"status": "success", "message": None}),
    body({"status": "success", "message": ""}),
    body({"status": "success", "message": [RECORD, 3, "x", None, [1], RECORD_2]}),
    body({"status": "error", "message": "No data found"}),
    body({"status": "error", "message": "Max limit exceeded"}),
    body({"status": "false", "message": "Invalid Token", "data": None}),
    body({"status": "error", "message": [RECORD]}),
    body({"message": [RECORD], "status": "success"}),  # status after the records
    body({"status": "success", "message": [RECORD], "count": 1, "extra": {"deep": [1, 2]}}),
    '{"status": "success", "message": [' + body(RECORD) + '], "message": "null"}',  # the last key wins
    '{"status": "success", "message": "null", "message": [' + body(RECORD) + ']}',
    body({"status": 500, "error": "Internal Server Error"}),
    body({}),
    " \n\t{ \"status\" : \"success\" , \"message\" : [ %s , %s ] } \r\n" % (body(RECORD), body(RECORD_2)),
    '{"status": "success", "message": [1e5, 12, -0.25, 3E+2, %s]}' % body(RECORD),
    "",
    "   \n",
    "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
    "Service temporarily unavailable",
    "[1, 2, 3]",
    '"just a string"',
    "null",
    "\ufeff" + body({"status": "success", "message": []}),
    '{"status": "success", "message": [' + body(RECORD) + ']} trailing',
    '{"status": "success", "message": [' + body(RECORD) + ',]}',
    '{"status": "success", "message": [' + body(RECORD) + ' ' + body(RECORD) + ']}',
    '{"status": "success", "message": [' + body(RECORD),
    '{"status": "success", "message": [{"Id": "1", "x": "unterminated}]}',
    '{"status": "success", "message": [{"Id": "1", "x": "\\u12"}]}',
    '{"status": "success" "message": []}',
    '{"status": "success", 5: []}',
    '{"status": "success", "message": [tru]}',
    '{"status": "success", "message": [-Infinity, NaN, %s]}' % body(RECORD),
    '{"status": "success", "message": [1.]}',
    '{"status": "success", "message": [{"Id": "1", "x": "control\x01char"}]}',
    '{"status": "success",',
    "{",
    json.dumps({"status": "success", "message": [RECORD, RECORD_2, RECORD]}, separators=(",", ":")),
    '{"status": "success", "message": [{"Id": "1", "x": "a\\ud800b"}, {"Id": "2", "k\\udc00": ["\\udbff"]}]}',
]
STATUSES = [200, 201, 299, 300, 401, 403, 404, 429, 500, 502]


@pytest.mark.parametrize("text", SHAPES)
@pytest.mark.parametrize("http_status", STATUSES)
def test_every_reply_shape_reads_as_the_whole_body_did(http_status, text):
    expected = reference(http_status, JSON_HEADERS, text)
    assert streamed(http_status, JSON_HEADERS, [text.encode("utf-8")]) == expected


@pytest.mark.parametrize("text", SHAPES)
def test_every_cut_of_a_small_body_reads_the_same(text):
    data = text.encode("utf-8")
    expected = reference(200, JSON_HEADERS, text)
    for cut in range(len(data) + 1):
        assert streamed(200, JSON_HEADERS, [data[:cut], data[cut:]]) == expected, "cut at byte %d" % cut


@pytest.mark.parametrize("text", SHAPES)
def test_one_byte_chunks_read_the_same(text):
    data = text.encode("utf-8")
    assert streamed(200, JSON_HEADERS, [data[i : i + 1] for i in range(len(data))]) == reference(
        200, JSON_HEADERS, text
    )


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)
RECORDS = st.dictionaries(
    st.sampled_from(["Id", "api_key", "ScheduleParams", "Response", "x", "\u00e9"]), JSON_VALUES, max_size=5
)
MESSAGES = st.lists(RECORDS | JSON_VALUES, max_size=6) | RECORDS | JSON_VALUES


@settings(max_examples=300, deadline=None)
@given(
    status=st.sampled_from(["success", "Success", "error", "false"]),
    message=MESSAGES,
    cuts=st.lists(st.integers(min_value=0), max_size=8),
    spaces=st.sampled_from([None, 1, 2]),
)
def test_random_answers_cut_anywhere_read_as_the_whole_body_did(status, message, cuts, spaces):
    text = json.dumps({"status": status, "message": message}, indent=spaces, ensure_ascii=spaces is None)
    data = text.encode("utf-8")
    positions = sorted({cut % (len(data) + 1) for cut in cuts})
    chunks = [data[start:end] for start, end in zip([0] + positions, positions + [len(data)])]
    assert streamed(200, JSON_HEADERS, chunks) == reference(200, JSON_HEADERS, text)


def test_records_reach_collect_one_at_a_time_as_chunks_arrive():
    data = body({"status": "success", "message": [dict(RECORD, Id=str(n)) for n in range(50)]}).encode("utf-8")
    read = []

    def chunks():
        for start in range(0, len(data), 100):
            read.append(start)
            yield data[start : start + 100]

    def collect(records):
        seen = []
        for record in records:
            seen.append((record["Id"], len(read)))
        return seen

    seen = read_status_answer(200, JSON_HEADERS, chunks(), WHAT, collect).collected
    assert [row_id for row_id, _chunks in seen] == [str(n) for n in range(50)]
    assert seen[0][1] < len(read) / 2  # the first record was handed over long before the body ended


def test_a_collect_that_stops_early_still_gets_a_broken_body_refused():
    text = '{"status": "success", "message": [%s, %s, oops]}' % (body(RECORD), body(RECORD))
    with pytest.raises(ApiError, match="a body that is not JSON"):
        read_status_answer(200, JSON_HEADERS, [text.encode()], WHAT, next)


def test_an_error_status_with_records_describes_them_without_their_content():
    answer = read_status_answer(200, JSON_HEADERS, [body({"status": "error", "message": [RECORD] * 3}).encode()], WHAT)
    assert not answer.ok
    assert repr(answer.payload) == "{'status': 'error', 'message': <a list of 3 record(s)>}"
    assert "FAKE-KEY" not in repr(answer.payload)


DEEP = 100000


@pytest.mark.parametrize(
    "text",
    [
        "[" * DEEP + "]" * DEEP,
        '{"status": "success", "message": ' + "[" * DEEP + "]" * DEEP + "}",
        '{"status": "success", "message": [' + '{"a": ' * DEEP + "1" + "}" * DEEP + "]}",
        '{"status": "success", "message": [' + "[" * DEEP,
        '{"status": ' + "[" * DEEP + "]" * DEEP + ', "message": []}',
    ],
)
def test_deeply_nested_body_is_not_json_instead_of_recursion_error(text):
    with pytest.raises(ApiError, match="HTTP 200 with a body that is not JSON"):
        read_status_answer(200, JSON_HEADERS, [text.encode()], WHAT)


def test_deeply_nested_whole_body_is_not_json_instead_of_recursion_error():
    with pytest.raises(ApiError, match="HTTP 200 with a body that is not JSON"):
        read_answer(200, JSON_HEADERS, "[" * DEEP + "]" * DEEP, WHAT)


def test_the_not_json_message_quotes_the_start_of_the_body_only():
    text = '{"status": "success", "message": [' + ", ".join([body(RECORD)] * 2000) + ", broken]}"
    with pytest.raises(ApiError) as caught:
        read_status_answer(200, JSON_HEADERS, [text.encode()[i : i + 4096] for i in range(0, len(text), 4096)], WHAT)
    assert str(caught.value) == str(outcome_of(read_answer, 200, JSON_HEADERS, text, WHAT)[2])


def test_a_long_value_cut_into_many_chunks_is_read_in_linear_passes():
    long_text = "x" * 2000000
    data = body({"status": "success", "message": [{"Id": "1", "Response": long_text}]}).encode()
    decodes = []

    def chunks():
        for start in range(0, len(data), 1024):
            decodes.append(start)
            yield data[start : start + 1024]

    answer = read_status_answer(200, JSON_HEADERS, chunks(), WHAT)
    assert answer.collected == [{"Id": "1", "Response": long_text}]
    assert len(decodes) == len(range(0, len(data), 1024))


@pytest.mark.parametrize(
    "content_type, encoding",
    [
        ("application/json; charset=iso-8859-1", "iso-8859-1"),
        ("application/json; charset=utf-16", "utf-16"),
        ("application/json", "utf-8"),
        ("application/json; charset=no-such-codec", "utf-8"),
        ("application/json; Charset=\"ISO-8859-1\"", "iso-8859-1"),
        ("text/plain", "iso-8859-1"),  # HTTP's default for text without a charset
        ("Text/Plain; charset=utf-8", "utf-8"),
    ],
)
def test_the_charset_of_the_content_type_is_honoured(content_type, encoding):
    record = {"Id": "1", "Name": "Jos\u00e9"}
    data = body({"status": "success", "message": [record]}).replace("\\u00e9", "\u00e9").encode(encoding)
    answer = read_status_answer(
        200, {"Content-Type": content_type}, [data[i : i + 3] for i in range(0, len(data), 3)], WHAT
    )
    assert answer.collected == [record]


def test_a_slow_down_answer_is_passed_on():
    outcome = read_status_answer(503, {"Retry-After": "2"}, [b"busy"], WHAT)
    assert isinstance(outcome, SlowDown) and outcome.retry_after == 2.0
    outcome = read_status_answer(
        200, JSON_HEADERS, [body({"status": "error", "message": "Max limit exceeded"}).encode()], WHAT
    )
    assert isinstance(outcome, SlowDown)


@pytest.mark.parametrize("separators", [(", ", ": "), (",", ":")])
def test_whole_records_take_the_fast_path_not_the_careful_one(monkeypatch, separators):
    from ansible_collections.ozonetel.cloudagent.plugins.module_utils import _status_stream

    careful = []
    original = _status_stream._Body.value

    def counting_value(self):
        careful.append(self.pos)
        return original(self)

    monkeypatch.setattr(_status_stream._Body, "value", counting_value)
    records = [dict(RECORD, Id=str(n)) for n in range(1000)]
    data = json.dumps({"status": "success", "message": records}, separators=separators).encode()
    answer = read_status_answer(200, JSON_HEADERS, [data[: len(data) // 2], data[len(data) // 2 :]], WHAT)
    assert answer.collected == records
    assert len(careful) <= 5  # the keys, the status, the record cut by the chunk boundary


@pytest.mark.parametrize("prefix", ["\n", " \r\n\t ", " " * 70000])
def test_an_answer_starting_with_whitespace_is_streamed_not_read_whole(prefix):
    data = (prefix + body({"status": "success", "message": [dict(RECORD, Id=str(n)) for n in range(50)]})).encode()
    read = []

    def chunks():
        for start in range(0, len(data), 100):
            read.append(start)
            yield data[start : start + 100]

    def collect(records):
        return [(record["Id"], len(read)) for record in records]

    seen = read_status_answer(200, JSON_HEADERS, chunks(), WHAT, collect).collected
    assert [row_id for row_id, _chunks in seen] == [str(n) for n in range(50)]
    # Read whole, the first record would reach collect only after the last chunk.
    assert seen[0][1] <= len(prefix) // 100 + 5 < len(read) - 50


def mask_fake_key(text: str) -> str:
    return text.replace("FAKE-KEY", "********")


HTML_QUOTING_THE_KEY = "<html><body>Bad request: /CAServices/scheduled?api_key=FAKE-KEY&x=1</body></html>"


@pytest.mark.parametrize(
    "http_status, content_type",
    [(500, "text/html"), (400, "text/html"), (200, "text/html"), (200, "application/json")],
)
def test_a_body_read_whole_is_masked_before_it_is_quoted(http_status, content_type):
    with pytest.raises(ApiError, match=r"api_key=\*\*\*\*\*\*\*\*&x=1") as caught:
        read_status_answer(
            http_status, {"Content-Type": content_type}, [HTML_QUOTING_THE_KEY.encode()], WHAT, redact=mask_fake_key
        )
    assert "FAKE-KEY" not in str(caught.value) and caught.value.status == http_status


def test_a_broken_object_is_masked_before_it_is_quoted():
    text = '{"status": "error", "message": "see api_key=FAKE-KEY" broken'
    with pytest.raises(ApiError, match=r"HTTP 200 with a body that is not JSON.*api_key=\*\*\*\*\*\*\*\*") as caught:
        read_status_answer(200, JSON_HEADERS, [text[:10].encode(), text[10:].encode()], WHAT, redact=mask_fake_key)
    assert "FAKE-KEY" not in str(caught.value)


@pytest.mark.parametrize("chunk_size", [1, 7, 1000])
def test_a_streamed_max_limit_exceeded_keeps_the_retry_after_it_came_with(chunk_size):
    data = body({"status": "error", "message": "Max limit exceeded"}).encode()
    chunks = [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)]
    outcome = read_status_answer(200, dict(JSON_HEADERS, **{"Retry-After": "7"}), chunks, WHAT)
    assert isinstance(outcome, SlowDown)
    assert (outcome.http_status, outcome.retry_after) == (200, 7.0)
    assert outcome.reason == "the API answered 'Max limit exceeded'"
    assert read_status_answer(200, JSON_HEADERS, chunks, WHAT).retry_after is None


def test_record_lists_stand_in_the_payload_by_their_count():
    assert repr(RecordList(1, "record")) == "<a record>"
    assert repr(RecordList(3)) == "<a list of 3 record(s)>"
    assert (RecordList(2).count, RecordList(2).kind) == (2, "list")


@pytest.mark.parametrize("text", ["{}x", "{} ]", '{"a": 1}x', '{"message": []}]'])
def test_data_after_the_object_is_refused_as_json_loads_refuses_it(text):
    with pytest.raises(ApiError, match=r"^%s: HTTP 200 with a body that is not JSON" % WHAT):
        read_status_answer(200, JSON_HEADERS, [text.encode()], WHAT)
    assert reference(200, JSON_HEADERS, text)[0] == "error"


@pytest.mark.parametrize("cut", [0, 40, 2000, 5030])
def test_a_number_too_long_for_int_reads_as_the_whole_body_did(cut):
    # int() refuses 4,300+ digits with a ValueError that has no position: still an answer, never a crash
    text = '{"status": "success", "message": [{"Id": 1%s}]}' % ("2" * 5000)
    data = text.encode()
    assert streamed(200, JSON_HEADERS, [data[:cut], data[cut:]]) == reference(200, JSON_HEADERS, text)


def test_a_bare_record_stands_in_the_payload_as_one_record():
    answer = read_status_answer(200, JSON_HEADERS, [body({"status": "success", "message": RECORD}).encode()], WHAT)
    assert repr(answer.payload["message"]) == "<a record>" and answer.collected == [RECORD]


@pytest.mark.parametrize("cut", [0, 30, 31, 32])
def test_bytes_that_are_not_utf8_read_as_the_replacement_character(cut):
    data = b'{"status": "success", "message": [{"Id": "1", "x": "a\xffb"}]}'
    answer = read_status_answer(200, JSON_HEADERS, [data[:cut], data[cut:]], WHAT)
    assert answer.collected == [{"Id": "1", "x": "a\ufffdb"}]


@pytest.mark.parametrize("exponent", ["E2", "e2", "E+2", "e-2"])
def test_a_number_cut_just_after_its_exponent_mark_is_read_on(exponent):
    text = '{"status": "success", "n": 1%s, "message": [%s]}' % (exponent, body(RECORD))
    data = text.encode("utf-8")
    cut = text.index(exponent) + 1  # the chunk ends with "1E": the number may go on
    assert streamed(200, JSON_HEADERS, [data[:cut], data[cut:]]) == reference(200, JSON_HEADERS, text)
