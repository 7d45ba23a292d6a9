# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""Deleting scheduled data (state=absent) on top of the client and the request planner."""

from __future__ import annotations

from typing import Callable, List, Optional

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import CloudAgentClient, DeleteOutcome
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import CloudAgentError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._records import existing_ids_in
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import (
    RowSet,
    plan_delete_requests,
    request_ids,
)


class PartialDeleteError(CloudAgentError):
    """A DELETE failed after earlier ones were sent; ``result`` tells what was already done."""

    def __init__(self, message: str, result: dict):
        super().__init__(message)
        self.result = result


def delete_scheduled_data(client: CloudAgentClient, rows: RowSet, batch_size: int, check_mode: bool,
                          want_diff: bool, warn: Callable[[str], None]) -> dict:
    """Delete ``rows`` with the fewest requests; in check mode only predict, from one status read."""
    plan = plan_delete_requests(rows, batch_size)
    existing = _read_existing(client, rows, check_mode, warn) if check_mode or want_diff else None
    if check_mode:
        return _prediction(rows, plan, existing, want_diff)
    outcomes = _send_plan(client, rows, plan)
    _warn_about_lost_attempts(outcomes, warn)
    _warn_about_basic_auth_blind_spot(client, outcomes, warn)
    return _outcome(rows, outcomes, existing, want_diff)


def _read_existing(client: CloudAgentClient, rows: RowSet, check_mode: bool,
                   warn: Callable[[str], None]) -> Optional[RowSet]:
    try:
        selection = client.get_scheduled_data(collect=existing_ids_in(rows))
    except CloudAgentError as error:
        if check_mode:
            warn("Could not read Scheduled Data Status to predict the change, so changed=true is assumed: %s" % error)
        else:
            warn("Could not read Scheduled Data Status for the diff; 'before' lists the ids of the requests the "
                 "API answered as deleted: %s" % error)
        return None
    selection.warn_skipped(warn)
    return selection.kept


def _prediction(rows: RowSet, plan: List[str], existing: Optional[RowSet], want_diff: bool) -> dict:
    doomed = rows if existing is None else existing
    result = dict(changed=bool(doomed), row_ids=rows.compact(), batches=[],
                  deleted=doomed.compact(), not_found=rows.difference(doomed).compact(),
                  msg=_prediction_message(rows, plan, existing))
    if want_diff:
        result["diff"] = _diff(doomed)
    return result


def _prediction_message(rows: RowSet, plan: List[str], existing: Optional[RowSet]) -> str:
    if existing is None:
        return "Would send %d DELETE request(s) for rows %s (status read failed: change assumed)." % (
            len(plan), rows.compact())
    if not existing:
        return "None of the rows %s exist: nothing to delete." % rows.compact()
    return "Would delete rows %s with %d DELETE request(s)." % (existing.compact(), len(plan))


def _send_plan(client: CloudAgentClient, rows: RowSet, plan: List[str]) -> List[DeleteOutcome]:
    outcomes: List[DeleteOutcome] = []
    for number, spec in enumerate(plan, start=1):
        label = " (request %d of %d)" % (number, len(plan))
        try:
            outcomes.append(client.delete_scheduled_data(spec, label=label))
        except CloudAgentError as error:
            raise PartialDeleteError(_partial_message(error, outcomes, number, len(plan)),
                                     _summary(rows, outcomes, _deleted_rows(outcomes, None))) from None
    return outcomes


def _warn_about_lost_attempts(outcomes: List[DeleteOutcome], warn: Callable[[str], None]) -> None:
    for outcome in outcomes:
        if outcome.possibly_deleted_earlier:
            warn("rowId '%s': an attempt got no answer and the retry found no data, so that attempt probably deleted "
                 "these rows; they are reported as not_found." % outcome.row_spec)


def _warn_about_basic_auth_blind_spot(client: CloudAgentClient, outcomes: List[DeleteOutcome],
                                      warn: Callable[[str], None]) -> None:
    # With BASIC_AUTH the API answers a wrong api key with "No data found" (see docs/maintainers/api-notes.md).
    if client.settings.auth_mode == "basic" and outcomes and all(o.result == "not_found" for o in outcomes):
        warn("Every request was answered 'No data found'. With auth_mode=basic a wrong api_key gets that same answer; "
             "if rows should have been deleted, check api_key or use auth_mode=token, which rejects a wrong key.")


def _partial_message(error: CloudAgentError, done: List[DeleteOutcome], number: int, total: int) -> str:
    if not done:
        return str(error)
    return ("%s. Requests 1-%d of %d were answered (see 'batches'); request %d and later were not completed. "
            "Run the task again to finish: it is idempotent." % (error, number - 1, total, number))


def _outcome(rows: RowSet, outcomes: List[DeleteOutcome], existing: Optional[RowSet], want_diff: bool) -> dict:
    deleted = _deleted_rows(outcomes, existing)
    result = _summary(rows, outcomes, deleted)
    result["msg"] = _outcome_message(rows, deleted, len(outcomes))
    if want_diff:
        result["diff"] = _diff(existing if existing is not None else deleted)
    return result


def _deleted_rows(outcomes: List[DeleteOutcome], existing: Optional[RowSet]) -> RowSet:
    deleted = _ids_of(o for o in outcomes if o.result == "deleted")
    # The API says that a request deleted something, not which of its ids: the status read, when made, says.
    return deleted if existing is None else deleted.intersection(existing)


def _ids_of(outcomes) -> RowSet:
    return RowSet(run for outcome in outcomes for run in request_ids(outcome.row_spec).intervals)


def _summary(rows: RowSet, outcomes: List[DeleteOutcome], deleted: RowSet) -> dict:
    return dict(
        changed=any(outcome.result == "deleted" for outcome in outcomes),
        row_ids=rows.compact(),
        batches=[dict(row_id=o.row_spec, result=o.result, message=o.message) for o in outcomes],
        deleted=deleted.compact(),
        not_found=_ids_of(outcomes).difference(deleted).compact(),
    )


def _outcome_message(rows: RowSet, deleted: RowSet, requests: int) -> str:
    if not deleted:
        return "None of the rows %s exist: nothing deleted (%d request(s))." % (rows.compact(), requests)
    return "Deleted rows %s with %d request(s)." % (deleted.compact(), requests)


def _diff(before: RowSet) -> dict:
    return dict(before=dict(row_ids=before.to_list()), after=dict(row_ids=[]))
