# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The info workflow: summary, limit and fields equal what normalising, filtering and slicing every record gives."""

from __future__ import annotations

import gc
import random
import re
import weakref
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ConfigurationError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._values import parse_local_time
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._record_view import RecordView
from ansible_collections.ozonetel.cloudagent.tests.unit.plugins.module_utils.record_oracle import normalize_records
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._redact import query_secrets
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import RowSet
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._info import (
    RECORD_FIELDS,
    IdRuns,
    _param_secrets,
    parse_fields,
    parse_limit,
    record_moment,
    scheduled_data_info,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import Selection, unknown_campaign_warning
from ansible_collections.ozonetel.cloudagent.tests.unit.plugins.module_utils.record_oracle import expected_matches

TIMES = [
    "2026-12-01 09:30:00",
    "2026-12-03 18:05:59",
    "2026-11-30 00:00:00",
    "2026-12-01T07:15",
    "2026-12-02 10:00",
    " 2026-12-04 11:00:00 ",
    "2026-02-30 12:00:00",  # no such day
    "2026-12-01 24:00:00",
    "2026-12-01 09:30:00+05:30",
    "not a time",
    "",
]


class StatusClient:
    secrets = ()

    def __init__(self, raw_records):
        self.raw_records = raw_records
        self.reads = 0

    def get_scheduled_data(self, collect=list):
        self.reads += 1
        return collect(iter(self.raw_records))


def vendor_record(row_id, campaign="spring", sent="0", scheduled="2026-12-01 09:30:00", schedule="2026-12-01 09:30:00"):
    params = [("api_key", "FAKE-KEY-1"), ("action", "START"), ("PhoneNumber", "98%08d" % (hash(str(row_id)) % 10**8))]
    if campaign is not None:
        params.insert(1, ("campaign_name", campaign))
    if scheduled is not None:
        params.append(("ScheduledTime", scheduled))
    return {
        "Id": None if row_id is None else str(row_id),
        "api_key": "FAKE-KEY-1",
        "ScheduleParams": urlencode(params),
        "ScheduleTime": schedule,
        "IsRequestSent": sent,
        "Response": '{"status": "queued"}' if sent == "1" else "",
        "CreatedDate": "2026-11-20 10:00:00",
        "RequestTime": "",
    }


ACCOUNT = st.lists(
    st.builds(
        vendor_record,
        st.one_of(st.integers(1, 60), st.sampled_from(["x1", " 7", None])),
        st.sampled_from(["spring", "autumn", "spring offer", "", None]),
        st.sampled_from(["0", "1", "true", "", None]),
        st.sampled_from(TIMES + [None]),
        st.sampled_from(TIMES[:3] + ["", None]),
    ),
    max_size=30,
)
SELECTIONS = st.builds(
    Selection,
    rows=st.none() | st.lists(st.integers(1, 60), max_size=20).map(RowSet.from_ids),
    campaign_name=st.sampled_from([None, "spring", "autumn"]),
    pending=st.sampled_from([None, True, False]),
    scheduled_after=st.sampled_from([None, parse_local_time("2026-12-01 09:30:00")]),
    scheduled_before=st.sampled_from([None, parse_local_time("2026-12-03 00:00:00")]),
)
FIELDS = st.none() | st.lists(st.sampled_from(RECORD_FIELDS), max_size=4)


def expected_moment(record):
    value = (record["params"] or {}).get("ScheduledTime") or record["schedule_time"]
    try:
        return parse_local_time(value).strftime("%Y-%m-%d %H:%M:%S")
    except ConfigurationError:
        return None


def expected_summary(records):
    """The summary written from normalised records, without the collection's tallying code."""
    campaigns = {}
    for record in records:
        name = record["campaign_name"] or ""
        entry = campaigns.setdefault(name, {"records": [], "moments": []})
        entry["records"].append(record)
        moment = expected_moment(record)
        if moment is not None:
            entry["moments"].append(moment)
    shown = {}
    for name, entry in campaigns.items():
        sent = sum(1 for record in entry["records"] if record["is_request_sent"])
        shown[name] = {
            "total": len(entry["records"]),
            "pending": len(entry["records"]) - sent,
            "sent": sent,
            "first_scheduled": min(entry["moments"], default=None),
            "last_scheduled": max(entry["moments"], default=None),
        }
    sent = sum(1 for record in records if record["is_request_sent"])
    return {"total": len(records), "pending": len(records) - sent, "sent": sent, "campaigns": shown}


@settings(max_examples=400, deadline=None)
@given(raw_records=ACCOUNT, selection=SELECTIONS, limit=st.none() | st.integers(0, 8), fields=FIELDS)
def test_summary_limit_and_fields_equal_normalise_filter_then_slice(raw_records, selection, limit, fields):
    expected_warnings, warnings = [], []
    every_record = normalize_records(raw_records, expected_warnings.append)
    matching = expected_matches(every_record, selection)
    campaigns = {record["campaign_name"] for record in every_record if isinstance(record["campaign_name"], str)}
    hint = unknown_campaign_warning(selection.campaign_name, campaigns)
    expected_warnings += [hint] if hint else []
    kept = matching if limit is None else matching[:limit]
    wanted = None if fields is None else set(fields) | {"id"}
    if wanted is not None:
        kept = [{key: value for key, value in record.items() if key in wanted} for record in kept]

    result = scheduled_data_info(
        StatusClient(raw_records), selection, warnings.append, limit=limit, fields=parse_fields(fields)
    ).result()

    assert result["scheduled_data"] == kept
    assert result["truncated"] is (len(kept) < len(matching))
    assert result["row_ids"] == RowSet.from_ids(record["id"] for record in matching).compact()
    assert result["summary"] == expected_summary(matching)
    assert warnings == expected_warnings
    assert result["changed"] is False


def test_limit_keeps_the_lowest_ids_whatever_order_the_records_come_in():
    ids = list(range(1, 201))
    random.Random(7).shuffle(ids)
    client = StatusClient([vendor_record(row_id) for row_id in ids])

    result = scheduled_data_info(client, Selection(), [].append, limit=5).result()

    assert [record["id"] for record in result["scheduled_data"]] == [1, 2, 3, 4, 5]
    assert result["truncated"] is True
    assert result["row_ids"] == "1-200"
    assert result["summary"]["total"] == 200
    assert client.reads == 1


def test_limit_zero_returns_the_summary_and_every_id_but_no_record():
    client = StatusClient([vendor_record(row_id, sent="1" if row_id > 3 else "0") for row_id in (5, 1, 2, 3, 4, 9)])

    result = scheduled_data_info(client, Selection(), [].append, limit=0).result()

    assert result["scheduled_data"] == []
    assert result["truncated"] is True
    assert result["row_ids"] == "1-5,9"
    assert (result["summary"]["total"], result["summary"]["pending"], result["summary"]["sent"]) == (6, 3, 3)


def test_a_limit_no_record_reaches_is_not_truncated():
    result = scheduled_data_info(
        StatusClient([vendor_record(2), vendor_record(1)]), Selection(), [].append, limit=2
    ).result()
    assert [record["id"] for record in result["scheduled_data"]] == [1, 2]
    assert result["truncated"] is False


def test_campaign_names_in_the_summary_are_masked_like_records():
    raw = vendor_record(1, campaign="leak FAKE-KEY-1 here")
    result = scheduled_data_info(StatusClient([raw]), Selection(), [].append, limit=0).result()
    assert list(result["summary"]["campaigns"]) == ["leak ******** here"]
    assert "FAKE-KEY-1" not in repr(result)


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, None),
        (["phone_number", "schedule_time"], ("id", "phone_number", "schedule_time")),
        (["id"], ("id",)),
        ([], ("id",)),
        (["response", "id", "campaign_name", "response"], ("id", "campaign_name", "response")),
    ],
)
def test_fields_always_keep_the_id(value, expected):
    assert parse_fields(value) == expected


