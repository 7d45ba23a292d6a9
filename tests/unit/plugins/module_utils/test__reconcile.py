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
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._reconcile import (
    ExistingRow,
    WantedRow,
    batches_of,
    bulk_data,
    campaign_rows,
    differences,
    new_row_ids,
    parse_wanted_rows,
    plan_present,
    row_verdicts,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._record_view import RecordView

# ---------------------------------------------------------------- bad rows, each named by its index

GOOD = {"phone_number": "9876543210", "scheduled_time": "2026-12-02 09:30"}


@pytest.mark.parametrize(
    "rows, expected",
    [
        ({"phone_number": "1"}, "rows must be a list of dicts, got a dict"),
        ([GOOD, "9876543210"], r"rows\[1\] must be a dict"),
        ([GOOD, {"scheduled_time": "2026-12-02 09:30"}], r"rows\[1\] has no phone_number"),
        ([{"phone_number": "9876543210"}], r"rows\[0\] has no scheduled_time"),
        ([dict(GOOD, scheduled_time="2026-12-02T09:30+05:30")], r"rows\[0\]\.scheduled_time .* carries a time zone"),
        ([dict(GOOD, scheduled_time="02/12/2026 09:30")], r"rows\[0\]\.scheduled_time .* is not a date and time"),
        ([dict(GOOD, phone_number="call me")], r"rows\[0\]\.phone_number 'call me' is not a phone number"),
        (
            [GOOD, dict(GOOD, phone_number="98765 43210", scheduled_time="2026-12-02T09:30:00")],
            r"rows\[1\] has the same phone number and scheduled time as rows\[0\]",
        ),
        ([dict(GOOD, priority="high")], r"rows\[0\]\.priority must be an integer"),
        ([dict(GOOD, priority=True)], r"rows\[0\]\.priority must be an integer"),
        ([dict(GOOD, phone="1")], r"rows\[0\] has unknown key\(s\) phone"),
        ([dict(GOOD, fields={"Name": "x"})], r"rows\[0\]\.fields\.Name is a column the row's own keys set"),
        ([dict(GOOD, fields=["Language"])], r"rows\[0\]\.fields must be a dict"),
    ],
)
def test_bad_rows_are_refused_naming_the_row(rows, expected):
    with pytest.raises(ConfigurationError, match=expected):
        parse_wanted_rows(rows)


def test_declared_columns_become_vendor_columns_in_a_stable_map():
    rows = parse_wanted_rows(
        [
            dict(GOOD, name="Asha", priority="2", fields={"Language": "hi"}),
            {"phone_number": "9876543211", "scheduled_time": "2026-12-02 10:00", "agent_id": "agent7"},
        ]
    )
    assert bulk_data(rows) == {
        "map": ["PhoneNumber", "ScheduledTime", "Name", "Priority", "AgentID", "Language"],
        "data": [
            ["9876543210", "2026-12-02 09:30:00", "Asha", "2", "", "hi"],
            ["9876543211", "2026-12-02 10:00:00", "", "", "agent7", ""],
        ],
    }


def test_requests_carry_at_most_100_rows():
    rows = [WantedRow(n, str(n), "2026-12-02 09:30:00") for n in range(250)]
    assert [len(batch) for batch in batches_of(rows)] == [100, 100, 50]


# ---------------------------------------------------------------- the plan: properties

PHONES = st.sampled_from(["98000000%02d" % n for n in range(12)])
TIMES = st.sampled_from(["2026-12-0%d 09:00:00" % day for day in range(1, 5)])
IDENTITIES = st.tuples(PHONES, TIMES)


@st.composite
def worlds(draw):
    """Existing rows with distinct identities (some sent) and a wanted list of distinct identities."""
    existing_identities = draw(st.lists(IDENTITIES, unique=True, max_size=25))
    sent = draw(st.lists(st.booleans(), min_size=len(existing_identities), max_size=len(existing_identities)))
    existing = [
        ExistingRow(row_id, identity, is_sent, {})
        for row_id, (identity, is_sent) in enumerate(zip(existing_identities, sent), start=1)
    ]
    wanted_identities = draw(st.lists(IDENTITIES, unique=True, max_size=25))
    wanted = [WantedRow(index, phone, moment) for index, (phone, moment) in enumerate(wanted_identities)]
    return existing, wanted


@settings(max_examples=300, deadline=None)
@given(worlds(), st.booleans())
def test_the_plan_creates_exactly_wanted_minus_existing(world, exclusive):
    existing, wanted = world
    plan = plan_present(wanted, existing, exclusive=exclusive)
    assert {row.identity for row in plan.create} == {w.identity for w in wanted} - {e.identity for e in existing}
    assert len(plan.create) == len({row.identity for row in plan.create})


@settings(max_examples=300, deadline=None)
@given(worlds())
def test_exclusive_deletes_exactly_the_pending_existing_rows_not_wanted(world):
    existing, wanted = world
    plan = plan_present(wanted, existing, exclusive=True)
    wanted_identities = {w.identity for w in wanted}
    assert {row.row_id for row in plan.delete} == {
        e.row_id for e in existing if not e.is_request_sent and e.identity not in wanted_identities
    }
    assert not any(row.is_request_sent for row in plan.delete)


@settings(max_examples=200, deadline=None)
@given(worlds())
def test_without_exclusive_nothing_is_deleted(world):
    existing, wanted = world
    assert plan_present(wanted, existing).delete == []


# ---------------------------------------------------------------- the plan: fields, duplicates, sent rows


def existing_row(row_id, phone="9800000001", sent=False, **params):
    return ExistingRow(row_id, (phone, "2026-12-02 09:30:00"), sent, params)


def wanted_row(index=0, phone="9800000001", **columns):
    return WantedRow(index, phone, "2026-12-02 09:30:00", tuple(sorted(columns.items())))


def test_a_pending_row_whose_declared_fields_differ_is_listed_or_replaced():
    existing = [existing_row(7, Name="Asha", Priority="1")]
    wanted = [wanted_row(Name="Asha Rao", Priority="1")]
    listed = plan_present(wanted, existing)
    assert listed.create == [] and listed.delete == []
    assert listed.differing == [
        dict(
            index=0,
            row_id=7,
            phone_number="9800000001",
            scheduled_time="2026-12-02 09:30:00",
            is_request_sent=False,
            changes={"Name": {"existing": "Asha", "wanted": "Asha Rao"}},
        )
    ]
    replaced = plan_present(wanted, existing, replace_changed=True)
    assert replaced.delete == [] and replaced.replaces == {0: existing[0]} and replaced.create == wanted
    assert [row.row_id for row in replaced.all_deletes()] == [7] and replaced.differing == []


def test_a_sent_row_is_never_touched_even_when_it_differs():
    plan = plan_present(
        [wanted_row(Name="B")], [existing_row(3, sent=True, Name="A")], replace_changed=True, exclusive=True
    )
    assert plan.delete == [] and plan.create == [] and plan.differing[0]["is_request_sent"] is True


def test_undeclared_columns_are_not_compared():
    assert plan_present([wanted_row()], [existing_row(3, Name="A", Priority="9")], replace_changed=True).delete == []


def test_exclusive_deletes_extra_pending_copies_of_a_wanted_row_and_keeps_the_equal_one():
    existing = [existing_row(1, Name="old"), existing_row(2, Name="new"), existing_row(3, Name="old", sent=True)]
    plan = plan_present([wanted_row(Name="new")], existing, exclusive=True)
    assert plan.kept == {0: 3}  # the sent row stands for it: history wins
    assert sorted(row.row_id for row in plan.delete) == [1, 2]


def test_unreadable_pending_rows_of_the_campaign_go_with_exclusive():
    plan = plan_present([], [ExistingRow(4, None, False, {}), ExistingRow(5, None, True, {})], exclusive=True)
    assert [row.row_id for row in plan.delete] == [4]


def test_campaign_rows_read_identity_from_the_schedule_params():
    raw_records = [
        {
            "Id": "2",
            "IsRequestSent": "0",
            "ScheduleParams": "campaign_name=c1&PhoneNumber=%2B91+98765+43210&ScheduledTime=2026-12-02+09%3A30%3A00",
        },
        {"Id": "1", "IsRequestSent": "0", "ScheduleParams": "campaign_name=c2"},
        {"Id": "3", "IsRequestSent": "1", "ScheduleParams": "campaign_name=c1", "ScheduleTime": "garbage"},
        {
            "Id": "4",
            "IsRequestSent": "0",
            "ScheduleParams": "campaign_name=c1&PhoneNumber=1",
            "ScheduleTime": "2026-12-02 9:00",
        },
    ]
    shown = [(RecordView(raw), {"Name": "n%s" % raw["Id"]}) for raw in raw_records]
    rows = campaign_rows(shown, "c1")
    assert [(row.row_id, row.identity, row.is_request_sent, row.params) for row in rows] == [
        (2, ("+919876543210", "2026-12-02 09:30:00"), False, {"Name": "n2"}),
        (3, None, True, {"Name": "n3"}),
        (4, None, False, {"Name": "n4"}),
    ]


# ---------------------------------------------------------------- answers


def test_row_verdicts_split_by_the_api_per_row_message():
    batch = [wanted_row(0, "9800000001"), wanted_row(1, "12345"), wanted_row(2, "9800000003")]
    entries = [
        {"Response": "success", "msg": "Data updated successfully", "index": "0"},
        {"Response": "failed", "msg": "Invalid PhoneNumber", "index": "1"},
    ]
    accepted, rejected = row_verdicts(entries, batch)
    assert accepted == batch[:1]
    assert [(r["index"], r["message"]) for r in rejected] == [
        (1, "Invalid PhoneNumber"),
        (2, "the API returned no result for this row"),
    ]


def test_new_row_ids_come_from_the_read_after_creating():
    created = [wanted_row(0, "9800000001"), wanted_row(1, "9800000002")]
    after = [existing_row(5, "9800000001"), existing_row(9, "9800000001"), existing_row(10, "9800000002")]
    assert new_row_ids(created, [5], after) == {0: 9, 1: 10}
    assert new_row_ids(created, [5, 9, 10], after) == {0: None, 1: None}


# ---------------------------------------------------------------- typed cells and fields that are not columns


def test_every_cell_is_sent_as_the_text_it_is_compared_as():
    rows = parse_wanted_rows(
        [dict(GOOD, fields={"VIP": True, "Opted": False, "Score": 5, "Ratio": 1.5, "Weight": 2.0, "Note": None})]
    )
    sent = bulk_data(rows)
    cells = dict(zip(sent["map"], sent["data"][0]))
    assert {name: cells[name] for name in ("VIP", "Opted", "Score", "Ratio", "Weight", "Note")} == {
        "VIP": "true",
        "Opted": "false",
        "Score": "5",
        "Ratio": "1.5",
        "Weight": "2.0",
        "Note": "",
    }
    assert all(isinstance(cell, str) for cell in sent["data"][0])
    stored = existing_row(7, **{name: cells[name] for name in ("VIP", "Opted", "Score", "Ratio", "Weight", "Note")})
    assert differences(rows[0], ExistingRow(7, rows[0].identity, False, stored.params)) == {}


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"Extra": {"a": 1}}, r"rows\[0\]\.fields\.Extra must be text, a number or a boolean, got a dict \(.*\)\.$"),
        ({"Extra": [1]}, r"rows\[0\]\.fields\.Extra must be text, a number or a boolean, got a list \(.*\)\.$"),
        ({"campaign_name": "x"}, r"rows\[0\]\.fields\.campaign_name names the campaign"),
        ({"CampaignName": "x"}, r"rows\[0\]\.fields\.CampaignName names the campaign"),
        ({"api_key": "x"}, r"rows\[0\]\.fields\.api_key names the account"),
        ({"API-Key": "x"}, r"rows\[0\]\.fields\.API-Key names the account"),
        ({"action": "STOP"}, r"rows\[0\]\.fields\.action names the request"),
        ({"Format": "xml"}, r"rows\[0\]\.fields\.Format names the request"),
        ({"phonenumber": "1"}, r"rows\[0\]\.fields\.phonenumber is a column the row's own keys set"),
        ({"ScheduledTime": "1"}, r"rows\[0\]\.fields\.ScheduledTime is a column the row's own keys set"),
        ({"skill": "x"}, r"rows\[0\]\.fields\.skill is a column the row's own keys set"),
        ({"ExpiryDate": "x"}, r"rows\[0\]\.fields\.ExpiryDate is a column the row's own keys set"),
    ],
)
def test_a_field_that_is_no_cell_or_names_the_row_campaign_or_account_is_refused(fields, expected):
    with pytest.raises(ConfigurationError, match="^" + expected):
        parse_wanted_rows([dict(GOOD, fields=fields)])


