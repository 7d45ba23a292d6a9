# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""state=present on top of the client: one status read, the plan, the deletes, the POSTs, one read for the ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import CloudAgentClient
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import CloudAgentError, ConfigurationError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._reconcile import (
    ExistingRow,
    PresentPlan,
    WantedRow,
    batches_of,
    bulk_data,
    campaign_rows,
    new_row_ids,
    parse_wanted_rows,
    plan_present,
    row_verdicts,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._records import read_matching_records
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import RowSet, parse_row_ids
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import Selection
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._schedule_data import (
    PartialDeleteError,
    delete_scheduled_data,
)

SHOWN_REJECTIONS = 5


class PresentError(CloudAgentError):
    """state=present stopped or ended with rejected rows; ``result`` tells what was done."""

    def __init__(self, message: str, result: dict):
        super().__init__(message)
        self.result = {key: value for key, value in result.items() if key != "msg"}  # the message is the msg


@dataclass(frozen=True)
class PresentRequest:
    campaign_name: str
    rows: Sequence[WantedRow]
    replace_changed: bool = False
    exclusive: bool = False
    check_duplicate: bool = False
    delete_batch_size: int = 100


ABSENT_ONLY_OPTIONS = ("row_id", "phone_number", "scheduled_after", "scheduled_before", "pending")
PRESENT_ONLY_FLAGS = ("replace_changed", "exclusive", "check_duplicate")


def present_request_from_options(get_option: Callable[[str], object]) -> PresentRequest:
    """Validate the options of state=present before any HTTP request."""
    exclusive = bool(get_option("exclusive"))
    campaign_name = get_option("campaign_name")
    if exclusive and not campaign_name:
        raise ConfigurationError(
            "exclusive: true needs campaign_name: it deletes that campaign's pending rows that are not in rows."
        )
    if not isinstance(campaign_name, str) or not campaign_name.strip():
        raise ConfigurationError("state=present needs campaign_name (the campaign the rows are scheduled for).")
    given = [name for name in ABSENT_ONLY_OPTIONS if get_option(name) is not None]
    if given:
        raise ConfigurationError(
            "%s select rows to delete and apply to state=absent only; state=present takes "
            "campaign_name and rows." % ", ".join(given)
        )
    if get_option("rows") is None:
        raise ConfigurationError(
            "state=present needs rows: a list of dicts with phone_number and scheduled_time "
            "(rows: [] with exclusive: true clears the campaign's pending rows)."
        )
    batch_size = get_option("batch_size") or 100
    if batch_size < 1:
        raise ConfigurationError("batch_size must be 1 or more, got %d." % batch_size)
    return PresentRequest(
        campaign_name,
        parse_wanted_rows(get_option("rows")),
        bool(get_option("replace_changed")),
        exclusive,
        bool(get_option("check_duplicate")),
        batch_size,
    )


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


@dataclass
class _Progress:
    batches: list
    deleted: RowSet = RowSet()
    created: Optional[List[WantedRow]] = None
    rejected: Optional[List[dict]] = None


def schedule_present(
    client: CloudAgentClient, request: PresentRequest, check_mode: bool, want_diff: bool, warn: Callable[[str], None]
) -> dict:
    """Make the campaign's schedule hold ``request.rows``; in check mode only predict, from the one status read."""
    before = _campaign_rows(client, request.campaign_name, warn)
    plan = plan_present(request.rows, before, request.replace_changed, request.exclusive)
    progress = _Progress(batches=[dict(kind="read", records=len(before))], created=[], rejected=[])
    if check_mode:
        return _result(request, plan, progress, predicted=True, want_diff=want_diff, before=before)
    _delete(client, request, plan, progress, warn)
    _create(client, request, plan, progress)
    ids = _find_new_ids(client, request, progress, before, warn)
    result = _result(request, plan, progress, predicted=False, want_diff=want_diff, before=before, ids=ids)
    if progress.rejected:
        raise PresentError(_rejection_message(progress.rejected), result)
    return result


def _delete(client, request: PresentRequest, plan: PresentPlan, progress: _Progress, warn) -> None:
    doomed = RowSet.from_ids(row.row_id for row in plan.delete)
    if not doomed:
        return
    try:
        outcome = delete_scheduled_data(client, doomed, request.delete_batch_size, False, False, warn, existing=doomed)
    except PartialDeleteError as error:
        progress.batches.extend(dict(batch, kind="delete") for batch in error.result["batches"])
        progress.deleted = _ids(error.result["deleted"])
        raise PresentError("%s No row was created." % error, _partial(request, plan, progress)) from None
    progress.batches.extend(dict(batch, kind="delete") for batch in outcome["batches"])
    progress.deleted = _ids(outcome["deleted"])


def _create(client, request: PresentRequest, plan: PresentPlan, progress: _Progress) -> None:
    batches = batches_of(plan.create)
    for number, batch in enumerate(batches, start=1):
        label = " (request %d of %d, %d rows)" % (number, len(batches), len(batch))
        try:
            entries = client.schedule_campaign_data(
                request.campaign_name, bulk_data(batch), request.check_duplicate, label=label
            )
        except CloudAgentError as error:
            raise PresentError(
                _stopped_message(error, number, len(batches)), _partial(request, plan, progress)
            ) from None
        accepted, rejected = row_verdicts(entries, batch)
        progress.created.extend(accepted)
        progress.rejected.extend(rejected)
        progress.batches.append(
            dict(
                kind="create",
                rows=len(batch),
                created=len(accepted),
                rejected=len(rejected),
                first_index=batch[0].index,
            )
        )


def _find_new_ids(client, request: PresentRequest, progress: _Progress, before: List[ExistingRow], warn) -> dict:
    if not progress.created:
        return {}
    try:
        after = _campaign_rows(client, request.campaign_name, warn)
    except CloudAgentError as error:
        warn(
            "The rows were created, but the Scheduled Data Status read that finds their ids failed, so "
            "created[].row_id is null: %s" % error
        )
        return {}
    progress.batches.append(dict(kind="read", records=len(after)))
    return new_row_ids(progress.created, (row.row_id for row in before), after)


def _ids(compact: str) -> RowSet:
    return parse_row_ids(compact) if compact else RowSet()


# ---------------------------------------------------------------- results


def _result(
    request: PresentRequest,
    plan: PresentPlan,
    progress: _Progress,
    predicted: bool,
    want_diff: bool,
    before: List[ExistingRow],
    ids: Optional[dict] = None,
) -> dict:
    created_rows = plan.create if predicted else progress.created
    deleted = RowSet.from_ids(row.row_id for row in plan.delete) if predicted else progress.deleted
    result = dict(
        changed=bool(created_rows) or bool(deleted),
        created=[_created_entry(row, (ids or {}).get(row.index)) for row in created_rows],
        deleted=deleted.compact(),
        differing=plan.differing,
        rejected=progress.rejected,
        batches=progress.batches,
        msg=_message(request, len(created_rows), deleted, plan, progress, predicted),
    )
    if want_diff:
        result["diff"] = _diff(request, [row for row in before if row.row_id in deleted], created_rows, ids or {})
    return result


def _partial(request: PresentRequest, plan: PresentPlan, progress: _Progress) -> dict:
    return _result(request, plan, progress, predicted=False, want_diff=False, before=[])


def _created_entry(row: WantedRow, row_id: Optional[int]) -> dict:
    return dict(index=row.index, row_id=row_id, phone_number=row.phone_number, scheduled_time=row.scheduled_time)


def _message(
    request: PresentRequest, created: int, deleted: RowSet, plan: PresentPlan, progress: _Progress, predicted: bool
) -> str:
    posts = sum(1 for batch in progress.batches if batch["kind"] == "create")
    if predicted:
        posts = len(batches_of(plan.create))
    verb = "Would create" if predicted else "Created"
    text = "%s %d row(s) in campaign '%s' with %d request(s)" % (verb, created, request.campaign_name, posts)
    if deleted:
        text += "; %s rows %s" % ("would delete" if predicted else "deleted", deleted.compact())
    if plan.differing:
        text += "; %d row(s) differ and were left alone (see differing)" % len(plan.differing)
    if not created and not deleted and not progress.rejected:
        text = "Campaign '%s' already holds every row: nothing to do" % request.campaign_name
    return text + "."


def _rejection_message(rejected: List[dict]) -> str:
    shown = "; ".join(
        "rows[%d] (%s at %s): %s" % (entry["index"], entry["phone_number"], entry["scheduled_time"], entry["message"])
        for entry in rejected[:SHOWN_REJECTIONS]
    )
    more = (
        " and %d more (see rejected)" % (len(rejected) - SHOWN_REJECTIONS) if len(rejected) > SHOWN_REJECTIONS else ""
    )
    return (
        "The API rejected %d row(s): %s%s. The other rows were sent; fix these and run again "
        "(rows already created are not sent twice)." % (len(rejected), shown, more)
    )


def _stopped_message(error: CloudAgentError, number: int, total: int) -> str:
    if number == 1:
        return str(error)
    return (
        "%s. Requests 1-%d of %d were sent (see batches); request %d and later were not. "
        "Run the task again to finish: it creates only the rows still missing." % (error, number - 1, total, number)
    )


def _diff(request: PresentRequest, removed: List[ExistingRow], created: List[WantedRow], ids: dict) -> dict:
    before = sorted(_existing_line(row) for row in removed)
    after = sorted(_wanted_line(row, ids.get(row.index)) for row in created)
    return dict(
        before="".join(line + "\n" for line in before),
        after="".join(line + "\n" for line in after),
        before_header="campaign %s: rows deleted" % request.campaign_name,
        after_header="campaign %s: rows created" % request.campaign_name,
    )


def _existing_line(row: ExistingRow) -> str:
    phone, moment = row.identity or (row.params.get("PhoneNumber", "?"), row.params.get("ScheduledTime", "?"))
    columns = " ".join(
        "%s=%s" % (key, row.params[key])
        for key in sorted(row.params)
        if row.params[key] and key not in ("PhoneNumber", "ScheduledTime", "campaign_name", "action", "format")
    )
    return ("%s %s id=%d %s" % (phone, moment, row.row_id, columns)).rstrip()


def _wanted_line(row: WantedRow, row_id: Optional[int]) -> str:
    columns = " ".join("%s=%s" % (key, value) for key, value in sorted(row.columns))
    return (
        "%s %s id=%s %s" % (row.phone_number, row.scheduled_time, "new" if row_id is None else row_id, columns)
    ).rstrip()


def _campaign_rows(client: CloudAgentClient, campaign_name: str, warn: Callable[[str], None]) -> list:
    """One status read: the campaign's rows (only its records are normalised)."""
    return campaign_rows(read_matching_records(client, Selection(campaign_name=campaign_name), warn), campaign_name)
