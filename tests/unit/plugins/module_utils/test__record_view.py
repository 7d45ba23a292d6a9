# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Choosing records through RecordView gives what normalising every record and filtering gave."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qsl, quote_plus, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._record_view import (
    RecordView,
    _Field,
    _FieldPair,
    text_of,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._records import (
    existing_ids_in,
    matching_records,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._info import scheduled_data_info
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import RowSet
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import Selection, unknown_campaign_warning
from ansible_collections.ozonetel.cloudagent.tests.unit.plugins.module_utils.record_oracle import (
    expected_matches,
    normalize_records,
)

FIELD_NAMES = [
    "campaign_name",
    "PhoneNumber",
    "ScheduledTime",
    "api_key",
    "campaign name",
    "campaign%5Fname",
    "c+n",
    "",
    "campaign_names",
    "xcampaign_name",
    "campaign_name%",
]
# names with every character that is special in a query string, and non-ASCII ones
AWKWARD_NAMES = ["c n", "a=b", "a&b", "%", "+", "=", "&", "\u00e9", "n\u00e9", "%C3%A9", "a%3Db", "c%2Bn"]
NAMES = st.one_of(
    st.sampled_from(FIELD_NAMES[:4] + AWKWARD_NAMES),
    st.text(alphabet="cn+%=& 2B3D\u00e9", min_size=1, max_size=4),
)
QUERY_PIECES = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(FIELD_NAMES + AWKWARD_NAMES + ["x"]), NAMES, NAMES.map(quote_plus)),
        st.sampled_from(["=", "", "=="]),
        st.text(alphabet="ab +%&=2B5F3A\u00e9", max_size=6),
    ),
    max_size=6,
)


def schedule_param(query, name):
    """What the view reads for a ScheduleParams field ``name`` (it reads campaign_name, PhoneNumber and ScheduledTime)."""
    return _Field(name).read(query)


def full_parse(query, name):
    return dict(parse_qsl(query, keep_blank_values=True)).get(name)


@settings(max_examples=1500, deadline=None)
@given(pieces=QUERY_PIECES, name=NAMES)
def test_one_field_is_read_as_the_full_parse_reads_it(pieces, name):
    query = "&".join(key + sep + value for key, sep, value in pieces)
    assert schedule_param(query, name) == full_parse(query, name)


@settings(max_examples=300, deadline=None)
@given(pieces=QUERY_PIECES, name=NAMES)
def test_a_field_present_under_its_encoded_name_is_read_as_the_full_parse_reads_it(pieces, name):
    query = "&".join([*(key + sep + value for key, sep, value in pieces), quote_plus(name) + "=v"])
    assert schedule_param(query, name) == full_parse(query, name)


@settings(max_examples=1500, deadline=None)
@given(
    pieces=QUERY_PIECES,
    names=st.tuples(NAMES, NAMES) | NAMES.map(lambda name: (name, name)) | st.just(("campaign_name", "ScheduledTime")),
)
def test_two_fields_read_in_one_pass_are_read_as_the_full_parse_reads_them(pieces, names):
    query = "&".join(key + sep + value for key, sep, value in pieces)
    assert _FieldPair(*names).read(query) == tuple(full_parse(query, name) for name in names)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("x=1&campaign_name=a&ScheduledTime=t&y=2", ("a", "t")),
        ("x=1&ScheduledTime=t&campaign_name=a", ("a", "t")),  # either order
        ("x=1&campaign_name=a&ScheduledTime=t&campaign_name", ("", "t")),  # set again, bare
        ("x=1&campaign_name=a&ScheduledTime=t&ScheduledTime", ("a", "")),
        ("x=1&campaign_name=a&ScheduledTime=t&campaign%5Fname=b", ("b", "t")),  # set again, encoded
        ("x=1&campaign_name=a&ScheduledTime=t&%53cheduledTime=u", ("a", "u")),
        ("x=1&campaign_name=a&ScheduledTime=t&c=1&S=2&campaign_names=3", ("a", "t")),  # look-alikes, not the names
        ("campaign_name=a&x=1&ScheduledTime=t", ("a", "t")),  # the first field has no "&" before it
        ("x=1&campaign_name=a+b%3A", ("a b:", None)),
        ("x=1", (None, None)),
    ],
)
def test_two_fields_read_in_one_pass(query, expected):
    assert _FieldPair("campaign_name", "ScheduledTime").read(query) == expected


