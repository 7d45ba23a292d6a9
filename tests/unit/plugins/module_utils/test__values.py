# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ConfigurationError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._values import (
    TIME_FORMAT,
    cell_text,
    comparable_phone,
    comparable_time,
    format_time,
    kind_of,
    normalize_phone,
    parse_local_time,
)

NOT_A_PHONE = "is not a phone number: use digits, optionally a leading + (spaces, '-', '(' and ')' are ignored)."
CARRIES_A_ZONE = (
    "carries a time zone: give the account's local time without one "
    "(the API takes the CloudAgent account's local time)."
)
NOT_A_TIME = "is not a date and time: use 'YYYY-MM-DD HH:MM:SS' in the account's local time."
NOT_A_TIME_OR_DATE = "is not a date and time: use 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD' in the account's local time."


def refusal(function, *args, **kwargs) -> str:
    with pytest.raises(ConfigurationError) as raised:
        function(*args, **kwargs)
    return str(raised.value)


# ---------------------------------------------------------------- phone numbers


@pytest.mark.parametrize(
    "given_phone, expected",
    [
        ("+91 98765-43210", "+919876543210"),
        ("(044) 1234 5678", "04412345678"),
        ("98765\t43210", "9876543210"),
        (" \n+1 (800) 555-0100\n ", "+18005550100"),
        ("0", "0"),
        (9876543210, "9876543210"),
        (0, "0"),
    ],
)
def test_phone_numbers_compare_without_spaces_tabs_dashes_and_parentheses(given_phone, expected):
    assert normalize_phone(given_phone) == expected
    assert comparable_phone(given_phone) == expected


@pytest.mark.parametrize(
    "given_phone",
    ["", " ", "+", "++91", "91+98", "98.76", "98_76", "call me", "98\n76", "٩٨٧٦٥٤٣٢١٠", "９８７"],
)
def test_a_text_that_is_not_digits_with_an_optional_leading_plus_is_no_phone_number(given_phone):
    assert refusal(normalize_phone, given_phone, "rows[3].phone_number") == "rows[3].phone_number %r %s" % (
        given_phone,
        NOT_A_PHONE,
    )
    assert comparable_phone(given_phone) is None


@pytest.mark.parametrize("given_phone", [-1, -9876543210])
def test_a_negative_integer_is_no_phone_number_although_a_dash_in_text_is_ignored(given_phone):
    assert refusal(normalize_phone, given_phone, "rows[0].phone_number") == "rows[0].phone_number %r %s" % (
        given_phone,
        NOT_A_PHONE,
    )
    assert comparable_phone(given_phone) is None


def test_a_refused_phone_number_is_quoted_as_given_under_phone_number_by_default():
    assert refusal(normalize_phone, " 98 x ") == "phone_number ' 98 x ' " + NOT_A_PHONE


@pytest.mark.parametrize(
    "value, kind",
    [
        (None, "nothing"),
        (True, "a bool (True)"),
        (False, "a bool (False)"),
        (9876543210.0, "a float (9876543210.0)"),
        (["98765"], "a list (['98765'])"),
        (b"98765", "a bytes (b'98765')"),
    ],
)
def test_a_phone_number_that_is_neither_text_nor_an_integer_is_refused_naming_its_kind(value, kind):
    assert refusal(normalize_phone, value) == "phone_number must be a phone number (a string of digits), got %s." % kind
    assert refusal(normalize_phone, value, "phone_number[2]") == (
        "phone_number[2] must be a phone number (a string of digits), got %s." % kind
    )
    assert comparable_phone(value) is None


@st.composite
def formattings(draw):
    """Digits with an optional leading +, and one way of writing them with spaces, tabs, '-', '(' and ')'."""
    plus = draw(st.sampled_from(["", "+"]))
    digits = draw(st.text(alphabet="0123456789", min_size=1, max_size=15))
    gaps = draw(st.lists(st.text(alphabet=" \t-()", max_size=3), min_size=len(digits) + 1, max_size=len(digits) + 1))
    outside = draw(st.text(alphabet=" \t\n", max_size=2))
    written = gaps[0] + "".join(digit + gap for digit, gap in zip(digits, gaps[1:]))
    return plus + digits, outside + plus + written + outside