def test_replace_changed_deletes_a_differing_pending_copy_beside_an_equal_row():
    wanted = [wanted_row(Name="Asha Rao")]
    existing = [existing_row(7, Name="Asha"), existing_row(9, Name="Asha Rao")]
    plan = plan_present(wanted, existing, replace_changed=True)
    assert [row.row_id for row in plan.delete] == [7] and plan.create == [] and plan.replaces == {}
    assert plan_present(wanted, existing).delete == []


# ---------------------------------------------------------------- messages in full, columns by name, answers by index


def refusal(rows):
    with pytest.raises(ConfigurationError) as raised:
        parse_wanted_rows(rows)
    return str(raised.value)


@pytest.mark.parametrize(
    "rows, expected",
    [
        (None, "rows must be a list of dicts, got nothing."),
        (
            [GOOD, "9876543210"],
            "rows[1] must be a dict with phone_number and scheduled_time, got a str ('9876543210').",
        ),
        (
            [dict(GOOD, phone="1", zone="x")],
            "rows[0] has unknown key(s) phone, zone; known: agent_id, expiry_date, fields, name, phone_number, "
            "priority, scheduled_time, skill (put further mapping columns under fields).",
        ),
        (
            [dict(GOOD, scheduled_time=20261202)],
            "rows[0].scheduled_time must be a date and time like '2026-12-01 09:30:00', got an int (20261202).",
        ),
        (
            [dict(GOOD, scheduled_time="2026-12-02")],
            "rows[0].scheduled_time '2026-12-02' is not a date and time: use 'YYYY-MM-DD HH:MM:SS' in the "
            "account's local time.",
        ),
        (
            [dict(GOOD, scheduled_time=datetime.datetime(2026, 12, 2, 9, 30, tzinfo=datetime.timezone.utc))],
            "rows[0].scheduled_time '2026-12-02T09:30:00+00:00' carries a time zone: give the account's local time "
            "without one (the API takes the CloudAgent account's local time).",
        ),
        ([dict(GOOD, name=["Asha"])], "rows[0].name must be text, got a list (['Asha'])."),
        ([dict(GOOD, skill=True)], "rows[0].skill must be text, got a bool (True)."),
        (
            [dict(GOOD, fields={"AgentID": "a1"})],
            "rows[0].fields.AgentID is a column the row's own keys set (phone_number, scheduled_time, name, "
            "priority, agent_id, skill, expiry_date); use those keys instead.",
        ),
        (
            [dict(GOOD, phone_number="٩٨٧٦٥٤٣٢١٠")],
            "rows[0].phone_number '٩٨٧٦٥٤٣٢١٠' is not a phone number: use digits, optionally a leading + "
            "(spaces, '-', '(' and ')' are ignored).",
        ),
    ],
)
def test_a_refused_row_is_explained_in_full(rows, expected):
    assert refusal(rows) == expected


