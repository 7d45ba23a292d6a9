# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import ConnectionSettings, DeleteOutcome
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ApiError, TransportError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import parse_row_ids, request_ids
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._absent import delete_row_set
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._delete_engine import PartialDeleteError


class FakeClient:
    """Holds a set of existing ids and answers like the API; records every call."""

    secrets = ()

    def __init__(self, existing, fail_on_request=None, status_error=None):
        self.settings = ConnectionSettings(base_url="https://x.test", user_name="u")
        self.existing = set(existing)
        self.fail_on_request = fail_on_request
        self.status_error = status_error
        self.deletes = []
        self.status_reads = 0

    def get_scheduled_data(self, collect=list):
        self.status_reads += 1
        if self.status_error:
            raise self.status_error
        return collect(iter([{"Id": str(row_id)} for row_id in sorted(self.existing)]))

    def delete_scheduled_data(self, spec, label=""):
        self.deletes.append(spec)
        if self.fail_on_request == len(self.deletes):
            raise ApiError("DELETE rowId '%s'%s: HTTP 500: 'boom'" % (spec, label), status=500)
        hit = self.existing & set(request_ids(spec))
        self.existing -= hit
        return DeleteOutcome(spec, "deleted" if hit else "not_found", "deleted" if hit else "No data found")


def run(client, spec, check_mode=False, diff=False, batch_size=100):
    warnings = []
    report = delete_row_set(
        client, parse_row_ids(spec), batch_size=batch_size, check_mode=check_mode, want_diff=diff, warn=warnings.append
    )
    return report.result(), warnings


def test_delete_reports_batches_and_is_idempotent():
    client = FakeClient(existing=range(1, 21))
    first, dummy = run(client, ["1-250", 300])
    assert first["changed"] is True
    assert client.deletes == ["1-250", "300"]
    assert [b["result"] for b in first["batches"]] == ["deleted", "not_found"]
    assert first["row_ids"] == "1-250,300" and first["not_found"] == "300"
    assert client.status_reads == 0  # no read outside check/diff mode
    assert client.existing == set()
    second, dummy = run(client, ["1-250", 300])
    assert second["changed"] is False
    assert [b["result"] for b in second["batches"]] == ["not_found", "not_found"]
    assert second["deleted"] == "" and second["not_found"] == "1-250,300"


@pytest.mark.parametrize("existing, expected_changed", [([3, 4], True), ([50], False)])
def test_check_mode_predicts_exactly_and_sends_no_delete(existing, expected_changed):
    client = FakeClient(existing=existing)
    result, warnings = run(client, "1-10", check_mode=True, diff=True)
    assert client.deletes == [] and client.status_reads == 1
    assert result["changed"] is expected_changed and warnings == []
    assert result["diff"] == {"before": {"row_ids": [r for r in existing if r <= 10]}, "after": {"row_ids": []}}


def test_check_mode_with_failed_read_warns_and_assumes_change():
    client = FakeClient(existing=[1], status_error=TransportError("no answer"))
    result, warnings = run(client, "1-3", check_mode=True)
    assert result["changed"] is True and client.deletes == []
    assert len(warnings) == 1 and "assumed" in warnings[0] and "no answer" in warnings[0]


def test_diff_mode_lists_the_existing_requested_ids_exactly():
    client = FakeClient(existing=[2, 3, 9, 40])
    result, dummy = run(client, "1-10", diff=True)
    assert result["diff"] == {"before": {"row_ids": [2, 3, 9]}, "after": {"row_ids": []}}
    assert result["deleted"] == "2-3,9" and result["not_found"] == "1,4-8,10"


def test_failure_mid_plan_names_the_batch_and_keeps_what_was_done():
    client = FakeClient(existing=range(1, 600), fail_on_request=2)
    with pytest.raises(PartialDeleteError) as caught:
        run(client, ["1-150", "200-350", "400-550"])
    message = str(caught.value)
    assert "rowId '200-350' (request 2 of 3)" in message and "Run the task again" in message
    assert [b["row_id"] for b in caught.value.result["batches"]] == ["1-150"]
    assert caught.value.result["changed"] is True and caught.value.result["deleted"] == "1-150"
    assert client.deletes == ["1-150", "200-350"]  # nothing sent after the failing request


class LostAnswerClient(FakeClient):
    """Deletes the rows but loses the answer of the first attempt: the retry then finds no data."""

    def delete_scheduled_data(self, spec, label=""):
        self.deletes.append(spec)
        hit = self.existing & set(request_ids(spec))
        self.existing -= hit
        return DeleteOutcome(spec, "not_found", "No data found", possibly_deleted_earlier=True)


def test_lost_answer_with_a_status_read_showing_the_rows_counts_them_as_deleted():
    client = LostAnswerClient(existing=range(1, 6))
    result, warnings = run(client, "1-8", diff=True)
    assert result["changed"] is True
    assert result["deleted"] == "1-5" and result["not_found"] == "6-8"
    assert result["diff"]["before"]["row_ids"] == [1, 2, 3, 4, 5]
    assert any("lost" in warning for warning in warnings)


def test_lost_answer_with_a_status_read_showing_none_of_the_rows_is_no_change():
    client = LostAnswerClient(existing=[20])
    result, dummy = run(client, "1-8", diff=True)
    assert result["changed"] is False and result["deleted"] == ""


@pytest.mark.parametrize(
    "spec, check_mode, expected",
    [
        ("3", False, "Row 3 does not exist: nothing deleted (1 request)."),
        ("3", True, "Row 3 does not exist: nothing to delete."),
        ("3-4", False, "None of the rows 3-4 exist: nothing deleted (1 request)."),
        ("3,9", True, "None of the rows 3,9 exist: nothing to delete."),
        (["3", "500-600"], False, "None of the rows 3,500-600 exist: nothing deleted (2 requests)."),
    ],
)
def test_the_nothing_to_delete_message_fits_the_number_of_rows(spec, check_mode, expected):
    result, dummy = run(FakeClient(existing=[1]), spec, check_mode=check_mode)
    assert result["msg"] == expected