@settings(max_examples=300, deadline=None)
@given(formattings(), formattings())
def test_every_formatting_of_the_same_digits_compares_equal(first, second):
    (digits, written), (other_digits, other_written) = first, second
    assert comparable_phone(written) == normalize_phone(written) == digits
    assert (comparable_phone(written) == comparable_phone(other_written)) == (digits == other_digits)


# ---------------------------------------------------------------- local times


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-02 09:30",
        "2026-12-02T09:30:00",
        "2026-12-02 09:30:00",
        " 2026-12-02t09:30 ",
        "\t2026-12-02 09:30:00\n",
    ],
)
def test_times_are_accepted_with_a_space_or_a_t_and_read_with_seconds(text):
    assert parse_local_time(text) == datetime.datetime(2026, 12, 2, 9, 30)
    assert comparable_time(text) == "2026-12-02 09:30:00"


def test_the_seconds_given_are_kept():
    assert parse_local_time("2026-02-28 23:59:59") == datetime.datetime(2026, 2, 28, 23, 59, 59)
    assert comparable_time("2028-02-29T00:00:01") == "2028-02-29 00:00:01"


def test_a_date_alone_is_midnight_only_where_a_date_is_allowed():
    assert parse_local_time("2026-12-02", date_only=True) == datetime.datetime(2026, 12, 2)
    assert parse_local_time(" 2026-12-02 ", "scheduled_after", date_only=True) == datetime.datetime(2026, 12, 2)
    assert refusal(parse_local_time, "2026-12-02") == "scheduled_time '2026-12-02' " + NOT_A_TIME
    assert comparable_time("2026-12-02") is None


def test_a_date_and_time_is_read_the_same_where_a_date_alone_is_allowed():
    assert parse_local_time("2026-12-02T09:30", date_only=True) == datetime.datetime(2026, 12, 2, 9, 30)


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-02T09:30:00+05:30",
        "2026-12-02T09:30:00Z",
        "2026-12-02T09:30:00z",
        "2026-12-02t09:30+0530",
        "2026-12-02 09:30 -0500",
        "2026-12-02 09:30-05",
        " 2026-12-02 09:30Z ",
    ],
)
def test_a_time_with_a_zone_is_refused_quoted_as_given(text):
    assert refusal(parse_local_time, text, "rows[0].scheduled_time") == "rows[0].scheduled_time %r %s" % (
        text,
        CARRIES_A_ZONE,
    )
    assert refusal(parse_local_time, text, "scheduled_before", date_only=True) == "scheduled_before %r %s" % (
        text,
        CARRIES_A_ZONE,
    )
    assert comparable_time(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "2026-13-02 09:30",
        "2026-02-30 09:30",
        "2026-12-02 24:00",
        "2026-12-02 09:60",
        "2026-12-02 09:30:60",
        "2026-12-02  09:30",
        "2026-12-02 9:30",
        "2026-12-02T09",
        "2026-12-02 09:30:00.5",
        "02/12/2026 09:30",
        "tomorrow",
        "",
        "２０２６-12-02 09:30",
    ],
)
def test_a_text_that_is_no_local_date_and_time_is_refused_quoted_as_given(text):
    assert refusal(parse_local_time, text, "rows[2].scheduled_time") == "rows[2].scheduled_time %r %s" % (
        text,
        NOT_A_TIME,
    )
    assert refusal(parse_local_time, text, "scheduled_after", date_only=True) == "scheduled_after %r %s" % (
        text,
        NOT_A_TIME_OR_DATE,
    )
    assert comparable_time(text) is None


@pytest.mark.parametrize("text", ["2026-02-30", "2026-1-02", "20261202", " 2026-12-02Z"])
def test_a_date_alone_that_is_no_date_is_refused_naming_both_forms(text):
    assert refusal(parse_local_time, text, "scheduled_after", date_only=True) == "scheduled_after %r %s" % (
        text,
        NOT_A_TIME_OR_DATE,
    )


