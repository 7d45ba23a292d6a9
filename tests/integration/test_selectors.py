# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""state=absent with selectors end to end: a delete removes exactly what the info module with the same filters
returns, with one status read and the fewest DELETEs; check mode and the guards."""

from __future__ import annotations

import pytest

from cloudagent_harness.layout import DEMO_USER
from cloudagent_harness.planner_oracle import compact, expected_plan
from helpers import delete_specs, requests_to

READ = "Read the rows the selectors match"
DELETE = "Delete the rows the selectors match"


def seed_two_campaigns(emulator):
    """Rows 1-60 in demo_campaign (41-50 sent), 61-90 in autumn (81-90 sent); row n is at 09:00 + n minutes."""
    emulator.seed(DEMO_USER, spec="1-40,51-60")
    emulator.seed(DEMO_USER, spec="41-50", is_request_sent=True)
    emulator.seed(DEMO_USER, spec="61-80", campaign_name="autumn")
    emulator.seed(DEMO_USER, spec="81-90", campaign_name="autumn", is_request_sent=True)


SELECTORS = [
    pytest.param({"campaign_name": "demo_campaign", "pending": True}, id="campaign-pending"),
    pytest.param({"pending": False}, id="sent-only"),
    pytest.param({"phone_number": ["9800000007", "98-0000-0070", "9800000099"]}, id="phone-list"),
    pytest.param({"phone_number": "98 0000 0012"}, id="one-phone"),
    pytest.param({"scheduled_after": "2026-12-01 09:10:00", "scheduled_before": "2026-12-01 09:20"}, id="window"),
    pytest.param({"campaign_name": "autumn", "row_id": "1-70,85"}, id="row-id-intersection"),
]


@pytest.mark.parametrize("selectors", SELECTORS)
def test_a_selector_delete_removes_exactly_what_the_info_module_returns(emulator, run_playbook, selectors):
    seed_two_campaigns(emulator)

    result = run_playbook("selectors.yml", {"selectors": selectors})

    assert result.rc == 0, result
    listed = [record["id"] for record in result.one(READ)["scheduled_data"]]
    assert listed, "the selectors should match something"
    deleted = result.one(DELETE)
    assert deleted["changed"] is True
    assert deleted["deleted"] == compact(listed) == deleted["row_ids"]
    assert emulator.ids(DEMO_USER) == sorted(set(range(1, 91)) - set(listed))
    counters = emulator.counters()
    assert delete_specs(counters) == expected_plan(listed, 100)
    assert len(requests_to(counters, "get_scheduled_data")) == 2, "one read for the info task, one for the delete"


def test_the_window_is_inclusive_after_and_exclusive_before(emulator, run_playbook):
    seed_two_campaigns(emulator)

    result = run_playbook(
        "selectors.yml",
        {"selectors": {"scheduled_after": "2026-12-01 09:10:00", "scheduled_before": "2026-12-01T09:20:00"}},
    )

    assert result.rc == 0, result
    assert result.one(READ)["row_ids"] == "10-19"
    assert result.one(DELETE)["deleted"] == "10-19"


def test_check_mode_predicts_the_selection_with_one_read_and_no_delete(emulator, run_playbook):
    seed_two_campaigns(emulator)

    result = run_playbook(
        "selectors.yml",
        {"selectors": {"campaign_name": "autumn", "pending": True}, "read_first": False},
        check=True,
        diff=True,
    )

    assert result.rc == 0, result
    predicted = result.one(DELETE)
    assert predicted["changed"] is True and predicted["deleted"] == "61-80"
    assert predicted["diff"]["before"]["row_ids"] == list(range(61, 81))
    counters = emulator.counters()
    assert delete_specs(counters) == [] and len(requests_to(counters, "get_scheduled_data")) == 1
    assert len(emulator.ids(DEMO_USER)) == 90


def test_nothing_selected_is_no_change_and_no_delete(emulator, run_playbook):
    seed_two_campaigns(emulator)

    result = run_playbook("selectors.yml", {"selectors": {"campaign_name": "winter"}, "read_first": False})

    assert result.rc == 0, result
    assert result.one(DELETE)["changed"] is False
    assert delete_specs(emulator.counters()) == []


def test_max_rows_exceeded_by_the_selection_fails_before_any_delete(emulator, run_playbook):
    seed_two_campaigns(emulator)

    result = run_playbook(
        "selectors.yml", {"selectors": {"campaign_name": "demo_campaign"}, "max_rows": 10, "read_first": False}
    )

    assert result.rc != 0
    assert "the selection covers 60 row ids" in result.one(DELETE)["msg"]
    counters = emulator.counters()
    assert delete_specs(counters) == [] and len(requests_to(counters, "get_scheduled_data")) == 1


@pytest.mark.parametrize(
    "selectors, expected",
    [
        ({"scheduled_after": "next tuesday"}, "scheduled_after 'next tuesday' is not a date and time"),
        ({"scheduled_before": "2026-12-01T09:00:00Z"}, "carries a time zone"),
        ({"phone_number": "call me"}, "is not a phone number"),
    ],
)
def test_bad_selectors_fail_before_any_request(emulator, run_playbook, selectors, expected):
    result = run_playbook("selectors.yml", {"selectors": selectors, "read_first": False})

    assert result.rc != 0
    assert expected in result.one(DELETE)["msg"]
    assert emulator.counters()["requests"] == []


def seed_campaigns_for_a_typo(emulator):
    for number, campaign in enumerate(
        ("SpringOffer", "Spring_Offers", "summer_offer", "autumn", "winter", "zeta", "demo_campaign"), start=1
    ):
        emulator.seed(DEMO_USER, ids=[number], campaign_name=campaign)


def test_a_misspelt_campaign_warns_naming_the_closest_campaigns_in_the_delete_and_the_info_read(emulator, run_playbook):
    seed_campaigns_for_a_typo(emulator)

    result = run_playbook("selectors.yml", {"selectors": {"campaign_name": "springoffer"}})

    assert result.rc == 0, result
    for task in (READ, DELETE):
        outcome = result.one(task)
        warnings = [w for w in outcome.get("warnings", []) if "springoffer" in w]
        assert len(warnings) == 1, outcome
        names = warnings[0].split("records: ", 1)[1]
        assert names.rstrip(".") == "SpringOffer, Spring_Offers, summer_offer, winter, demo_campaign", warnings[0]
    assert result.one(READ)["scheduled_data"] == []
    assert result.one(DELETE)["changed"] is False
    assert delete_specs(emulator.counters()) == []
    assert len(emulator.ids(DEMO_USER)) == 7


def test_a_campaign_that_has_records_gives_no_campaign_warning(emulator, run_playbook):
    seed_campaigns_for_a_typo(emulator)

    result = run_playbook("selectors.yml", {"selectors": {"campaign_name": "autumn", "pending": False}})

    assert result.rc == 0, result
    for task in (READ, DELETE):
        assert not [w for w in result.one(task).get("warnings", []) if "no scheduled" in w.lower()]