def test_a_local_datetime_is_taken_and_its_microseconds_dropped():
    row = parse_wanted_rows([dict(GOOD, scheduled_time=datetime.datetime(2026, 12, 2, 9, 30, 0, 500))])[0]
    assert row.scheduled_time == "2026-12-02 09:30:00"


def test_every_row_key_fills_its_vendor_column_and_rows_keep_their_index():
    rows = parse_wanted_rows(
        [
            GOOD,
            dict(
                phone_number=" 98765-43211 ",
                scheduled_time="2026-12-02 10:00",
                name="Asha",
                priority=" -3 ",
                expiry_date="2026-12-31",
                skill="sales",
                agent_id="agent7",
            ),
        ]
    )
    assert [(row.index, row.phone_number, row.scheduled_time) for row in rows] == [
        (0, "9876543210", "2026-12-02 09:30:00"),
        (1, "9876543211", "2026-12-02 10:00:00"),
    ]
    assert rows[1].columns == (
        ("Name", "Asha"),
        ("Priority", "-3"),
        ("ExpiryDate", "2026-12-31"),
        ("skill", "sales"),
        ("AgentID", "agent7"),
    )
    assert bulk_data(rows)["map"] == [
        "PhoneNumber",
        "ScheduledTime",
        "Name",
        "Priority",
        "ExpiryDate",
        "skill",
        "AgentID",
    ]


