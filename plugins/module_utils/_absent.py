# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""The state=absent workflow: rows named by row_id and the selectors, deleted by the delete engine.

``delete_rows`` returns an ``AbsentReport``; the module runner turns it into the module result.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, List, Optional, Tuple

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import CloudAgentClient, DeleteOutcome
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._delete_engine import (
    DeleteReport,
    batch_entries,
    batch_size_option,
    send_deletes,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import CloudAgentError, ConfigurationError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._records import existing_ids_in, read_selected_ids
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import (
    RowSet,
    check_max_rows,
    plan_delete_requests,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import (
    SELECTOR_OPTIONS,
    Selection,
    selection_from_options,
)

PRESENT_ONLY_FLAGS = ("replace_changed", "exclusive", "check_duplicate")


@dataclasses.dataclass(frozen=True)
class AbsentReport:
    """What state=absent did (or, in check mode, would do); ``result()`` is the module result."""

    requested: RowSet
    deleted: RowSet
    not_found: RowSet
    changed: bool
    message: str
    outcomes: Tuple[DeleteOutcome, ...] = ()
    diff_before: Optional[RowSet] = None  # set when a diff was asked for

    @classmethod
    def of_deletes(cls, deletes: DeleteReport, message: str, diff_before: Optional[RowSet]) -> AbsentReport:
        return cls(
            deletes.requested,
            deletes.deleted,
            deletes.not_found,
            deletes.changed,
            message,
            deletes.outcomes,
            diff_before,
        )

    def result(self) -> dict:
        result = dict(
            changed=self.changed,
            row_ids=self.requested.compact(),
            batches=batch_entries(self.outcomes),
            deleted=self.deleted.compact(),
            not_found=self.not_found.compact(),
            msg=self.message,
        )
        if self.diff_before is not None:
            result["diff"] = dict(before=dict(row_ids=self.diff_before.to_list()), after=dict(row_ids=[]))
        return result


def check_absent_options(get_option: Callable[[str], object]) -> None:
    """state=absent takes none of the options that only state=present understands."""
    given = [name for name in PRESENT_ONLY_FLAGS if get_option(name)]
    if get_option("rows") is not None:
        given.insert(0, "rows")
    if given:
        raise ConfigurationError(
            "%s apply to state=present only; state=absent deletes the rows that row_id and "
            "the selectors name." % ", ".join(given)
        )


def delete_rows(
    client: CloudAgentClient,
    get_option: Callable[[str], object],
    check_mode: bool,
    want_diff: bool,
    warn: Callable[[str], None],
) -> AbsentReport:
    """state=absent: validate row_id and the selectors (before any HTTP request), then delete."""
    check_absent_options(get_option)
    selection = selection_from_options(get_option)
    batch_size, max_rows = batch_size_option(get_option), get_option("max_rows")
    if selection.has_selectors:
        return delete_selected(client, selection, batch_size, max_rows, check_mode, want_diff, warn)
    if selection.rows is None:
        raise ConfigurationError(
            "state=absent needs row_id or a selector (%s) to name the rows to delete." % ", ".join(SELECTOR_OPTIONS)
        )
    check_max_rows(selection.rows, max_rows)
    return delete_row_set(
        client, selection.rows, batch_size=batch_size, check_mode=check_mode, want_diff=want_diff, warn=warn
    )


def delete_selected(
    client: CloudAgentClient,
    selection: Selection,
    batch_size: int,
    max_rows: int,
    check_mode: bool,
    want_diff: bool,
    warn: Callable[[str], None],
) -> AbsentReport:
    """state=absent with selectors: one status read picks the rows, then the engine deletes them."""
    selected = read_selected_ids(client, selection, warn)
    check_max_rows(selected, max_rows, "the selection")
    if not selected:
        return AbsentReport(
            selected,
            selected,
            selected,
            changed=False,
            message="No scheduled row matches the selectors: nothing to delete.",
            diff_before=selected if want_diff else None,
        )
    return delete_row_set(
        client,
        selected,
        batch_size=batch_size,
        check_mode=check_mode,
        want_diff=want_diff,
        warn=warn,
        existing=selected,
    )


def delete_row_set(
    client: CloudAgentClient,
    rows: RowSet,
    *,
    batch_size: int,
    check_mode: bool,
    want_diff: bool,
    warn: Callable[[str], None],
    existing: Optional[RowSet] = None,
) -> AbsentReport:
    """Delete ``rows``; in check mode only predict, from one status read.

    ``existing``: the ids a status read of this run already found (then no second read is made).
    """
    if existing is None and (check_mode or want_diff):
        existing = _read_existing(client, rows, check_mode, warn)
    if check_mode:
        return _prediction(rows, plan_delete_requests(rows, batch_size), existing, want_diff)
    deletes = send_deletes(client, rows, batch_size=batch_size, existing=existing, warn=warn)
    diff_before = (existing if existing is not None else deletes.deleted) if want_diff else None
    return AbsentReport.of_deletes(deletes, _outcome_message(rows, deletes), diff_before)


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


def _prediction(rows: RowSet, plan: List[str], existing: Optional[RowSet], want_diff: bool) -> AbsentReport:
    doomed = rows if existing is None else existing
    return AbsentReport(
        rows,
        doomed,
        rows.difference(doomed),
        changed=bool(doomed),
        message=_prediction_message(rows, plan, existing),
        diff_before=doomed if want_diff else None,
    )


def _prediction_message(rows: RowSet, plan: List[str], existing: Optional[RowSet]) -> str:
    if existing is None:
        return "Would send %d DELETE request(s) for rows %s (status read failed: change assumed)." % (
            len(plan),
            rows.compact(),
        )
    if not existing:
        return "%s: nothing to delete." % _none_exist(rows)
    return "Would delete rows %s with %d DELETE request(s)." % (existing.compact(), len(plan))


def _outcome_message(rows: RowSet, deletes: DeleteReport) -> str:
    requests = len(deletes.outcomes)
    if not deletes.deleted:
        return "%s: nothing deleted (%d request%s)." % (_none_exist(rows), requests, "" if requests == 1 else "s")
    return "Deleted rows %s with %d request(s)." % (deletes.deleted.compact(), requests)


def _none_exist(rows: RowSet) -> str:
    if len(rows) == 1:
        return "Row %s does not exist" % rows.compact()
    return "None of the rows %s exist" % rows.compact()
