# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import ConnectionSettings, DeleteOutcome
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ApiError,
    ConfigurationError,
    TransportError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._absent import check_absent_options
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._present import (
    PresentError,
    PresentRequest,
    present_request_from_options,
    schedule_present,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._reconcile import parse_wanted_rows
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import (
    RowSet,
    plan_delete_requests,
    request_ids,
)


class FakeApi:
    """Rows as the API holds them; answers status reads, DELETEs and POSTs like it, recording each call."""

    secrets = ()

    def __init__(self, rows=(), reject_phones=(), fail_read_after=None, fail_post=None):
        self.settings = ConnectionSettings(base_url="https://x.test", user_name="u")
        self.rows = {row_id: dict(columns, campaign="c1", sent=sent) for row_id, columns, sent in rows}
        self.reject_phones = set(reject_phones)
        self.fail_read_after = fail_read_after
        self.fail_post = fail_post
        self.calls = []

    def get_scheduled_data(self, collect=list):
        self.calls.append("read")
        if self.fail_read_after is not None and self.calls.count("read") > self.fail_read_after:
            raise TransportError("Scheduled Data Status read: no answer")
        return collect(
            {
                "Id": str(row_id),
                "IsRequestSent": "1" if row["sent"] else "0",
                "ScheduleParams": urlencode(
                    dict(
                        campaign_name=row["campaign"], **{k: v for k, v in row.items() if k not in ("campaign", "sent")}
                    )
                ),
            }
            for row_id, row in sorted(self.rows.items())
        )

    def delete_scheduled_data(self, spec, label=""):
        self.calls.append("delete " + spec)
        hit = set(request_ids(spec)) & set(self.rows)
        for row_id in hit:
            del self.rows[row_id]
        return DeleteOutcome(spec, "deleted" if hit else "not_found", "ok")

    def schedule_campaign_data(self, campaign_name, bulk_data, check_duplicate, label=""):
        self.calls.append("post %d" % len(bulk_data["data"]))
        if self.fail_post == sum(1 for call in self.calls if call.startswith("post")):
            raise ApiError("Schedule Campaign Data%s failed: 'boom'" % label)
        entries = []
        for index, cells in enumerate(bulk_data["data"]):
            columns = dict(zip(bulk_data["map"], cells))
            if columns["PhoneNumber"] in self.reject_phones:
                entries.append({"Response": "failed", "msg": "Invalid PhoneNumber", "index": str(index)})
                continue
            self.rows[max(self.rows, default=0) + 1] = dict(columns, campaign=campaign_name, sent=False)
            entries.append({"Response": "success", "msg": "Data updated successfully", "index": str(index)})
        return entries


def wanted(count, first=9800000000):
    return parse_wanted_rows(
        [
            {"phone_number": str(first + n), "scheduled_time": "2026-12-02 09:%02d" % (n % 60), "name": "N%d" % n}
            for n in range(count)
        ]
    )


def run(api, rows, check_mode=False, diff=False, **flags):
    warnings = []
    report = schedule_present(api, PresentRequest("c1", rows, **flags), check_mode, diff, warnings.append)
    return report.result(), warnings


def test_only_missing_rows_are_posted_and_the_rerun_only_reads():
    api = FakeApi()
    first, dummy = run(api, wanted(150))
    assert api.calls == ["read", "post 100", "post 50", "read"]
    assert first["changed"] is True and [c["row_id"] for c in first["created"]] == list(range(1, 151))
    api.calls = []
    again, dummy = run(api, wanted(150))
    assert api.calls == ["read"] and again["changed"] is False and again["created"] == []


def test_check_mode_reads_once_and_predicts_created_and_deleted():
    api = FakeApi(rows=[(7, {"PhoneNumber": "9811111111", "ScheduledTime": "2026-12-03 09:00:00"}, False)])
    predicted, dummy = run(api, wanted(3), check_mode=True, diff=True, exclusive=True)
    assert api.calls == ["read"]
    assert predicted["changed"] is True and predicted["deleted"] == "7"
    assert [(c["index"], c["row_id"]) for c in predicted["created"]] == [(0, None), (1, None), (2, None)]
    assert predicted["diff"]["before"] == "id=7 phone=9811111111 time=2026-12-03 09:00:00\n"
    assert len(predicted["diff"]["after"].splitlines()) == 3


def test_rejected_rows_fail_the_task_after_every_batch_went_out():
    api = FakeApi(reject_phones={"9800000003", "9800000120"})
    with pytest.raises(PresentError) as caught:
        run(api, wanted(130))
    assert api.calls == ["read", "post 100", "post 30", "read"]
    assert "rows[3] (9800000003 at 2026-12-02 09:03:00): Invalid PhoneNumber" in str(caught.value)
    assert [r["index"] for r in caught.value.result["rejected"]] == [3, 120]
    assert len(caught.value.result["created"]) == 128 and caught.value.result["changed"] is True
    assert "msg" not in caught.value.result


def test_a_failed_read_after_creating_warns_and_leaves_row_id_null():
    api = FakeApi(fail_read_after=1)
    result, warnings = run(api, wanted(2))
    assert [c["row_id"] for c in result["created"]] == [None, None] and result["changed"] is True
    assert len(warnings) == 1 and "created[].row_id is null" in warnings[0]


def test_a_failed_post_stops_and_reports_what_was_sent():
    api = FakeApi(fail_post=2)
    with pytest.raises(PresentError) as caught:
        run(api, wanted(150))
    assert "Request 1 of 2 was answered (see batches); request 2 was answered with this error" in str(caught.value)
    assert "later requests" not in str(caught.value)
    assert len(caught.value.result["created"]) == 100


def test_creates_go_first_then_the_deletes_through_the_planner():
    rows = [(n, {"PhoneNumber": "97%08d" % n, "ScheduledTime": "2026-12-03 09:00:00"}, n > 8) for n in range(1, 11)]
    api = FakeApi(rows=rows)
    result, dummy = run(api, wanted(1), exclusive=True)
    assert api.calls == ["read", "post 1", "delete 1-8", "read"]
    assert result["deleted"] == "1-8" and sorted(api.rows)[:2] == [9, 10]
    assert [b["kind"] for b in result["batches"]] == ["read", "create", "delete", "read"]


def test_deletes_honour_batch_size():
    api = FakeApi(rows=[(n, {"PhoneNumber": "97%08d" % n, "ScheduledTime": "2026-12-03"}, False) for n in (1, 3, 5)])
    run(api, [], exclusive=True, delete_batch_size=2)
    assert api.calls == ["read"] + ["delete " + spec for spec in plan_delete_requests(RowSet.from_ids([1, 3, 5]), 2)]
    assert len(api.calls) == 3


def options(**values):
    return values.get


@pytest.mark.parametrize(
    "values, expected",
    [
        (dict(exclusive=True, rows=[]), "exclusive: true needs campaign_name"),
        (dict(rows=[]), "state=present needs campaign_name"),
        (dict(campaign_name="c1"), "state=present needs rows"),
        (
            dict(campaign_name="c1", rows=[], pending=True),
            "pending select rows to delete and apply to state=absent only",
        ),
        (dict(campaign_name="c1", rows="nope"), "rows must be a list of dicts"),
        (dict(campaign_name="c1", rows=[], batch_size=-1), "batch_size must be 1 or more"),
        (dict(campaign_name="c1", rows=[], batch_size=0), "batch_size must be 1 or more, got 0"),
    ],
)
def test_present_options_are_checked_before_any_request(values, expected):
    with pytest.raises(ConfigurationError, match=expected):
        present_request_from_options(options(**values))


def test_absent_refuses_the_options_of_present():
    with pytest.raises(ConfigurationError, match="rows, exclusive apply to state=present only"):
        check_absent_options(options(rows=[], exclusive=True))


# ---------------------------------------------------------------- create first, max_rows, messages


def replaceable(api_rows_name="Asha"):
    return [(7, {"PhoneNumber": "9800000000", "ScheduledTime": "2026-12-02 09:00:00", "Name": api_rows_name}, False)]


def test_a_refused_replacement_keeps_its_old_row_and_names_it_in_rejected():
    api = FakeApi(rows=replaceable(), reject_phones={"9800000000"})
    with pytest.raises(PresentError) as caught:
        run(api, wanted(1), replace_changed=True)
    assert api.calls == ["read", "post 1"]
    assert 7 in api.rows and api.rows[7]["Name"] == "Asha"
    assert caught.value.result["rejected"][0]["kept_row_id"] == 7 and caught.value.result["deleted"] == ""
    assert "the old row 7 was kept" in str(caught.value)


def test_an_accepted_replacement_deletes_its_old_row_after_the_create():
    api = FakeApi(rows=replaceable())
    result, dummy = run(api, wanted(1), replace_changed=True)
    assert api.calls == ["read", "post 1", "delete 7", "read"]
    assert 7 not in api.rows and result["deleted"] == "7" and result["created"][0]["row_id"] == 8


@pytest.mark.parametrize("check_mode", [False, True])
def test_max_rows_counts_the_deletes_of_exclusive_and_replace_changed_before_any_write(check_mode):
    rows = replaceable() + [(n, {"PhoneNumber": "97%08d" % n, "ScheduledTime": "2026-12-03"}, False) for n in (1, 2)]
    api = FakeApi(rows=rows)
    with pytest.raises(PresentError) as caught:
        run(api, wanted(1), check_mode=check_mode, exclusive=True, replace_changed=True, max_rows=2)
    assert api.calls == ["read"]
    assert "would delete 3 rows" in str(caught.value) and "(exclusive: 2, replace_changed: 1)" in str(caught.value)
    assert "max_rows (2)" in str(caught.value) and caught.value.result["changed"] is False
    run(FakeApi(rows=rows), wanted(1), check_mode=check_mode, exclusive=True, replace_changed=True, max_rows=3)
    run(FakeApi(rows=rows), wanted(1), check_mode=check_mode, exclusive=True, replace_changed=True, max_rows=0)


def test_a_created_row_the_read_back_misses_is_named_in_a_warning():
    class LaggingApi(FakeApi):
        def get_scheduled_data(self, collect=list):
            if self.calls.count("read") == 1:
                self.rows = {row_id: row for row_id, row in self.rows.items() if row["PhoneNumber"] != "9800000001"}
            return super().get_scheduled_data(collect)

    result, warnings = run(LaggingApi(), wanted(3))
    assert [c["row_id"] for c in result["created"]] == [1, None, 3]
    assert len(warnings) == 1 and "rows[1] (9800000001 at 2026-12-02 09:01:00)" in warnings[0]
    assert "rows[0]" not in warnings[0] and "created[].row_id is null" in warnings[0]


def test_a_lost_post_answer_says_that_request_was_sent():
    class LosingApi(FakeApi):
        def schedule_campaign_data(self, campaign_name, bulk_data, check_duplicate, label=""):
            if self.calls.count("post 50") or len(bulk_data["data"]) == 50:
                self.calls.append("post %d" % len(bulk_data["data"]))
                lost = TransportError("Schedule Campaign Data%s: connection dropped" % label)
                lost.may_have_landed = True
                raise lost
            return super().schedule_campaign_data(campaign_name, bulk_data, check_duplicate, label)

    with pytest.raises(PresentError) as caught:
        run(LosingApi(), wanted(150))
    message = str(caught.value)
    assert "Request 1 of 2 was answered" in message
    assert "request 2 was sent but its answer was lost, so its rows may have been created" in message
    assert "not sent" not in message


def test_an_invalid_campaign_answer_with_a_working_token_names_campaign_name():
    class UnknownCampaignApi(FakeApi):
        def schedule_campaign_data(self, campaign_name, bulk_data, check_duplicate, label=""):
            raise ApiError("failed: 'api_key or campaign_name is invalid or not found'", 200, "x")

    api = UnknownCampaignApi(rows=[(3, {"PhoneNumber": "1", "ScheduledTime": "2026-12-03"}, False)])
    api.rows[3]["campaign"] = "C1"
    with pytest.raises(PresentError) as caught:
        run(api, wanted(1))
    assert "credentials worked" not in str(caught.value), "the API message of the error was not the vendor's"

    class VendorWords(UnknownCampaignApi):
        def schedule_campaign_data(self, campaign_name, bulk_data, check_duplicate, label=""):
            message = "api_key or campaign_name is invalid or not found"
            raise ApiError("failed: '%s'" % message, 200, message)

    api = VendorWords(rows=[(3, {"PhoneNumber": "1", "ScheduledTime": "2026-12-03"}, False)])
    api.rows[3]["campaign"] = "C1"
    with pytest.raises(PresentError) as caught:
        run(api, wanted(1))
    assert "The credentials worked" in str(caught.value)
    assert "campaign_name 'c1' is the likely cause" in str(caught.value) and "records: C1)" in str(caught.value)


def test_messages_count_in_the_singular_and_say_when_rows_differ():
    api = FakeApi(rows=replaceable())
    result, dummy = run(api, wanted(1))
    assert result["msg"] == (
        "Campaign 'c1': nothing created or deleted; 1 row differs (replace_changed is false; left alone, "
        "see differing)."
    )
    created, dummy = run(FakeApi(), wanted(1))
    assert created["msg"] == "Created 1 row in campaign 'c1' with 1 request."
    with pytest.raises(PresentError) as caught:
        run(FakeApi(reject_phones={"9800000000"}), wanted(1))
    assert str(caught.value).startswith("The API rejected 1 row: rows[0]")
    assert "other" not in str(caught.value) and "row(s)" not in str(caught.value)


def test_secrets_in_the_api_answers_are_masked_in_the_result_and_the_failure():
    class EchoingApi(FakeApi):
        secrets = ["SECRET-TOKEN-0123456789abcdef"]

        def schedule_campaign_data(self, campaign_name, bulk_data, check_duplicate, label=""):
            self.calls.append("post")
            return [{"Response": "failed", "msg": "bad: Bearer SECRET-TOKEN-0123456789a...", "index": "0"}]

    with pytest.raises(PresentError) as caught:
        run(EchoingApi(), wanted(1))
    assert "SECRET-TOKEN" not in str(caught.value) and "SECRET-TOKEN" not in repr(caught.value.result)
    assert caught.value.result["rejected"][0]["message"] == "bad: Bearer ********..."