def test_a_row_is_compared_cell_by_cell_booleans_and_empty_cells_included():
    wanted = parse_wanted_rows([dict(GOOD, fields={"VIP": True, "Note": None, "Score": 5})])[0]

    def stored(**params):
        return ExistingRow(7, wanted.identity, False, params)

    assert differences(wanted, stored(VIP="true", Note="", Score="5")) == {}
    assert differences(wanted, stored(VIP="false", Note="", Score="5")) == {
        "VIP": {"existing": "false", "wanted": "true"}
    }
    assert differences(wanted, stored(VIP="True", Score="5")) == {
        "Note": {"existing": None, "wanted": ""},
        "VIP": {"existing": "True", "wanted": "true"},
    }


def test_campaign_rows_take_the_scheduled_time_parameter_and_else_the_schedule_time():
    raw_records = [
        {
            "Id": "4",
            "ScheduleParams": "campaign_name=c1&PhoneNumber=98765+43210",
            "ScheduleTime": "2026-12-02 09:30:00",
        },
        {
            "Id": "3",
            "IsRequestSent": "1",
            "ScheduleParams": "campaign_name=c1&PhoneNumber=9800000001&ScheduledTime=2026-12-02T09:00&Language=hi",
            "ScheduleTime": "2026-12-02 08:00:00",
        },
        {
            "Id": "5",
            "ScheduleParams": "campaign_name=c1&PhoneNumber=%D9%A1%D9%A2%D9%A3",
            "ScheduleTime": "2026-12-02 09:30",
        },
    ]
    views = [RecordView(raw) for raw in raw_records]
    assert campaign_rows([(view, {"n": view.raw["Id"]}) for view in views], "c1") == [
        ExistingRow(3, ("9800000001", "2026-12-02 09:00:00"), True, {"n": "3"}),
        ExistingRow(4, ("9876543210", "2026-12-02 09:30:00"), False, {"n": "4"}),
        ExistingRow(5, None, False, {"n": "5"}),
    ]