@pytest.mark.parametrize("names", [("a&b", "c"), ("c", "a&b")])
def test_a_name_a_query_cannot_carry_as_written_is_never_read_from_the_usual_shape(names):
    query = "x=1&a&b=v&c=w"  # fields x, a and "b=v": no field "a&b"
    assert _FieldPair(*names).read(query) == tuple(full_parse(query, name) for name in names)


def test_one_name_read_twice_in_one_pass_is_its_last_value_twice():
    query = "x=1&campaign_name=a&campaign_name=b&campaign_name=c"
    assert _FieldPair("campaign_name", "campaign_name").read(query) == ("c", "c")


@pytest.mark.parametrize(
    "params, schedule_time, expected",
    [
        ("campaign_name=a&ScheduledTime=2026-12-01+09%3A00%3A00", "2026-12-02 10:00:00", ("a", "2026-12-01 09:00:00")),
        ("campaign_name=a", "2026-12-02 10:00:00", ("a", "2026-12-02 10:00:00")),
        ("campaign_name=a&ScheduledTime=", "2026-12-02 10:00:00", ("a", "2026-12-02 10:00:00")),
        ("ScheduledTime=2026-12-01+09%3A00%3A00", None, (None, "2026-12-01 09:00:00")),
    ],
)
def test_campaign_and_time_is_what_a_summary_reads(params, schedule_time, expected):
    view = RecordView({"ScheduleParams": params, "ScheduleTime": schedule_time})
    assert view.campaign_and_time == expected == (view.campaign_name, view.scheduled_text)


@pytest.mark.parametrize(
    "query, name, expected",
    [
        ("campaign_name=a&campaign_name=b", "campaign_name", "b"),  # the last one wins
        ("campaign_name=a&campaign_name", "campaign_name", ""),  # a field without "=" is blank
        ("campaign_name=a&campaign_name&x=1", "campaign_name", ""),
        ("campaign_names=a", "campaign_name", None),
        ("x=1&campaign%5Fname=enc&campaign_name=plain", "campaign_name", "plain"),
        ("campaign_name=plain&campaign%5Fname=enc", "campaign_name", "enc"),  # an encoded name decodes to it
        ("PhoneNumber=%2B9198&ScheduledTime=2026-12-01+09%3A00%3A00", "ScheduledTime", "2026-12-01 09:00:00"),
        ("PhoneNumber=%2B9198", "PhoneNumber", "+9198"),
        ("Name=a=b&PhoneNumber=1", "Name", "a=b"),
        # a name parse_qsl can never give back as written: "+" decodes to a space, "=" and "&" split
        ("c+n=x", "c+n", None),
        ("c%2Bn=x", "c+n", "x"),
        ("c+n=x", "c n", "x"),
        ("a=b=x", "a=b", None),
        ("a%3Db=x", "a=b", "x"),
        ("a&b=x", "a&b", None),
        ("a%26b=x", "a&b", "x"),
        ("\u00e9=1&%C3%A9=2", "\u00e9", "2"),
        ("%C3%A9=2&\u00e9=1", "\u00e9", "1"),
    ],
)
def test_awkward_query_strings(query, name, expected):
    assert schedule_param(query, name) == expected == full_parse(query, name)


def vendor_record(row_id, campaign="spring", sent="0", key="FAKE-KEY-1", phone="9876543210"):
    params = urlencode(
        [
            ("api_key", key),
            ("campaign_name", campaign),
            ("action", "START"),
            ("PhoneNumber", phone),
            ("ScheduledTime", "2026-12-01 09:30:00"),
        ]
    )
    return {
        "Id": str(row_id),
        "api_key": key,
        "ScheduleParams": params,
        "ScheduleTime": "2026-12-01 09:30:00",
        "IsRequestSent": sent,
        "Response": '{"echo": "%s"}' % key,
        "CreatedDate": "c",
        "RequestTime": "",
    }


