# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""state=present on top of the client: one status read, the plan, the deletes, the POSTs, one read for the ids."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Set, Tuple

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import CloudAgentClient
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._delete_engine import (
    PartialDeleteError,
    batch_size_option,
    send_deletes,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import (
    ApiError,
    CloudAgentError,
    ConfigurationError,
    PartialResultError,
    TransportError,
)
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
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._record_view import RecordView
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._records import (
    normalize_record,
    read_matching_records,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._redact import mask_value
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import RowSet
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import (
    SELECTOR_ARGUMENT_SPEC,
    Selection,
    closest_campaigns,
    unknown_campaign_warning,
)

SHOWN_REJECTIONS = 5
SHOWN_MISSING_IDS = 5
# The vendor's one answer for a wrong key and an unknown campaign (see docs/maintainers/api-notes.md).
INVALID_CAMPAIGN_WORDS = "campaign_name is invalid"


class PresentError(PartialResultError):
    """state=present stopped or ended with rejected rows; ``report`` tells what was done."""


@dataclass(frozen=True)
class PresentRequest:
    campaign_name: str
    rows: Sequence[WantedRow]
    replace_changed: bool = False
    exclusive: bool = False
    check_duplicate: bool = False
    delete_batch_size: int = 100
    max_rows: int = 10000


# campaign_name names the campaign to schedule for; the other selectors and row_id only choose rows to delete.
ABSENT_ONLY_OPTIONS = tuple(name for name in SELECTOR_ARGUMENT_SPEC if name != "campaign_name")


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
    batch_size = batch_size_option(get_option)
    max_rows = get_option("max_rows")
    max_rows = 10000 if max_rows is None else max_rows
    if max_rows < 0:
        raise ConfigurationError("max_rows is %d: use a positive limit, or max_rows: 0 for no limit." % max_rows)
    return PresentRequest(
        campaign_name,
        parse_wanted_rows(get_option("rows")),
        bool(get_option("replace_changed")),
        exclusive,
        bool(get_option("check_duplicate")),
        batch_size,
        max_rows,
    )


@dataclass
class _Progress:
    batches: list
    deleted: RowSet = RowSet()
    created: List[WantedRow] = field(default_factory=list)
    rejected: List[dict] = field(default_factory=list)
    campaigns: Set[str] = field(default_factory=set)  # campaign names of every status record (for messages)


@dataclass(frozen=True)
class PresentReport:
    """What state=present did (or, in check mode, would do); ``result()`` is the module result, masked."""

    request: PresentRequest
    plan: PresentPlan
    progress: _Progress
    predicted: bool
    want_diff: bool = False
    before: Sequence[ExistingRow] = ()
    ids: Optional[dict] = None  # wanted index -> the id of the row created for it
    secrets: Tuple[str, ...] = ()  # masked in every text of the result

    def result(self) -> dict:
        return mask_value(
            _result(self.request, self.plan, self.progress, self.predicted, self.want_diff, self.before, self.ids),
            self.secrets,
        )


def schedule_present(
    client: CloudAgentClient, request: PresentRequest, check_mode: bool, want_diff: bool, warn: Callable[[str], None]
) -> PresentReport:
    """Make the campaign's schedule hold ``request.rows``; in check mode only predict, from the one status read.

    Rows are created first; then the deletes of ``exclusive`` and the old rows of the replacements the API
    accepted go out, so a refused replacement never costs the row it was to replace. The API's texts are masked
    with every secret the client held, in the result and in the failure message.
    """
    try:
        report = _schedule(client, request, check_mode, want_diff, warn)
    except PresentError as error:
        secrets = tuple(client.secrets)
        error.args = (mask_value(str(error), secrets),)
        error.report = dataclasses.replace(error.report, secrets=secrets)
        raise
    return dataclasses.replace(report, secrets=tuple(client.secrets))


def _schedule(client, request: PresentRequest, check_mode: bool, want_diff: bool, warn) -> PresentReport:
    progress = _Progress(batches=[])
    before = _campaign_rows(client, request.campaign_name, warn, progress.campaigns)
    progress.batches.append(dict(kind="read", records=len(before)))
    if not request.rows:  # nothing is sent that would reveal a misspelt campaign
        _warn_unknown_campaign(request.campaign_name, progress.campaigns, warn)
    plan = plan_present(request.rows, before, request.replace_changed, request.exclusive)
    _check_max_rows(request, plan, progress)
    if check_mode:
        return PresentReport(request, plan, progress, predicted=True, want_diff=want_diff, before=before)
    _create(client, request, plan, progress)
    _delete(client, request, plan, progress, warn)
    ids = _find_new_ids(client, request, progress, before, warn)
    report = PresentReport(request, plan, progress, predicted=False, want_diff=want_diff, before=before, ids=ids)
    if progress.rejected:
        raise PresentError(_rejection_message(progress.rejected, sum(len(b) for b in batches_of(plan.create))), report)
    return report


def _warn_unknown_campaign(campaign_name: str, campaigns: Set[str], warn) -> None:
    hint = unknown_campaign_warning(campaign_name, campaigns)
    if hint:
        warn(hint)


def _check_max_rows(request: PresentRequest, plan: PresentPlan, progress: _Progress) -> None:
    """``max_rows`` bounds every delete of the run, known from the one status read, before any other request."""
    doomed = len(plan.all_deletes())
    if not request.max_rows or doomed <= request.max_rows:
        return
    # Without exclusive, the unconditional deletes are differing pending copies that replace_changed removes.
    replaced = len(plan.replaces) + (0 if request.exclusive else len(plan.delete))
    raise PresentError(
        "state=present would delete %d rows of campaign '%s' (exclusive: %d, replace_changed: %d), more than "
        "max_rows (%d); nothing was created or deleted. Check rows (an empty rows with exclusive: true deletes every "
        "pending row of the campaign), raise max_rows, or set max_rows: 0 to lift the guard."
        % (doomed, request.campaign_name, doomed - replaced, replaced, request.max_rows),
        _partial(request, plan, progress),  # nothing created or deleted yet
    )


def _doomed(plan: PresentPlan, progress: _Progress) -> RowSet:
    """The unconditional deletes, and the old row of every replacement the API accepted."""
    accepted = {row.index for row in progress.created}
    replaced = (old for index, old in plan.replaces.items() if index in accepted)
    return RowSet.from_ids([row.row_id for row in plan.delete] + [row.row_id for row in replaced])


def _delete(client, request: PresentRequest, plan: PresentPlan, progress: _Progress, warn) -> None:
    doomed = _doomed(plan, progress)
    if not doomed:
        return
    try:
        deletes = send_deletes(client, doomed, batch_size=request.delete_batch_size, existing=doomed, warn=warn)
    except PartialDeleteError as error:
        progress.batches.extend(dict(batch, kind="delete") for batch in error.report.batches())
        progress.deleted = error.report.deleted
        raise PresentError(
            "%s The rows to create were sent before the deletes (see created); run the task again to finish the "
            "deletes." % error,
            _partial(request, plan, progress),
        ) from None
    progress.batches.extend(dict(batch, kind="delete") for batch in deletes.batches())
    progress.deleted = deletes.deleted


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
                _stopped_message(error, _explained(error, client, request, progress), number, len(batches), plan),
                _partial(request, plan, progress),
            ) from None
        accepted, rejected = row_verdicts(entries, batch)
        progress.created.extend(accepted)
        progress.rejected.extend(_with_kept_row(entry, plan) for entry in rejected)
        progress.batches.append(
            dict(
                kind="create",
                rows=len(batch),
                created=len(accepted),
                rejected=len(rejected),
                first_index=batch[0].index,
            )
        )


def _with_kept_row(entry: dict, plan: PresentPlan) -> dict:
    """A refused replacement leaves the row it was to replace: name it."""
    old = plan.replaces.get(entry["index"])
    return entry if old is None else dict(entry, kept_row_id=old.row_id)


def _explained(error: CloudAgentError, client, request: PresentRequest, progress: _Progress) -> str:
    """The vendor answers a wrong key and an unknown campaign alike; a working token rules out the key."""
    text = str(error)
    api_message = getattr(error, "api_message", None) or ""
    if client.settings.auth_mode != "token" or INVALID_CAMPAIGN_WORDS not in api_message.lower():
        return text
    known = closest_campaigns(request.campaign_name, progress.campaigns)
    return (
        "%s. The credentials worked (the token was accepted by the status read just before), so campaign_name '%s' "
        "is the likely cause: check its spelling and case in CloudAgent%s"
        % (
            text.rstrip("."),
            request.campaign_name,
            " (campaigns that have records: %s)" % ", ".join(known) if known else "",
        )
    )


def _find_new_ids(client, request: PresentRequest, progress: _Progress, before: List[ExistingRow], warn) -> dict:
    if not progress.created:
        return {}
    try:
        after = _campaign_rows(client, request.campaign_name, warn, set())
    except CloudAgentError as error:
        warn(
            "The rows were created, but the Scheduled Data Status read that finds their ids failed, so "
            "created[].row_id is null: %s" % error
        )
        return {}
    progress.batches.append(dict(kind="read", records=len(after)))
    ids = new_row_ids(progress.created, (row.row_id for row in before), after)
    _warn_about_missing_ids(progress.created, ids, warn)
    return ids


def _warn_about_missing_ids(created: List[WantedRow], ids: dict, warn) -> None:
    missing = [row for row in created if ids.get(row.index) is None]
    if not missing:
        return
    shown = "; ".join(
        "rows[%d] (%s at %s)" % (row.index, row.phone_number, row.scheduled_time) for row in missing[:SHOWN_MISSING_IDS]
    )
    more = " and %d more" % (len(missing) - SHOWN_MISSING_IDS) if len(missing) > SHOWN_MISSING_IDS else ""
    warn(
        "The API accepted %s that the Scheduled Data Status read after creating does not list (yet), so "
        "created[].row_id is null for %s%s. Look %s up later with ozonetel_schedule_data_info."
        % (_count(len(missing), "row"), shown, more, "it" if len(missing) == 1 else "them")
    )


def _count(number: int, noun: str) -> str:
    return "%d %s%s" % (number, noun, "" if number == 1 else "s")


# ---------------------------------------------------------------- results


def _result(
    request: PresentRequest,
    plan: PresentPlan,
    progress: _Progress,
    predicted: bool,
    want_diff: bool,
    before: Sequence[ExistingRow],
    ids: Optional[dict],
) -> dict:
    created_rows = plan.create if predicted else progress.created
    deleted = RowSet.from_ids(row.row_id for row in plan.all_deletes()) if predicted else progress.deleted
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


def _partial(request: PresentRequest, plan: PresentPlan, progress: _Progress) -> PresentReport:
    return PresentReport(request, plan, progress, predicted=False)


def _created_entry(row: WantedRow, row_id: Optional[int]) -> dict:
    return dict(index=row.index, row_id=row_id, phone_number=row.phone_number, scheduled_time=row.scheduled_time)


def _message(
    request: PresentRequest, created: int, deleted: RowSet, plan: PresentPlan, progress: _Progress, predicted: bool
) -> str:
    posts = sum(1 for batch in progress.batches if batch["kind"] == "create")
    if predicted:
        posts = len(batches_of(plan.create))
    differing = _differing_note(plan)
    if not created and not deleted and not progress.rejected:
        if differing:
            return "Campaign '%s': nothing created or deleted; %s." % (request.campaign_name, differing)
        return "Campaign '%s' already holds every row: nothing to do." % request.campaign_name
    verb = "Would create" if predicted else "Created"
    text = "%s %s in campaign '%s' with %s" % (
        verb,
        _count(created, "row"),
        request.campaign_name,
        _count(posts, "request"),
    )
    if deleted:
        text += "; %s %s %s" % (
            "would delete" if predicted else "deleted",
            "row" if len(deleted) == 1 else "rows",
            deleted.compact(),
        )
    if differing:
        text += "; " + differing
    return text + "."


def _differing_note(plan: PresentPlan) -> str:
    if not plan.differing:
        return ""
    pending = sum(1 for row in plan.differing if not row["is_request_sent"])
    sent = len(plan.differing) - pending
    reasons = []
    if pending:
        reasons.append("replace_changed is false")
    if sent:
        reasons.append(
            "%s already sent to the dialer %s never touched" % (_count(sent, "row"), "is" if sent == 1 else "are")
        )
    return "%s %s (%s; left alone, see differing)" % (
        _count(len(plan.differing), "row"),
        "differs" if len(plan.differing) == 1 else "differ",
        "; ".join(reasons),
    )


def _rejection_message(rejected: List[dict], sent: int) -> str:
    shown = "; ".join(_rejection_line(entry) for entry in rejected[:SHOWN_REJECTIONS])
    more = (
        " and %d more (see rejected)" % (len(rejected) - SHOWN_REJECTIONS) if len(rejected) > SHOWN_REJECTIONS else ""
    )
    others = sent - len(rejected)
    created = (
        ""
        if not others
        else " The other %s %s created."
        % ("row" if others == 1 else "%d rows" % others, "was" if others == 1 else "were")
    )
    return "The API rejected %s: %s%s.%s Fix %s and run again (rows already created are not sent twice)." % (
        _count(len(rejected), "row"),
        shown,
        more,
        created,
        "it" if len(rejected) == 1 else "them",
    )


def _rejection_line(entry: dict) -> str:
    line = "rows[%d] (%s at %s): %s" % (
        entry["index"],
        entry["phone_number"],
        entry["scheduled_time"],
        entry["message"],
    )
    if "kept_row_id" in entry:
        line += " (a replacement: the old row %d was kept)" % entry["kept_row_id"]
    return line


def _stopped_message(error: CloudAgentError, text: str, number: int, total: int, plan: PresentPlan) -> str:
    """What was sent when request ``number`` of ``total`` failed (``text`` says why): the ones before were answered."""
    done = (
        ""
        if number == 1
        else "Request%s 1%s of %d %s answered (see batches); "
        % (
            "" if number == 2 else "s",
            "" if number == 2 else "-%d" % (number - 1),
            total,
            "was" if number == 2 else "were",
        )
    )
    if getattr(error, "may_have_landed", False):
        this = "request %d was sent but its answer was lost, so its rows may have been created" % number
    elif isinstance(error, ApiError):
        this = "request %d was answered with this error, so none of its rows was created" % number
    elif isinstance(error, TransportError):
        this = "request %d did not reach CloudAgent" % number
    else:
        this = "request %d failed" % number
    later = "" if number == total else "; the later requests were not sent"
    nothing_deleted = " No row was deleted." if plan.all_deletes() else ""
    sentence = done + this if done else this[:1].upper() + this[1:]
    return (
        "%s. %s%s.%s Run the task again to finish: it reads the schedule and creates only the rows still missing."
        % (text.rstrip("."), sentence, later, nothing_deleted)
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


# A diff line begins with the row's id, never with the phone number: the diff display prefixes added lines with
# "+", which made an international number read "++91...".


def _existing_line(row: ExistingRow) -> str:
    phone, moment = row.identity or (row.params.get("PhoneNumber", "?"), row.params.get("ScheduledTime", "?"))
    columns = " ".join(
        "%s=%s" % (key, row.params[key])
        for key in sorted(row.params)
        if row.params[key] and key not in ("PhoneNumber", "ScheduledTime", "campaign_name", "action", "format")
    )
    return ("id=%d phone=%s time=%s %s" % (row.row_id, phone, moment, columns)).rstrip()


def _wanted_line(row: WantedRow, row_id: Optional[int]) -> str:
    columns = " ".join("%s=%s" % (key, value) for key, value in sorted(row.columns))
    return (
        "id=%s phone=%s time=%s %s"
        % ("new" if row_id is None else row_id, row.phone_number, row.scheduled_time, columns)
    ).rstrip()


def _campaign_rows(
    client: CloudAgentClient, campaign_name: str, warn: Callable[[str], None], campaigns: set
) -> List[ExistingRow]:
    """One status read: the campaign's rows, their params as a normalised record shows them (masked);
    ``campaigns`` gets every name seen."""
    raw_records = read_matching_records(client, Selection(campaign_name=campaign_name), warn, campaigns=campaigns)
    secrets = list(client.secrets)
    views = [RecordView(raw) for raw in raw_records]
    return campaign_rows(((view, normalize_record(view, secrets)["params"]) for view in views), campaign_name)
