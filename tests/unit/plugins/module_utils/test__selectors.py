# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ConfigurationError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._record_view import RecordView
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import RowSet
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import (
    SELECTOR_ARGUMENT_SPEC,
    SELECTOR_OPTIONS,
    Selection,
    closest_campaigns,
    noting_campaigns,
    selection_from_options,
    unknown_campaign_warning,
)


def validated(params: dict) -> dict:
    """The options as Ansible's argument spec validation hands them to a module."""
    result = ArgumentSpecValidator(SELECTOR_ARGUMENT_SPEC).validate(params)
    assert not result.error_messages, result.error_messages
    return {name: result.validated_parameters[name] for name in SELECTOR_ARGUMENT_SPEC}  # without the alias


def test_the_selector_options_arrive_with_the_documented_types_and_alias():
    params = validated(
        dict(
            row_ids=7,
            campaign_name="spring",
            phone_number=9876543210,
            scheduled_after="2026-12-01",
            scheduled_before="2026-12-02 09:00",
            pending="yes",
        )
    )
    assert params == dict(
        row_id=7,  # raw: an int stays an int, a list a list, for the row id parser to read
        campaign_name="spring",
        phone_number=["9876543210"],  # one number is a list of one, as text
        scheduled_after="2026-12-01",
        scheduled_before="2026-12-02 09:00",
        pending=True,
    )


def test_phone_numbers_in_a_list_arrive_as_text():
    assert validated(dict(phone_number=[98765, "98 76"]))["phone_number"] == ["98765", "98 76"]


def test_a_list_of_row_ids_stays_a_list():
    assert validated(dict(row_id=[1, "3-5"]))["row_id"] == [1, "3-5"]


def record(row_id, campaign="c1", phone="9800000001", moment="2026-12-01 09:00:00", sent=False):
    """A raw status record, as the API sends it."""
    params = urlencode({"campaign_name": campaign, "PhoneNumber": phone, "ScheduledTime": moment})
    return {"Id": str(row_id), "ScheduleTime": moment, "IsRequestSent": "1" if sent else "0", "ScheduleParams": params}


def select_ids(records, selection):
    return [int(raw["Id"]) for raw in records if selection.matches_view(int(raw["Id"]), RecordView(raw))]


RECORDS = [
    record(1),
    record(2, phone="+91 98000 00002", moment="2026-12-01 10:00:00"),
    record(3, campaign="c2", moment="2026-12-02 00:00:00", sent=True),
    record(4, moment="not a time"),
]


def options(**values):
    return values.get


@pytest.mark.parametrize(
    "values, expected",
    [
        ({}, [1, 2, 3, 4]),
        ({"campaign_name": "c1"}, [1, 2, 4]),
        ({"pending": True}, [1, 2, 4]),
        ({"pending": False}, [3]),
        ({"phone_number": ["+9198000-00002"]}, [2]),
        ({"phone_number": "9800000001"}, [1, 3, 4]),
        ({"scheduled_after": "2026-12-01 10:00"}, [2, 3]),
        ({"scheduled_before": "2026-12-01 10:00:00"}, [1]),
        ({"scheduled_after": "2026-12-01", "scheduled_before": "2026-12-02"}, [1, 2]),
        ({"row_id": "2-4", "campaign_name": "c1"}, [2, 4]),
    ],
)
def test_every_selector_given_must_match(values, expected):
    assert select_ids(RECORDS, selection_from_options(options(**values))) == expected


def test_has_selectors_ignores_row_id_alone():
    assert not selection_from_options(options(row_id="1-3")).has_selectors
    assert selection_from_options(options(pending=False)).has_selectors


@pytest.mark.parametrize(
    "values, expected",
    [
        ({"scheduled_after": "soon"}, "scheduled_after 'soon' is not a date and time"),
        ({"scheduled_before": "2026-12-01T00:00:00+00:00"}, "carries a time zone"),
        ({"scheduled_after": "2026-12-02", "scheduled_before": "2026-12-01"}, "must be earlier than"),
        ({"phone_number": ["1", "x"]}, r"phone_number\[1\] 'x' is not a phone number"),
        ({"phone_number": []}, "phone_number is an empty list"),
        ({"campaign_name": " "}, "campaign_name must be a non-empty string"),
    ],
)
def test_bad_selectors_are_refused(values, expected):
    with pytest.raises(ConfigurationError, match=expected):
        selection_from_options(options(**values))


def test_the_closest_campaigns_come_first_the_same_letters_in_another_case_before_all():
    names = ["Spring_Offers", "zeta", "SpringOffer", "summer_offer", "winter", "demo_campaign", "autumn"]
    assert closest_campaigns("springoffer", names) == [
        "SpringOffer",
        "Spring_Offers",
        "summer_offer",
        "winter",
        "demo_campaign",
    ]
    assert closest_campaigns("SPRING", ["springs", "spring"]) == ["spring", "springs"]


def test_an_unknown_campaign_warns_naming_the_closest_and_a_known_one_does_not():
    warning = unknown_campaign_warning("springoffer", {"SpringOffer", "autumn"})
    assert "campaign_name 'springoffer'" in warning and warning.endswith("records: SpringOffer, autumn.")
    assert unknown_campaign_warning("SpringOffer", {"SpringOffer"}) is None
    assert unknown_campaign_warning(None, {"SpringOffer"}) is None
    assert "no scheduled records at all" in unknown_campaign_warning("x", set())


# ---------------------------------------------------------------- through the record view of a raw status record