def test_the_view_reads_the_identity_fields_as_normalisation_does():
    raw = vendor_record(12, campaign="spring offer & more", sent="yes", phone="+91 98-76")
    view, record = RecordView(raw), normalize_records([raw], lambda message: None)[0]
    assert (view.row_id, view.campaign_name, view.phone_number, view.is_request_sent, view.schedule_time) == (
        record["id"],
        record["campaign_name"],
        record["phone_number"],
        record["is_request_sent"],
        record["schedule_time"],
    )
    assert view.scheduled_time == record["params"]["ScheduledTime"]


def test_the_view_reads_each_field_under_its_vendor_name():
    view = RecordView(vendor_record(12, campaign="spring offer & more", phone="+91 98-76"))
    assert (view.campaign_name, view.phone_number) == ("spring offer & more", "+91 98-76")
    assert view.params()["PhoneNumber"] == "+91 98-76"


def test_a_plus_in_a_value_reads_as_a_space_without_any_escape_beside_it():
    assert RecordView({"ScheduleParams": "campaign_name=spring+offer&PhoneNumber=1"}).campaign_name == "spring offer"


def test_params_keep_blank_fields_as_the_normalised_record_shows_them():
    assert RecordView({"ScheduleParams": "Name=&PhoneNumber=1"}).params() == {"Name": "", "PhoneNumber": "1"}


@pytest.mark.parametrize("params, query", [(None, ""), (7, "7"), (True, "1")])
def test_schedule_params_that_are_not_text_are_read_as_their_text(params, query):
    view = RecordView({"ScheduleParams": params})
    assert view.query == query
    assert view.campaign_name is None and view.phone_number is None


ACCOUNT = st.lists(
    st.builds(
        vendor_record,
        st.one_of(st.integers(1, 60), st.sampled_from(["x1", "", " 7", "3.0", None])),
        st.sampled_from(["spring", "autumn", "spring offer", ""]),
        st.sampled_from(["0", "1", "true", "", None]),
    ),
    max_size=25,
)
ROWS = st.none() | st.lists(st.integers(1, 60), max_size=20).map(RowSet.from_ids)


class StatusClient:
    secrets = ()

    def __init__(self, raw_records):
        self.raw_records = raw_records

    def get_scheduled_data(self, collect=list):
        return collect(iter(self.raw_records))


@settings(max_examples=300, deadline=None)
@given(
    raw_records=ACCOUNT,
    rows=ROWS,
    campaign=st.sampled_from([None, "spring", "spring offer", ""]),
    pending=st.sampled_from([None, True, False]),
)
def test_the_info_result_and_warnings_equal_normalise_then_filter(raw_records, rows, campaign, pending):
    expected_warnings, warnings = [], []
    selection = Selection(rows=rows, campaign_name=campaign, pending=pending)
    every_record = normalize_records(raw_records, expected_warnings.append)
    expected = expected_matches(every_record, selection)
    hint = unknown_campaign_warning(campaign, {record["campaign_name"] for record in every_record} - {None})
    expected_warnings += [hint] if hint else []
    result = scheduled_data_info(StatusClient(raw_records), selection, warnings.append).result()
    assert result["scheduled_data"] == expected
    assert result["row_ids"] == RowSet.from_ids(record["id"] for record in expected).compact()
    assert warnings == expected_warnings


@settings(max_examples=300, deadline=None)
@given(raw_records=ACCOUNT, rows=st.lists(st.integers(1, 60), max_size=20).map(RowSet.from_ids))
def test_the_ids_in_the_requested_set_equal_the_normalised_ids(raw_records, rows):
    expected_warnings, warnings = [], []
    expected = RowSet.from_ids(r["id"] for r in normalize_records(raw_records, expected_warnings.append)).intersection(
        rows
    )
    selection = existing_ids_in(rows)(iter(raw_records))
    selection.warn_skipped(warnings.append)
    assert selection.kept == expected
    assert warnings == expected_warnings


