# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""Sending the DELETE requests for a set of row ids: the engine below state=absent and state=present.

``send_deletes`` plans the fewest requests (``_rowids.plan_delete_requests``), sends them in order
and returns a ``DeleteReport``; a failure after some requests were answered raises
``PartialDeleteError`` carrying the report of what was done.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Iterable, List, Optional, Tuple

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import CloudAgentClient, DeleteOutcome
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    CloudAgentError,
    ConfigurationError,
    PartialResultError,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import (
    RowSet,
    plan_delete_requests,
    request_ids,
)

DEFAULT_BATCH_SIZE = 100


def batch_size_option(get_option: Callable[[str], object]) -> int:
    """The ``batch_size`` option, checked before any HTTP request (unset: the module's default)."""
    batch_size = get_option("batch_size")
    if batch_size is None:
        return DEFAULT_BATCH_SIZE
    if batch_size < 1:
        raise ConfigurationError("batch_size must be 1 or more, got %d." % batch_size)
    return batch_size


@dataclasses.dataclass(frozen=True)
class DeleteReport:
    """What the DELETE requests of one run did: ``deleted`` are the ids known to be deleted by them."""

    requested: RowSet
    outcomes: Tuple[DeleteOutcome, ...]
    deleted: RowSet

    @property
    def changed(self) -> bool:
        return any(outcome.result == "deleted" for outcome in self.outcomes)

    @property
    def not_found(self) -> RowSet:
        """The ids of the requests sent that were not deleted."""
        return _ids_of(self.outcomes).difference(self.deleted)

    def batches(self) -> List[dict]:
        return batch_entries(self.outcomes)

    def result(self) -> dict:
        """The result keys of a delete (the caller adds ``msg``)."""
        return dict(
            changed=self.changed,
            row_ids=self.requested.compact(),
            batches=self.batches(),
            deleted=self.deleted.compact(),
            not_found=self.not_found.compact(),
        )


def batch_entries(outcomes: Iterable[DeleteOutcome]) -> List[dict]:
    """One entry per DELETE request sent, as the modules return it in ``batches``."""
    return [dict(row_id=o.row_spec, result=o.result, message=o.message) for o in outcomes]


class PartialDeleteError(PartialResultError):
    """A DELETE failed after earlier ones were sent; ``report`` tells what was already done."""

    def __init__(self, message: str, report: DeleteReport):
        super().__init__(message, report)


def send_deletes(
    client: CloudAgentClient,
    rows: RowSet,
    *,
    batch_size: int,
    existing: Optional[RowSet],
    warn: Callable[[str], None],
) -> DeleteReport:
    """Delete ``rows`` with the fewest requests.

    ``existing``: the ids a status read of this run found among ``rows`` (None: no read was made); it
    tells which ids a request answered as deleted really held, and what a lost answer most likely did.
    """
    plan = plan_delete_requests(rows, batch_size)
    try:
        outcomes = _send_plan(client, rows, plan, existing)
    except PartialDeleteError as error:
        _warn_about_lost_attempts(error.report.outcomes, existing, warn)  # the rows credited before the failure
        raise
    _warn_about_lost_attempts(outcomes, existing, warn)
    _warn_about_basic_auth_blind_spot(client, outcomes, warn)
    return DeleteReport(rows, tuple(outcomes), _deleted_rows(outcomes, existing))


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
                DeleteReport(rows, tuple(outcomes), _deleted_rows(outcomes, existing)),
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
    outcomes: Iterable[DeleteOutcome], existing: Optional[RowSet], warn: Callable[[str], None]
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


def _deleted_rows(outcomes: Iterable[DeleteOutcome], existing: Optional[RowSet]) -> RowSet:
    deleted = _ids_of(o for o in outcomes if o.result == "deleted")
    # The API says that a request deleted something, not which of its ids: the status read, when made, says.
    return deleted if existing is None else deleted.intersection(existing)


def _ids_of(outcomes: Iterable[DeleteOutcome]) -> RowSet:
    return RowSet(run for outcome in outcomes for run in request_ids(outcome.row_spec).intervals)