def test_an_unknown_field_names_every_valid_key_and_the_closest():
    with pytest.raises(ConfigurationError) as caught:
        parse_fields(["id", "scheduled_time", "Nonsense"])
    assert str(caught.value) == (
        "fields: unknown record key(s) 'scheduled_time' (did you mean 'schedule_time'?), 'Nonsense'. Valid keys: "
        "id, campaign_name, phone_number, schedule_time, created_date, request_time, is_request_sent, params, response."
    )


@pytest.mark.parametrize("value, shown", [(-1, "-1"), (True, "True"), ("3", "'3'"), (2.5, "2.5")])
def test_a_bad_limit_is_refused(value, shown):
    with pytest.raises(
        ConfigurationError, match=r"^limit must be an integer of 0 or more, got %s\.$" % re.escape(shown)
    ):
        parse_limit(value)


@pytest.mark.parametrize("value", [None, 0, 10])
def test_a_good_limit_is_kept(value):
    assert parse_limit(value) == value


def time_view(scheduled_time):
    return RecordView({"Id": "1", "ScheduleParams": urlencode({"ScheduledTime": scheduled_time})})


@settings(max_examples=2000, deadline=None)
@given(
    text=st.one_of(
        st.sampled_from(TIMES),
        st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S")),
        st.text(alphabet="0123456789-: T+\u0663", min_size=17, max_size=21),
    )
)
def test_the_fast_time_path_reads_as_the_filters_read(text):
    try:
        expected = parse_local_time(text).strftime("%Y-%m-%d %H:%M:%S")
    except ConfigurationError:
        expected = None
    assert record_moment(time_view(text).scheduled_text) == expected