def view(campaign="c1", phone="9800000001", moment=None, schedule_time=None, sent="0"):
    """The RecordView of a raw record as the API sends it; ``moment`` None leaves ScheduledTime out."""
    params = {"campaign_name": campaign, "PhoneNumber": phone}
    if moment is not None:
        params["ScheduledTime"] = moment
    return RecordView(
        {"Id": "1", "ScheduleParams": urlencode(params), "ScheduleTime": schedule_time, "IsRequestSent": sent}
    )


def test_the_selector_options_are_the_options_the_selection_reads_besides_row_id():
    asked = []
    selection_from_options(asked.append)
    assert set(SELECTOR_OPTIONS) == set(asked) - {"row_id"} and len(SELECTOR_OPTIONS) == len(set(SELECTOR_OPTIONS))


def test_a_selection_filters_only_on_what_it_is_given():
    assert not Selection().has_selectors
    assert Selection().matches_view(7, view(campaign="other", moment="not a time", sent="1"))
    by_campaign = Selection(campaign_name="c1")
    assert by_campaign.has_selectors
    assert by_campaign.matches_view(7, view(phone="12345", moment="2026-12-01 09:00:00", sent="1"))
    assert not by_campaign.matches_view(7, view(campaign="C1"))


def test_the_time_of_a_record_is_its_scheduled_time_parameter_and_else_its_schedule_time():
    after_ten = Selection(scheduled_after=datetime.datetime(2026, 12, 1, 10))
    assert after_ten.matches_view(1, view(moment="2026-12-01 11:00:00", schedule_time="2026-12-01 09:00:00"))
    assert not after_ten.matches_view(1, view(moment="2026-12-01 09:00:00", schedule_time="2026-12-01 11:00:00"))
    assert after_ten.matches_view(1, view(schedule_time="2026-12-01 11:00:00"))
    assert not after_ten.matches_view(1, view(schedule_time="2026-12-01 09:59:59"))
    assert not after_ten.matches_view(1, view())


def test_scheduled_after_and_before_bound_a_half_open_window():
    window = selection_from_options(
        options(scheduled_after="2026-12-01 10:00:00", scheduled_before="2026-12-01 11:00:00")
    )
    moments = ["2026-12-01 09:59:59", "2026-12-01 10:00:00", "2026-12-01 10:59:59", "2026-12-01 11:00:00"]
    assert [window.matches_view(1, view(moment=moment)) for moment in moments] == [False, True, True, False]


def test_a_window_of_no_time_is_refused_naming_both_bounds():
    with pytest.raises(ConfigurationError) as raised:
        selection_from_options(options(scheduled_after="2026-12-01 10:00", scheduled_before="2026-12-01T10:00:00"))
    assert str(raised.value) == (
        "scheduled_after (2026-12-01 10:00:00) must be earlier than scheduled_before (2026-12-01 10:00:00): "
        "nothing could match."
    )


@pytest.mark.parametrize("name", ["scheduled_after", "scheduled_before"])
def test_a_bad_time_bound_is_refused_under_its_own_name(name):
    with pytest.raises(ConfigurationError, match=r"^%s 'soon' is not a date and time: use " % name):
        selection_from_options(options(**{name: "soon"}))


def test_row_id_pending_and_phone_numbers_select_through_the_view():
    selection = selection_from_options(options(row_id="2-4", pending=True, phone_number=["+91 98000-00001"]))
    assert selection.matches_view(3, view(phone="+91 (98000) 00001"))
    assert not selection.matches_view(5, view(phone="+919800000001"))
    assert not selection.matches_view(3, view(phone="+919800000001", sent="1"))
    assert not selection.matches_view(3, view(phone="919800000001"))
    assert not selection.matches_view(3, view(phone="no number"))


def test_noting_campaigns_notes_every_campaign_asked_about_and_answers_as_the_selection():
    seen = set()
    matches = noting_campaigns(Selection(rows=RowSet.from_ids([1]), campaign_name="c1").matches_view, seen)
    assert [matches(1, view()), matches(2, view()), matches(1, view(campaign="c2"))] == [True, False, False]
    assert seen == {"c1", "c2"}


def test_an_unknown_campaign_warning_reads_in_full():
    assert unknown_campaign_warning("Spring", {"spring", "autumn"}) == (
        "No Scheduled Data Status record carries campaign_name 'Spring' (names compare with case); "
        "campaigns that have records: spring, autumn."
    )
    assert unknown_campaign_warning("Spring", []) == (
        "No Scheduled Data Status record carries campaign_name 'Spring' (names compare with case); "
        "the account has no scheduled records at all."
    )


@pytest.mark.parametrize(
    "values, expected",
    [
        ({"campaign_name": ""}, "campaign_name must be a non-empty string, got ''."),
        ({"campaign_name": 5}, "campaign_name must be a non-empty string, got 5."),
        ({"phone_number": []}, "phone_number is an empty list: give at least one number, or leave it out."),
    ],
)
def test_a_bad_campaign_or_phone_selector_is_explained_in_full(values, expected):
    with pytest.raises(ConfigurationError) as raised:
        selection_from_options(options(**values))
    assert str(raised.value) == expected


def test_a_datetime_bound_counts_whole_seconds():
    selection = selection_from_options(
        options(scheduled_after=datetime.datetime(2026, 12, 1, 10, 0, 0, 999999), scheduled_before=None)
    )
    assert selection.scheduled_after == datetime.datetime(2026, 12, 1, 10)
    assert selection.matches_view(1, view(moment="2026-12-01 10:00:00"))
