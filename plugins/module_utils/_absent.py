# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""Deleting scheduled data (state=absent) on top of the client and the request planner."""

from __future__ import annotations

import dataclasses
from typing import Callable, List, Optional

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import CloudAgentClient, DeleteOutcome
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import CloudAgentError, ConfigurationError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._records import existing_ids_in, read_matching_records
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import (
    RowSet,
    check_max_rows,
    plan_delete_requests,
    request_ids,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import (
    SELECTOR_OPTIONS,
    Selection,
    selected_ids,
    selection_from_options,
)


class PartialDeleteError(CloudAgentError):
    """A DELETE failed after earlier ones were sent; ``result`` tells what was already done."""

    def __init__(self, message: str, result: dict):
        super().__init__(message)
        self.result = result


def delete_scheduled_data(
    client: CloudAgentClient,
    rows: RowSet,
    batch_size: int,
    check_mode: bool,
    want_diff: bool,
    warn: Callable[[str], None],
    existing: Optional[RowSet] = None,
) -> dict:
    """Delete ``rows`` with the fewest requests; in check mode only predict, from one status read.

    ``existing``: the ids a status read of this run already found (then no second read is made).
    """
    plan = plan_delete_requests(rows, batch_size)
    if existing is None and (check_mode or want_diff):
        existing = _read_existing(client, rows, check_mode, warn)
    if check_mode:
        return _prediction(rows, plan, existing, want_diff)
    outcomes = _send_plan(client, rows, plan, existing)
    _warn_about_lost_attempts(outcomes, existing, warn)
    _warn_about_basic_auth_blind_spot(client, outcomes, warn)
    return _outcome(rows, outcomes, existing, want_diff)


def delete_rows(
    client: CloudAgentClient,
    get_option: Callable[[str], object],
    check_mode: bool,
    want_diff: bool,
    warn: Callable[[str], None],
) -> dict:
    """state=absent: validate row_id and the selectors (before any HTTP request), then delete."""
    selection = selection_from_options(get_option)
    batch_size, max_rows = get_option("batch_size"), get_option("max_rows")
    if batch_size < 1:
        raise ConfigurationError("batch_size must be 1 or more, got %d." % batch_size)
    if selection.has_selectors:
        return delete_selected(client, selection, batch_size, max_rows, check_mode, want_diff, warn)
    if selection.rows is None:
        raise ConfigurationError(
            "state=absent needs row_id or a selector (%s) to name the rows to delete." % ", ".join(SELECTOR_OPTIONS)
        )
    check_max_rows(selection.rows, max_rows)
    return delete_scheduled_data(client, selection.rows, batch_size, check_mode, want_diff, warn)


def delete_selected(
    client: CloudAgentClient,
    selection: Selection,
    batch_size: int,
    max_rows: int,
    check_mode: bool,
    want_diff: bool,
    warn: Callable[[str], None],
) -> dict:
    """state=absent with selectors: one status read picks the rows, then the planner deletes them."""
    selected = selected_ids(read_matching_records(client, selection, warn))
    check_max_rows(selected, max_rows, "the selection")
    if not selected:
        return dict(
            changed=False,
            row_ids="",
            batches=[],
            deleted="",
            not_found="",
            msg="No scheduled row matches the selectors: nothing to delete.",
            **(dict(diff=_diff(selected)) if want_diff else {}),
        )
    return delete_scheduled_data(client, selected, batch_size, check_mode, want_diff, warn, existing=selected)


def _read_existing(
    client: CloudAgentClient, rows: RowSet, check_mode: bool, warn: Callable[[str], None]
) -> Optional[RowSet]:
    try:
        found = client.get_scheduled_data(collect=existing_ids_in(rows))
    except CloudAgentError as error:
        if check_mode:
            warn("Could not read Scheduled Data Status to predict the change, so changed=true is assumed: %s" % error)
        else:
            warn(
                "Could not read Scheduled Data Status for the diff; 'before' lists the ids of the requests the "
                "API answered as deleted: %s" % error
            )
        return None
    found.warn_skipped(warn, client.secrets)
    return found.kept


def _prediction(rows: RowSet, plan: List[str], existing: Optional[RowSet], want_diff: bool) -> dict:
    doomed = rows if existing is None else existing
    result = dict(
        changed=bool(doomed),
        row_ids=rows.compact(),
        batches=[],
        deleted=doomed.compact(),
        not_found=rows.difference(doomed).compact(),
        msg=_prediction_message(rows, plan, existing),
    )
    if want_diff:
        result["diff"] = _diff(doomed)
    return result


def _prediction_message(rows: RowSet, plan: List[str], existing: Optional[RowSet]) -> str:
    if existing is None:
        return "Would send %d DELETE request(s) for rows %s (status read failed: change assumed)." % (
            len(plan),
            rows.compact(),
        )
    if not existing:
        return "%s: nothing to delete." % _none_exist(rows)
    return "Would delete rows %s with %d DELETE request(s)." % (existing.compact(), len(plan))


def _send_plan(
    client: CloudAgentClient, rows: RowSet, plan: List[str], existing: Optional[RowSet]
) -> List[DeleteOutcome]:
    outcomes: List[DeleteOutcome] = []
    for number, spec in enumerate(plan, start=1):
        label = " (request %d of %d)" % (number, len(plan))
        try:
            outcomes.append(_credit_lost_attempt(client.delete_scheduled_data(spec, label=label), existing))
        except CloudAgentError as error:
            raise PartialDeleteError(
                _partial_message(error, outcomes, number, len(plan)),
                _summary(rows, outcomes, _deleted_rows(outcomes, existing)),
            ) from None
    return outcomes


def _credit_lost_attempt(outcome: DeleteOutcome, existing: Optional[RowSet]) -> DeleteOutcome:
    """ "No data found" after an attempt whose answer was lost: that attempt most likely deleted the rows.

    They count as deleted by this run, unless this run's status read showed none of them existed.
    """
    if outcome.result != "not_found" or not outcome.possibly_deleted_earlier:
        return outcome
    if existing is not None and not existing.intersection(request_ids(outcome.row_spec)):
        return outcome
    return dataclasses.replace(
        outcome, result="deleted", message="%s (after an attempt whose answer was lost)" % outcome.message
    )


def _warn_about_lost_attempts(
    outcomes: List[DeleteOutcome], existing: Optional[RowSet], warn: Callable[[str], None]
) -> None:
    for outcome in outcomes:
        if not outcome.possibly_deleted_earlier:
            continue
        lost = "rowId '%s': an attempt got no answer and the retry found no data" % outcome.row_spec
        if existing is None:
            warn("%s, so the lost attempt probably deleted these rows; they are reported as deleted (changed)." % lost)
        elif outcome.result == "deleted":
            warn(
                "%s; this run's status read showed rows %s, so the lost attempt deleted them."
                % (lost, existing.intersection(request_ids(outcome.row_spec)).compact())
            )
        else:
            warn("%s; this run's status read showed none of these rows, so nothing was deleted." % lost)


def _warn_about_basic_auth_blind_spot(
    client: CloudAgentClient, outcomes: List[DeleteOutcome], warn: Callable[[str], None]
) -> None:
    # With BASIC_AUTH the API answers a wrong api key with "No data found" (see docs/maintainers/api-notes.md).
    if client.settings.auth_mode == "basic" and outcomes and all(o.result == "not_found" for o in outcomes):
        warn(
            "Every request was answered 'No data found'. With auth_mode=basic a wrong api_key gets that same answer; "
            "if rows should have been deleted, check api_key or use auth_mode=token, which rejects a wrong key."
        )


def _partial_message(error: CloudAgentError, done: List[DeleteOutcome], number: int, total: int) -> str:
    if not done:
        return str(error)
    return (
        "%s. Requests 1-%d of %d were answered (see 'batches'); request %d and later were not completed. "
        "Run the task again to finish: it is idempotent." % (error, number - 1, total, number)
    )


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
        return "%s: nothing deleted (%d request%s)." % (_none_exist(rows), requests, "" if requests == 1 else "s")
    return "Deleted rows %s with %d request(s)." % (deleted.compact(), requests)


def _none_exist(rows: RowSet) -> str:
    if len(rows) == 1:
        return "Row %s does not exist" % rows.compact()
    return "None of the rows %s exist" % rows.compact()


def _diff(before: RowSet) -> dict:
    return dict(before=dict(row_ids=before.to_list()), after=dict(row_ids=[]))