@settings(max_examples=300, deadline=None)
@given(ids=st.lists(st.integers(1, 80), max_size=60))
def test_id_runs_equal_a_row_set_of_the_ids(ids):
    runs = IdRuns()
    for row_id in ids:
        runs.add(row_id)
    assert runs.row_set() == RowSet.from_ids(ids)


SECRET_NAMES = ["api_key", "apiKey", "API-Key", "api%5Fkey", "api+key", "Api%4Bey", "skill", "k", "apikeys"]


@settings(max_examples=1500, deadline=None)
@given(
    pieces=st.lists(
        st.tuples(st.sampled_from(SECRET_NAMES), st.sampled_from(["=", ""]), st.text(alphabet="ab%2B+&=K", max_size=5)),
        max_size=6,
    )
)
def test_the_lean_read_finds_every_api_key_the_full_parse_finds(pieces):
    query = "&".join(name + sep + value for name, sep, value in pieces)
    assert _param_secrets(query) >= query_secrets(query)  # every repeat of a name, as the full parse masks them


def test_a_lean_record_masks_api_keys_hidden_anywhere_in_the_record():
    raw = vendor_record(3)
    raw["ScheduleParams"] = "API-Key=HIDDEN-1&campaign_name=c&PhoneNumber=98HIDDEN-1"
    raw["Response"] = '{"nested": {"apiKey": "HIDDEN-2"}, "echo": "HIDDEN-2"}'
    raw["CreatedDate"] = "FAKE-KEY-1 at noon"

    result = scheduled_data_info(
        StatusClient([raw]),
        Selection(),
        [].append,
        fields=parse_fields(["phone_number", "response", "created_date"]),
    ).result()

    [record] = result["scheduled_data"]
    assert record == {
        "id": 3,
        "phone_number": "98********",
        "created_date": "******** at noon",
        "response": {"nested": {"apiKey": "********"}, "echo": "********"},
    }


class TrackedRecord(dict):
    """A raw record that can be watched through a weak reference."""

    __slots__ = ("__weakref__",)


class StreamingClient:
    """Streams fresh raw records, as the real read does, and counts those still alive once ``collect`` returns."""

    secrets = ()

    def __init__(self, row_ids):
        self.row_ids = row_ids
        self.alive_after_read = None

    def get_scheduled_data(self, collect=list):
        watched = []

        def stream():
            for row_id in self.row_ids:
                raw = TrackedRecord(vendor_record(row_id, sent="1"))
                watched.append(weakref.ref(raw))
                yield raw

        kept = collect(stream())
        gc.collect()
        self.alive_after_read = sum(1 for ref in watched if ref() is not None)
        return kept


@pytest.mark.parametrize("limit", [None, 3])
def test_a_read_of_a_few_fields_keeps_no_raw_record_until_the_end(limit):
    client = StreamingClient([4, 2, 5, 1, 3])

    result = scheduled_data_info(
        client, Selection(), [].append, limit=limit, fields=parse_fields(["phone_number", "schedule_time"])
    ).result()

    assert client.alive_after_read == 0
    expected = normalize_records([vendor_record(row_id, sent="1") for row_id in (1, 2, 3, 4, 5)], [].append)
    assert result["scheduled_data"] == [
        {key: record[key] for key in ("id", "phone_number", "schedule_time")} for record in expected[:limit]
    ]


