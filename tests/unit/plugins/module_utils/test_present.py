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
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._present import (
    PresentError,
    PresentRequest,
    check_absent_options,
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
    result = schedule_present(api, PresentRequest("c1", rows, **flags), check_mode, diff, warnings.append)
    return result, warnings


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
    assert predicted["diff"]["before"] == "9811111111 2026-12-03 09:00:00 id=7\n"
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
    assert "Requests 1-1 of 2 were sent" in str(caught.value)
    assert len(caught.value.result["created"]) == 100


def test_deletes_go_first_through_the_planner():
    rows = [(n, {"PhoneNumber": "97%08d" % n, "ScheduledTime": "2026-12-03 09:00:00"}, n > 8) for n in range(1, 11)]
    api = FakeApi(rows=rows)
    result, dummy = run(api, wanted(1), exclusive=True)
    assert api.calls == ["read", "delete 1-8", "post 1", "read"]
    assert result["deleted"] == "1-8" and sorted(api.rows)[:2] == [9, 10]
    assert [b["kind"] for b in result["batches"]] == ["read", "delete", "create", "read"]


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
    ],
)
def test_present_options_are_checked_before_any_request(values, expected):
    with pytest.raises(ConfigurationError, match=expected):
        present_request_from_options(options(**values))


def test_absent_refuses_the_options_of_present():
    with pytest.raises(ConfigurationError, match="rows, exclusive apply to state=present only"):
        check_absent_options(options(rows=[], exclusive=True))
