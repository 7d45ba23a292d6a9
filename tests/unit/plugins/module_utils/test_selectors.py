# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ConfigurationError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._record_view import RecordView
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import (
    closest_campaigns,
    selection_from_options,
    unknown_campaign_warning,
)


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