def test_campaign_names_equal_once_masked_are_counted_together():
    raw_records = [
        vendor_record(1, campaign="x FAKE-KEY-1", sent="1", scheduled="2026-12-02 10:00:00"),
        vendor_record(2, campaign="x ********", scheduled="2026-12-01 10:00:00"),
        vendor_record(3, campaign="x ********", scheduled="not a time"),
    ]

    result = scheduled_data_info(StatusClient(raw_records), Selection(), [].append, limit=0).result()

    assert result["summary"]["campaigns"] == {
        "x ********": {
            "total": 3,
            "pending": 2,
            "sent": 1,
            "first_scheduled": "2026-12-01 10:00:00",
            "last_scheduled": "2026-12-02 10:00:00",
        }
    }


def campaign_tally(total, sent, first, last):
    return {"total": total, "pending": total - sent, "sent": sent, "first_scheduled": first, "last_scheduled": last}


def test_campaign_names_equal_once_masked_without_a_readable_time_have_no_first_or_last_time():
    raw_records = [
        vendor_record(1, campaign="x FAKE-KEY-1", scheduled="not a time", schedule=""),
        vendor_record(2, campaign="x ********", scheduled=None, schedule="not a time"),
    ]

    result = scheduled_data_info(StatusClient(raw_records), Selection(), [].append, limit=0).result()

    assert result["summary"] == {
        "total": 2,
        "pending": 2,
        "sent": 0,
        "campaigns": {"x ********": campaign_tally(2, 0, None, None)},
    }


def test_the_api_key_of_any_record_is_masked_in_every_campaign_name():
    later_key = vendor_record(2, campaign="spring")
    later_key["api_key"] = "FAKE-KEY-2"
    raw_records = [
        vendor_record(1, campaign="spring"),
        later_key,
        vendor_record(3, campaign="leak FAKE-KEY-2 here", sent="1"),
    ]

    result = scheduled_data_info(StatusClient(raw_records), Selection(), [].append, limit=0).result()

    moment = "2026-12-01 09:30:00"
    assert result["summary"] == {
        "total": 3,
        "pending": 2,
        "sent": 1,
        "campaigns": {
            "leak ******** here": campaign_tally(1, 1, moment, moment),
            "spring": campaign_tally(2, 0, moment, moment),
        },
    }


def test_the_api_key_in_a_campaigns_schedule_params_is_masked_in_its_name():
    raw = vendor_record(1)
    raw["ScheduleParams"] = urlencode(
        [("apiKey", "FAKE-KEY-P"), ("campaign_name", "leak FAKE-KEY-P here"), ("ScheduledTime", "2026-12-02 08:00:00")]
    )

    result = scheduled_data_info(StatusClient([raw]), Selection(), [].append, limit=0).result()

    moment = "2026-12-02 08:00:00"
    assert result["summary"] == {
        "total": 1,
        "pending": 1,
        "sent": 0,
        "campaigns": {"leak ******** here": campaign_tally(1, 0, moment, moment)},
    }


def test_a_record_whose_api_key_is_a_number_is_counted_in_the_summary():
    numbered_key = vendor_record(2, sent="1")
    numbered_key["api_key"] = 12345
    raw_records = [vendor_record(1), numbered_key]

    result = scheduled_data_info(StatusClient(raw_records), Selection(), [].append).result()

    moment = "2026-12-01 09:30:00"
    assert result["summary"] == {
        "total": 2,
        "pending": 1,
        "sent": 1,
        "campaigns": {"spring": campaign_tally(2, 1, moment, moment)},
    }
    assert result["scheduled_data"] == normalize_records(raw_records, [].append)


@pytest.mark.parametrize(
    "scheduled",
    [
        "2026-12-01T09:30:00",  # the ISO 'T' separator: read as the same time
        "2026-12-01x09:30:00",  # another one-letter separator: no time
        "2026-12-01 09:30:00Z",  # a time zone: no local time
        "2026-12-01 09:30+05",
        "2026-12-01 09+05:00",
        "2026-W49-1 09:30:00",  # an ISO week date: no time
    ],
)
def test_a_time_written_otherwise_is_summarised_as_the_filters_read_it(scheduled):
    raw_records = [vendor_record(1, scheduled=scheduled)]

    result = scheduled_data_info(StatusClient(raw_records), Selection(), [].append, limit=0).result()

    assert result["summary"] == expected_summary(normalize_records(raw_records, [].append))