def test_only_the_matching_records_are_kept_raw():
    raw_records = [vendor_record(n, campaign="spring" if n % 3 else "autumn") for n in range(1, 10)]
    selection = matching_records(lambda row_id, view: view.campaign_name == "autumn")(iter(raw_records))
    assert [raw["Id"] for raw in selection.kept] == ["3", "6", "9"]
    assert selection.kept[0] is raw_records[2]


def test_info_results_never_carry_the_api_key():
    result = scheduled_data_info(
        StatusClient([vendor_record(1), vendor_record(2)]), Selection(campaign_name="spring"), lambda message: None
    ).result()
    assert len(result["scheduled_data"]) == 2
    assert "FAKE-KEY-1" not in repr(result)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("7", 7),
        (7, 7),
        (" 7 ", 7),
        ("0007", 7),
        ("9" * 19, int("9" * 19)),
        ("9" * 20, None),
        (" %s " % ("9" * 19), int("9" * 19)),
        (10**19, None),
        ("x1", None),
        ("3.0", None),
        (3.0, None),
        ("", None),
        (None, None),
        ("\u0661\u0662", None),  # digits, but not ASCII ones
    ],
)
def test_row_ids_are_plain_integers_of_at_most_nineteen_digits(value, expected):
    raw = dict(vendor_record(1), Id=value)
    assert RecordView(raw).row_id == expected
    assert normalize_records([raw], lambda message: None) == (
        [] if expected is None else [dict(normalize_records([vendor_record(1)], lambda message: None)[0], id=expected)]
    )


@pytest.mark.parametrize(
    "value, expected",
    [("1", True), ("0", False), ("true", True), (" Yes ", True), ("no", False), ("", False), (None, False)]
    + [(True, True), (False, False), (1, True), (0, False)],
)
def test_is_request_sent_reads_the_words_normalisation_reads(value, expected):
    raw = dict(vendor_record(1), IsRequestSent=value)
    assert RecordView(raw).is_request_sent is expected
    assert normalize_records([raw], lambda message: None)[0]["is_request_sent"] is expected


@pytest.mark.parametrize("value, expected", [(None, ""), (True, "1"), (False, "0"), (12, "12"), ("a b", "a b")])
def test_text_of(value, expected):
    assert text_of(value) == expected


def timed_record(row_id, scheduled_time, schedule_time):
    raw = vendor_record(row_id)
    query = [(name, value) for name, value in parse_qsl(raw["ScheduleParams"]) if name != "ScheduledTime"]
    if scheduled_time is not None:
        query.append(("ScheduledTime", scheduled_time))
    return dict(raw, ScheduleParams=urlencode(query), ScheduleTime=schedule_time)


@pytest.mark.parametrize(
    "after, before, expected_ids",
    [
        (datetime.datetime(2026, 12, 2), None, [2]),
        (None, datetime.datetime(2026, 12, 2), [1]),
        (datetime.datetime(2026, 12, 1), datetime.datetime(2026, 12, 3), [1, 2]),
    ],
)
def test_a_record_without_scheduled_time_is_timed_by_its_schedule_time(after, before, expected_ids):
    records = [
        # ScheduledTime in the params wins over the record's ScheduleTime
        timed_record(1, "2026-12-01 09:30:00", "2026-12-05 00:00:00"),
        timed_record(2, None, "2026-12-02 10:00:00"),
        timed_record(3, None, None),  # no time at all: never chosen by a time filter
    ]
    assert RecordView(records[1]).scheduled_time is None
    assert RecordView(records[1]).schedule_time == "2026-12-02 10:00:00"
    selection = Selection(scheduled_after=after, scheduled_before=before)
    result = scheduled_data_info(StatusClient(records), selection, lambda message: None).result()
    assert [record["id"] for record in result["scheduled_data"]] == expected_ids
    assert expected_matches(normalize_records(records, lambda message: None), selection) == result["scheduled_data"]