def test_a_refused_time_is_named_scheduled_time_by_default():
    assert refusal(parse_local_time, "soon") == "scheduled_time 'soon' " + NOT_A_TIME


@pytest.mark.parametrize(
    "value, kind",
    [
        (None, "nothing"),
        (20261202, "an int (20261202)"),
        (datetime.date(2026, 12, 2), "a date (datetime.date(2026, 12, 2))"),
        (b"2026-12-02 09:30", "a bytes (b'2026-12-02 09:30')"),
    ],
)
def test_a_time_that_is_neither_text_nor_a_datetime_is_refused_naming_its_kind(value, kind):
    assert refusal(parse_local_time, value) == (
        "scheduled_time must be a date and time like '2026-12-01 09:30:00', got %s." % kind
    )
    assert refusal(parse_local_time, value, "scheduled_before", date_only=True) == (
        "scheduled_before must be a date and time like '2026-12-01 09:30:00', got %s." % kind
    )
    assert comparable_time(value) is None


def test_a_local_datetime_is_taken_without_its_microseconds():
    moment = datetime.datetime(2026, 12, 2, 9, 30, 15, 999999)
    assert parse_local_time(moment) == datetime.datetime(2026, 12, 2, 9, 30, 15)
    assert comparable_time(moment) == "2026-12-02 09:30:15"


def test_a_datetime_with_a_zone_is_refused_quoting_its_iso_form():
    moment = datetime.datetime(2026, 12, 2, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
    assert refusal(parse_local_time, moment, "rows[1].scheduled_time") == (
        "rows[1].scheduled_time '2026-12-02T09:30:00+05:30' " + CARRIES_A_ZONE
    )
    assert comparable_time(moment) is None


def test_times_are_written_with_seconds_and_a_space():
    assert TIME_FORMAT == "%Y-%m-%d %H:%M:%S"
    assert format_time(datetime.datetime(2026, 1, 2, 3, 4, 5, 6)) == "2026-01-02 03:04:05"
    assert format_time(datetime.datetime(999, 1, 2, 3, 4, 5)) == "0999-01-02 03:04:05"


MOMENTS = st.datetimes(max_value=datetime.datetime(9999, 12, 31, 23, 59, 59))


@settings(max_examples=300, deadline=None)
@given(MOMENTS)
def test_a_written_time_reads_back_as_itself(moment):
    written = format_time(moment)
    assert comparable_time(written) == written
    assert parse_local_time(written) == moment.replace(microsecond=0)
    assert comparable_time(moment) == written


@settings(max_examples=200, deadline=None)
@given(MOMENTS, st.sampled_from([" ", "T", "t"]), st.booleans())
def test_every_accepted_spelling_of_a_time_compares_as_the_written_form(moment, separator, with_seconds):
    spelled = moment.isoformat(sep=separator, timespec="seconds" if with_seconds else "minutes")
    expected = moment.replace(second=0) if not with_seconds else moment
    assert comparable_time(spelled) == format_time(expected)


# ---------------------------------------------------------------- kinds and cells


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, "nothing"),
        ("x", "a str ('x')"),
        ("", "a str ('')"),
        (0, "an int (0)"),
        (False, "a bool (False)"),
        ([1, "a"], "a list ([1, 'a'])"),
        ({"k": None}, "a dict ({'k': None})"),
    ],
)
def test_a_value_s_kind_is_its_type_and_its_repr_and_none_is_nothing(value, expected):
    assert kind_of(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (1, "1"),
        (-12, "-12"),
        (1.5, "1.5"),
        (2.0, "2.0"),
        (-0.0, "-0.0"),
        (1e-7, "1e-07"),
        (1e16, "1e+16"),
        (float("inf"), "Infinity"),
        (float("-inf"), "-Infinity"),
        (float("nan"), "NaN"),
        ("", ""),
        (" Asha ", " Asha "),
        ("true", "true"),
        ("None", "None"),
    ],
)
def test_a_cell_is_text_booleans_in_lower_case_numbers_as_json_writes_them_and_none_empty(value, expected):
    assert cell_text(value) == expected