def test_row_verdicts_follow_the_api_index_not_the_order_of_its_entries():
    batch = [wanted_row(0, "9800000001"), wanted_row(1, "9800000002"), wanted_row(2, "9800000003")]
    entries = [
        {"msg": "Invalid PhoneNumber", "index": " 2 "},
        {"msg": "Data updated successfully", "index": "0"},
        {"msg": "success", "index": 1},
    ]
    accepted, rejected = row_verdicts(entries, batch)
    assert accepted == batch[:2]
    assert rejected == [
        dict(index=2, phone_number="9800000003", scheduled_time="2026-12-02 09:30:00", message="Invalid PhoneNumber")
    ]


def test_row_verdicts_take_an_entry_without_a_readable_index_by_its_position():
    batch = [wanted_row(0, "9800000001"), wanted_row(1, "9800000002")]
    accepted, rejected = row_verdicts([{"msg": "success", "index": "x"}, {"msg": "Failed"}], batch)
    assert accepted == batch[:1] and [row["message"] for row in rejected] == ["Failed"]


@pytest.mark.parametrize(
    "entry, accepted",
    [
        ({"Response": "Success"}, True),
        ({"Response": " data updated successfully "}, True),
        ({"msg": "", "Response": "success"}, True),
        ({"msg": "Invalid PhoneNumber", "Response": "success"}, False),
        ({"msg": "SUCCESS", "Response": "failed"}, True),
        ({"Response": "failed"}, False),
        ({}, False),
    ],
)
def test_a_row_is_accepted_by_its_msg_or_without_one_by_its_response(entry, accepted):
    batch = [wanted_row(0)]
    assert row_verdicts([entry], batch)[0] == (batch if accepted else [])


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"msg": " Invalid PhoneNumber ", "message": "m", "Response": "r", "error": "e"}, "Invalid PhoneNumber"),
        ({"msg": " ", "message": "Duplicate row", "Response": "r"}, "Duplicate row"),
        ({"Response": "Failed", "error": "e"}, "Failed"),
        ({"Response": 0, "error": "Campaign not found"}, "Campaign not found"),
        ({"Response": "failed "}, "failed"),
        ({"status": 500}, "rejected without a message: {'status': 500}"),
    ],
)
def test_a_rejected_row_carries_the_first_message_the_api_gave(entry, message):
    assert row_verdicts([entry], [wanted_row(0)])[1][0]["message"] == message