@pytest.mark.parametrize(
    "later, first, last",
    [
        ("2026-12-02 25:00:00", "2026-12-01 09:00:00", "2026-12-03 09:00:00"),  # no real time, within the bounds
        ("2026-12-04 25:00:00", "2026-12-01 09:00:00", "2026-12-03 09:00:00"),  # no real time, after them
        ("2026-11-30 24:00:00", "2026-12-01 09:00:00", "2026-12-03 09:00:00"),  # no real time, before them
        ("2026-12-01T07:15", "2026-12-01 07:15:00", "2026-12-03 09:00:00"),  # within them as text, before as a time
        ("2026-12-02 08:00:00", "2026-12-01 09:00:00", "2026-12-03 09:00:00"),
        ("2026-12-03 09:00:01", "2026-12-01 09:00:00", "2026-12-03 09:00:01"),
    ],
)
def test_a_campaigns_first_and_last_times_are_real_times_whatever_comes_after_them(later, first, last):
    raw_records = [
        vendor_record(1, scheduled="2026-12-01 09:00:00"),
        vendor_record(2, scheduled="2026-12-03 09:00:00"),
        vendor_record(3, scheduled=later),
    ]

    result = scheduled_data_info(StatusClient(raw_records), Selection(), [].append, limit=0).result()

    assert result["summary"]["campaigns"]["spring"] == campaign_tally(3, 0, first, last)


def test_a_lean_record_masks_an_api_key_whose_name_holds_a_non_ascii_letter_that_folds_to_k():
    raw = vendor_record(4)
    raw["ScheduleParams"] = "campaign_name=été&api\u212aey=FAKE-KEY-9&PhoneNumber=9812345678"
    raw["CreatedDate"] = "FAKE-KEY-9 at noon"

    result = scheduled_data_info(
        StatusClient([raw]), Selection(), [].append, fields=parse_fields(["campaign_name", "created_date"])
    ).result()

    assert result["scheduled_data"] == [{"id": 4, "campaign_name": "été", "created_date": "******** at noon"}]


def test_an_api_key_hidden_by_a_later_blank_field_of_its_name_is_masked_in_a_lean_record_and_the_summary():
    raw = vendor_record(4)
    raw["ScheduleParams"] = "campaign_name=été FAKE-KEY-8&api\u212aey=FAKE-KEY-8&api\u212aey=&PhoneNumber=98"
    raw["CreatedDate"] = "FAKE-KEY-8 at noon"

    result = scheduled_data_info(
        StatusClient([raw]), Selection(), [].append, fields=parse_fields(["created_date"])
    ).result()

    assert result["scheduled_data"] == [{"id": 4, "created_date": "******** at noon"}]
    assert list(result["summary"]["campaigns"]) == ["été ********"]


def test_each_lean_record_masks_its_own_api_key():
    raw_records = []
    for row_id, key in ((1, "FAKE-KEY-A"), (2, "FAKE-KEY-B")):
        raw = vendor_record(row_id)
        raw["api_key"] = key
        raw["CreatedDate"] = key + " at noon"
        raw_records.append(raw)

    result = scheduled_data_info(
        StatusClient(raw_records), Selection(), [].append, fields=parse_fields(["created_date"])
    ).result()

    assert result["scheduled_data"] == [
        {"id": 1, "created_date": "******** at noon"},
        {"id": 2, "created_date": "******** at noon"},
    ]


@pytest.mark.parametrize("fields", [None, ["campaign_name"]])
def test_under_a_limit_records_of_one_id_keep_the_order_they_came_in(fields):
    raw_records = [
        vendor_record(2, campaign="first two"),
        vendor_record(1, campaign="one"),
        vendor_record(2, campaign="second two"),
        vendor_record(3, campaign="three"),
        vendor_record(2, campaign="third two"),
    ]

    result = scheduled_data_info(
        StatusClient(raw_records), Selection(), [].append, limit=3, fields=parse_fields(fields)
    ).result()

    assert [(record["id"], record["campaign_name"]) for record in result["scheduled_data"]] == [
        (1, "one"),
        (2, "first two"),
        (2, "second two"),
    ]
    assert result["truncated"] is True
