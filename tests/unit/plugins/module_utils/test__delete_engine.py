# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import ConnectionSettings, DeleteOutcome
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._delete_engine import (
    DeleteReport,
    PartialDeleteError,
    batch_size_option,
    send_deletes,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ApiError,
    ConfigurationError,
    TransportError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import RowSet, parse_row_ids, request_ids

BLIND_SPOT_WARNING = (
    "Every request was answered 'No data found'. With auth_mode=basic a wrong api_key gets that same answer; "
    "if rows should have been deleted, check api_key or use auth_mode=token, which rejects a wrong key."
)


class FakeClient:
    """Holds a set of existing ids and answers each DELETE like the API; records every (spec, label).

    ``lost_answers``: specs whose first attempt deleted the rows but got no answer, so the retry found no data.
    ``errors``: spec -> the error that request raises.
    """

    def __init__(self, existing=(), auth_mode="token", lost_answers=(), errors=None):
        self.settings = ConnectionSettings(base_url="https://x.test", user_name="u", auth_mode=auth_mode)
        self.existing = set(existing)
        self.lost_answers = set(lost_answers)
        self.errors = dict(errors or {})
        self.calls = []

    def delete_scheduled_data(self, spec, label=""):
        self.calls.append((spec, label))
        if spec in self.errors:
            raise self.errors[spec]
        hit = self.existing & set(request_ids(spec))
        self.existing -= hit
        if spec in self.lost_answers:
            return DeleteOutcome(spec, "not_found", "No data found", possibly_deleted_earlier=True)
        if hit:
            return DeleteOutcome(spec, "deleted", "deleted")
        return DeleteOutcome(spec, "not_found", "No data found")


def server_error(spec, label):
    return ApiError("DELETE rowId '%s'%s: HTTP 500: 'boom'" % (spec, label), status=500)


def send(client, spec, batch_size=100, existing=None):
    warnings = []
    report = send_deletes(
        client,
        parse_row_ids(spec),
        batch_size=batch_size,
        existing=None if existing is None else parse_row_ids(existing),
        warn=warnings.append,
    )
    return report, warnings


def rows(spec):
    return parse_row_ids(spec)


# ---------------------------------------------------------------- batch_size


@pytest.mark.parametrize("given, expected", [(None, 100), (1, 1), (250, 250)])
def test_batch_size_option_is_the_option_or_the_documented_default(given, expected):
    assert batch_size_option(dict(batch_size=given).get) == expected


@pytest.mark.parametrize("given", [0, -3])
def test_a_batch_size_below_one_is_refused_naming_the_value(given):
    with pytest.raises(ConfigurationError, match=r"^batch_size must be 1 or more, got %d\.$" % given):
        batch_size_option(dict(batch_size=given).get)


# ---------------------------------------------------------------- DeleteReport


def outcome(spec, result, message="m"):
    return DeleteOutcome(spec, result, message)


def test_the_report_result_has_the_keys_of_a_delete_without_msg():
    report = DeleteReport(
        rows("1-10"),
        (
            outcome("1-5", "deleted", "deleted"),
            outcome("6,7", "not_found", "No data found"),
            outcome("8-10", "deleted"),
        ),
        rows("1-5,8-9"),
    )
    assert report.result() == dict(
        changed=True,
        row_ids="1-10",
        batches=[
            dict(row_id="1-5", result="deleted", message="deleted"),
            dict(row_id="6,7", result="not_found", message="No data found"),
            dict(row_id="8-10", result="deleted", message="m"),
        ],
        deleted="1-5,8-9",
        not_found="6-7,10",
    )


def test_not_found_counts_only_the_ids_of_the_requests_sent():
    report = DeleteReport(rows("1-10"), (outcome("1-3", "deleted"), outcome("4,6", "not_found")), rows("2-3"))
    assert report.not_found == rows("1,4,6")


@pytest.mark.parametrize(
    "results, expected",
    [((), False), (("not_found", "not_found"), False), (("not_found", "deleted"), True)],
)
def test_a_report_is_changed_when_any_request_was_answered_deleted(results, expected):
    outcomes = tuple(outcome(str(n), result) for n, result in enumerate(results, start=1))
    assert DeleteReport(rows("1-2"), outcomes, RowSet()).changed is expected


def test_batches_list_every_request_in_the_order_sent():
    report = DeleteReport(
        rows("1-9"), (outcome("9", "not_found", "No data found"), outcome("1-8", "deleted")), RowSet()
    )
    assert report.batches() == [
        dict(row_id="9", result="not_found", message="No data found"),
        dict(row_id="1-8", result="deleted", message="m"),
    ]


# ---------------------------------------------------------------- send_deletes


def test_the_planned_requests_go_out_in_order_each_labelled_with_its_number():
    client = FakeClient(existing=[2, 5])
    report, warnings = send(client, "1-3,5,7", batch_size=2)
    assert client.calls == [("1-3", " (request 1 of 2)"), ("5,7", " (request 2 of 2)")]
    assert report.requested == rows("1-3,5,7") and warnings == []
    assert [o.result for o in report.outcomes] == ["deleted", "deleted"]


def test_no_rows_send_no_request_and_warn_nothing_even_with_basic_auth():
    client, warnings = FakeClient(auth_mode="basic"), []
    report = send_deletes(client, RowSet(), batch_size=100, existing=None, warn=warnings.append)
    assert client.calls == [] and warnings == []
    assert report.result() == dict(changed=False, row_ids="", batches=[], deleted="", not_found="")


def test_without_a_status_read_every_id_of_a_request_answered_deleted_counts_as_deleted():
    report, dummy = send(FakeClient(existing=[2, 3]), "1-5,9", batch_size=2)
    assert report.deleted == rows("1-5") and report.not_found == rows("9")


def test_with_a_status_read_only_the_ids_it_found_count_as_deleted():
    report, dummy = send(FakeClient(existing=[2, 3]), "1-5,9", batch_size=2, existing="2-3")
    assert report.deleted == rows("2-3") and report.not_found == rows("1,4-5,9")
    assert report.changed is True


def test_a_plain_no_data_found_is_not_credited_and_not_warned_about():
    report, warnings = send(FakeClient(), "1-8")
    assert report.outcomes == (DeleteOutcome("1-8", "not_found", "No data found"),)
    assert report.changed is False and report.deleted == RowSet() and warnings == []


# ---------------------------------------------------------------- lost answers


def test_a_lost_answer_without_a_status_read_counts_as_deleted_with_a_warning():
    client = FakeClient(existing=range(1, 6), lost_answers=["1-8"])
    report, warnings = send(client, "1-8")
    assert report.outcomes == (
        DeleteOutcome(
            "1-8", "deleted", "No data found (after an attempt whose answer was lost)", possibly_deleted_earlier=True
        ),
    )
    assert report.changed is True and report.deleted == rows("1-8") and report.not_found == RowSet()
    assert warnings == [
        "rowId '1-8': an attempt got no answer and the retry found no data, so the lost attempt probably deleted "
        "these rows; they are reported as deleted (changed)."
    ]


def test_a_lost_answer_with_a_status_read_showing_some_rows_deletes_exactly_those():
    client = FakeClient(existing=[2, 3, 7], lost_answers=["1-8"])
    report, warnings = send(client, "1-8", existing="2-3,7")
    assert [(o.result, o.message) for o in report.outcomes] == [
        ("deleted", "No data found (after an attempt whose answer was lost)")
    ]
    assert report.changed is True and report.deleted == rows("2-3,7") and report.not_found == rows("1,4-6,8")
    assert warnings == [
        "rowId '1-8': an attempt got no answer and the retry found no data; this run's status read showed rows "
        "2-3,7, so the lost attempt deleted them."
    ]


def test_a_lost_answer_with_a_status_read_showing_none_of_its_rows_is_no_change():
    client = FakeClient(existing=[20], lost_answers=["1-8"])
    report, warnings = send(client, ["1-8", 20], batch_size=1, existing="20")
    assert report.outcomes[0] == DeleteOutcome("1-8", "not_found", "No data found", possibly_deleted_earlier=True)
    assert report.deleted == rows("20") and report.not_found == rows("1-8")
    assert warnings == [
        "rowId '1-8': an attempt got no answer and the retry found no data; this run's status read showed none "
        "of these rows, so nothing was deleted."
    ]


def test_only_the_request_whose_answer_was_lost_is_credited():
    client = FakeClient(lost_answers=["5,7"])
    report, warnings = send(client, "1-3,5,7", batch_size=2)
    assert [o.result for o in report.outcomes] == ["not_found", "deleted"]
    assert report.deleted == rows("5,7") and report.not_found == rows("1-3")
    assert len(warnings) == 1 and warnings[0].startswith("rowId '5,7': ")


# ---------------------------------------------------------------- the basic-auth blind spot


@pytest.mark.parametrize(
    "auth_mode, existing, expected",
    [
        ("basic", [], [BLIND_SPOT_WARNING]),
        ("basic", [9], []),
        ("token", [], []),
    ],
)
def test_basic_auth_warns_when_every_request_was_answered_no_data_found(auth_mode, existing, expected):
    dummy, warnings = send(FakeClient(existing=existing, auth_mode=auth_mode), "1-3,9", batch_size=1)
    assert warnings == expected


def test_a_credited_lost_answer_is_no_blind_spot_of_basic_auth():
    client = FakeClient(existing=[1], auth_mode="basic", lost_answers=["1"])
    dummy, warnings = send(client, "1")
    assert len(warnings) == 1 and warnings[0].startswith("rowId '1': an attempt got no answer")


# ---------------------------------------------------------------- failures


def test_a_failure_mid_plan_stops_and_carries_the_report_of_what_was_done():
    client = FakeClient(existing=range(1, 600), errors={"200-350": server_error("200-350", " (request 2 of 3)")})
    with pytest.raises(PartialDeleteError) as caught:
        send(client, ["1-150", "200-350", "400-550"])
    assert str(caught.value) == (
        "DELETE rowId '200-350' (request 2 of 3): HTTP 500: 'boom'. Requests 1-1 of 3 were answered (see "
        "'batches'); request 2 and later were not completed. Run the task again to finish: it is idempotent."
    )
    assert [spec for spec, label in client.calls] == ["1-150", "200-350"]
    assert caught.value.report == DeleteReport(
        rows("1-150,200-350,400-550"), (DeleteOutcome("1-150", "deleted", "deleted"),), rows("1-150")
    )
    assert caught.value.result == dict(
        changed=True,
        row_ids="1-150,200-350,400-550",
        batches=[dict(row_id="1-150", result="deleted", message="deleted")],
        deleted="1-150",
        not_found="",
    )


def test_a_failure_of_the_last_request_counts_the_answered_ones():
    client = FakeClient(errors={"9": TransportError("DELETE rowId '9' (request 3 of 3): timed out")})
    with pytest.raises(PartialDeleteError) as caught:
        send(client, "1,5,9", batch_size=1)
    assert str(caught.value) == (
        "DELETE rowId '9' (request 3 of 3): timed out. Requests 1-2 of 3 were answered (see 'batches'); request 3 "
        "and later were not completed. Run the task again to finish: it is idempotent."
    )
    assert caught.value.result["not_found"] == "1,5" and caught.value.result["changed"] is False


def test_a_failure_of_the_first_request_keeps_the_error_message_and_reports_nothing_done():
    error = server_error("1-3", " (request 1 of 2)")
    client = FakeClient(existing=[1], errors={"1-3": error})
    with pytest.raises(PartialDeleteError) as caught:
        send(client, "1-3,5,7", batch_size=2)
    assert str(caught.value) == str(error)
    assert client.calls == [("1-3", " (request 1 of 2)")]
    assert caught.value.result == dict(changed=False, row_ids="1-3,5,7", batches=[], deleted="", not_found="")


def test_the_report_of_a_failure_keeps_a_credited_lost_answer_and_the_status_read():
    client = FakeClient(existing=[1, 2], lost_answers=["1-3"], errors={"5,7": server_error("5,7", "")})
    with pytest.raises(PartialDeleteError) as caught:
        send(client, "1-3,5,7", batch_size=2, existing="2,5")
    assert caught.value.report.deleted == rows("2") and caught.value.report.not_found == rows("1,3")
    assert caught.value.result["batches"] == [
        dict(row_id="1-3", result="deleted", message="No data found (after an attempt whose answer was lost)")
    ]


def test_a_failure_after_a_credited_lost_answer_still_warns_about_that_answer():
    client = FakeClient(existing=[1, 2], lost_answers=["1-3"], errors={"5,7": server_error("5,7", "")})
    warnings = []
    with pytest.raises(PartialDeleteError):
        send_deletes(client, rows("1-3,5,7"), batch_size=2, existing=None, warn=warnings.append)
    assert warnings == [
        "rowId '1-3': an attempt got no answer and the retry found no data, so the lost attempt probably deleted "
        "these rows; they are reported as deleted (changed)."
    ]


def test_an_error_that_is_not_the_collections_own_is_not_wrapped():
    class BrokenClient(FakeClient):
        def delete_scheduled_data(self, spec, label=""):
            raise KeyError(spec)

    with pytest.raises(KeyError):
        send(BrokenClient(), "1")