@pytest.mark.parametrize(
    "row, expected",
    [
        (dict(GOOD, scheduled_time="2026-12-02T09:30:00z"), r"rows\[0\]\.scheduled_time .* carries a time zone"),
        (dict(GOOD, priority="٣"), r"^rows\[0\]\.priority must be an integer, got a str \('٣'\)\.$"),
        (dict(GOOD, fields={1: "x"}), r"^rows\[0\]\.fields has a column name that is not text: 1\.$"),
        (dict(GOOD, fields={" ": "x"}), r"^rows\[0\]\.fields has a column name that is not text: ' '\.$"),
        # beside text names (which cannot be sorted with it): still a clear error, not a TypeError
        (dict(GOOD, fields={"b": "x", 1: "y"}), r"^rows\[0\]\.fields has a column name that is not text: 1\.$"),
    ],
)
def test_a_zone_in_lower_case_a_digit_of_another_script_and_a_nameless_field_are_refused(row, expected):
    with pytest.raises(ConfigurationError, match=expected):
        parse_wanted_rows([row])


def test_numbers_are_sent_as_json_writes_them():
    row = parse_wanted_rows(
        [dict(GOOD, priority=5, name=1.5, fields={"Huge": float("inf"), "Tiny": 1e-7, "Count": 12})]
    )[0]
    assert dict(row.columns) == {"Priority": "5", "Name": "1.5", "Huge": "Infinity", "Tiny": "1e-07", "Count": "12"}


def test_a_plan_lists_its_replacements_and_every_delete_in_id_order():
    wanted = [wanted_row(0, "9800000001", Name="a"), wanted_row(1, "9800000002", Name="b")]
    existing = [
        existing_row(9, "9800000001", Name="old"),
        existing_row(4, "9800000002", Name="old"),
        existing_row(6, "9800000003"),
    ]
    plan = plan_present(wanted, existing, replace_changed=True, exclusive=True)
    assert sorted(plan.replaces) == [0, 1] and plan.create == wanted
    assert [row.row_id for row in plan.delete] == [6]
    assert [row.row_id for row in plan.all_deletes()] == [4, 6, 9]


def test_a_phone_number_that_is_no_text_is_refused_in_full():
    assert refusal([dict(GOOD, phone_number=["98765"])]) == (
        "rows[0].phone_number must be a phone number (a string of digits), got a list (['98765'])."
    )
    assert refusal([dict(GOOD, phone_number=True)]) == (
        "rows[0].phone_number must be a phone number (a string of digits), got a bool (True)."
    )
