# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""Declarative scheduling (state=present), as pure functions: rows in, identity, the plan out.

A row's identity is (campaign, phone number, scheduled time), compared in the forms of _values.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ConfigurationError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._record_view import RecordView
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._values import (
    cell_text,
    format_time,
    kind_of,
    normalize_phone,
    parse_local_time,
)

MAX_ROWS_PER_REQUEST = 100
SUCCESS_WORDS = ("success", "data updated successfully")

# Row keys of the `rows` option and the vendor's bulkData column each one fills.
ROW_COLUMNS = (
    ("name", "Name"),
    ("priority", "Priority"),
    ("expiry_date", "ExpiryDate"),
    ("skill", "skill"),
    ("agent_id", "AgentID"),
)
ROW_KEYS = frozenset(("phone_number", "scheduled_time", "fields") + tuple(key for key, _column in ROW_COLUMNS))
# A `fields` key may not name what the row's own keys set (always, so that one column has one spelling)...
RESERVED_COLUMNS = frozenset(("phonenumber", "scheduledtime") + tuple(c.lower() for _key, c in ROW_COLUMNS))
# ... nor the parameters the vendor stores beside the columns (ScheduleParams), compared without case and punctuation.
NOT_A_COLUMN = {
    "campaignname": "the campaign",
    "apikey": "the account",
    "action": "the request",
    "format": "the request",
}

# ---------------------------------------------------------------- wanted rows


@dataclass(frozen=True)
class WantedRow:
    """One entry of ``rows``, validated: ``columns`` are the declared vendor columns besides phone and time."""

    index: int
    phone_number: str
    scheduled_time: str
    columns: Tuple[Tuple[str, Any], ...] = ()

    @property
    def identity(self) -> Tuple[str, str]:
        return (self.phone_number, self.scheduled_time)

    def column(self, name: str) -> Any:
        return dict(self.columns).get(name)


def parse_wanted_rows(rows: Any) -> List[WantedRow]:
    """Validate ``rows``; every error names the row by its index, and two rows may not share an identity."""
    if not isinstance(rows, (list, tuple)):
        raise ConfigurationError("rows must be a list of dicts, got %s." % kind_of(rows))
    wanted: List[WantedRow] = []
    first_index: Dict[Tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        parsed = _parse_row(index, row)
        if parsed.identity in first_index:
            raise ConfigurationError(
                "rows[%d] has the same phone number and scheduled time as rows[%d] (%s at %s): a row's identity "
                "is (campaign, phone number, scheduled time), so give each one once."
                % (index, first_index[parsed.identity], parsed.phone_number, parsed.scheduled_time)
            )
        first_index[parsed.identity] = index
        wanted.append(parsed)
    return wanted


def _parse_row(index: int, row: Any) -> WantedRow:
    where = "rows[%d]" % index
    if not isinstance(row, dict):
        raise ConfigurationError(
            "%s must be a dict with phone_number and scheduled_time, got %s." % (where, kind_of(row))
        )
    unknown = sorted(str(key) for key in row if key not in ROW_KEYS)
    if unknown:
        raise ConfigurationError(
            "%s has unknown key(s) %s; known: %s (put further mapping columns under fields)."
            % (where, ", ".join(unknown), ", ".join(sorted(ROW_KEYS)))
        )
    for key in ("phone_number", "scheduled_time"):
        if row.get(key) in (None, ""):
            raise ConfigurationError("%s has no %s; every row needs phone_number and scheduled_time." % (where, key))
    phone = normalize_phone(row["phone_number"], "%s.phone_number" % where)
    moment = format_time(parse_local_time(row["scheduled_time"], "%s.scheduled_time" % where))
    return WantedRow(index, phone, moment, tuple(_declared_columns(row, where)))


def _declared_columns(row: dict, where: str) -> Iterable[Tuple[str, Any]]:
    for key, column in ROW_COLUMNS:
        value = row.get(key)
        if value is None:
            continue
        if key == "priority":
            value = _priority(value, where)
        elif not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ConfigurationError("%s.%s must be text, got %s." % (where, key, kind_of(value)))
        yield column, cell_text(value)
    yield from _extra_fields(row.get("fields"), where)


def _priority(value: Any, where: str) -> int:
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text is None or not re.fullmatch(r"-?[0-9]+", text, re.ASCII):
        raise ConfigurationError("%s.priority must be an integer, got %s." % (where, kind_of(value)))
    return int(text)


def _extra_fields(fields: Any, where: str) -> Iterable[Tuple[str, Any]]:
    if fields is None:
        return
    if not isinstance(fields, dict):
        raise ConfigurationError("%s.fields must be a dict of mapping columns, got %s." % (where, kind_of(fields)))
    for name in sorted(fields, key=str):
        if not isinstance(name, str) or not name.strip():
            raise ConfigurationError("%s.fields has a column name that is not text: %r." % (where, name))
        if name.lower() in RESERVED_COLUMNS:
            raise ConfigurationError(
                "%s.fields.%s is a column the row's own keys set (phone_number, scheduled_time, name, priority, "
                "agent_id, skill, expiry_date); use those keys instead." % (where, name)
            )
        named = NOT_A_COLUMN.get(re.sub(r"[\W_]+", "", name.lower()))
        if named:
            raise ConfigurationError(
                "%s.fields.%s names %s, not a mapping column: set it with the task's options, not in fields."
                % (where, name, named)
            )
        yield name, _field_cell(fields[name], "%s.fields.%s" % (where, name))


def _field_cell(value: Any, where: str) -> str:
    if value is not None and not isinstance(value, (str, int, float)):
        raise ConfigurationError("%s must be text, a number or a boolean, got %s." % (where, kind_of(value)))
    return cell_text(value)


# ---------------------------------------------------------------- existing rows


@dataclass(frozen=True)
class ExistingRow:
    """A status record of the campaign, in comparable form (``identity`` None when it cannot be read)."""

    row_id: int
    identity: Optional[Tuple[str, str]]
    is_request_sent: bool
    params: Dict[str, str]


def campaign_rows(records: Iterable[Tuple[RecordView, Dict[str, str]]], campaign_name: str) -> List[ExistingRow]:
    """The status records of one campaign, ascending by id: each given as its view and its ScheduleParams as
    shown to the user (``ExistingRow.params``)."""
    rows = []
    for view, params in records:
        if view.campaign_name != campaign_name:
            continue
        rows.append(ExistingRow(view.row_id, view.identity, view.is_request_sent, dict(params)))
    return sorted(rows, key=lambda row: row.row_id)


# ---------------------------------------------------------------- the plan


@dataclass
class PresentPlan:
    """What state=present does: create these rows, delete these, and report the rest."""

    create: List[WantedRow] = field(default_factory=list)
    delete: List[ExistingRow] = field(default_factory=list)  # deleted whatever the creates give
    # wanted index -> the pending row its new row replaces (replace_changed): deleted only once the API
    # accepted the new row, so a refused replacement never costs the old row.
    replaces: Dict[int, ExistingRow] = field(default_factory=dict)
    differing: List[dict] = field(default_factory=list)
    kept: Dict[int, int] = field(default_factory=dict)  # wanted index -> id of the row that stands for it

    def all_deletes(self) -> List[ExistingRow]:
        """Every row the plan may delete: the unconditional ones and the old rows of every replacement."""
        return sorted(self.delete + list(self.replaces.values()), key=lambda row: row.row_id)


def plan_present(
    wanted: Sequence[WantedRow], existing: Sequence[ExistingRow], replace_changed: bool = False, exclusive: bool = False
) -> PresentPlan:
    """Create what is missing; with ``exclusive`` delete pending rows not wanted; sent rows are never touched."""
    plan = PresentPlan()
    by_identity: Dict[Tuple[str, str], List[ExistingRow]] = {}
    for row in existing:
        if row.identity is not None:
            by_identity.setdefault(row.identity, []).append(row)
    for row in wanted:
        _plan_one(plan, row, by_identity.pop(row.identity, []), replace_changed, exclusive)
    if exclusive:
        plan.delete.extend(row for rows in by_identity.values() for row in rows if not row.is_request_sent)
        plan.delete.extend(row for row in existing if row.identity is None and not row.is_request_sent)
    plan.delete.sort(key=lambda row: row.row_id)
    return plan


def _plan_one(
    plan: PresentPlan, row: WantedRow, matches: List[ExistingRow], replace_changed: bool, exclusive: bool
) -> None:
    if not matches:
        plan.create.append(row)
        return
    keep = _representative(row, matches)
    others = [other for other in matches if other is not keep and not other.is_request_sent]
    if exclusive:
        plan.delete.extend(others)
    elif replace_changed:
        # Pending copies that differ from the wanted row, beside one that stands for it (e.g. the old row of a
        # replacement whose delete did not happen): replaced by the row already there.
        plan.delete.extend(other for other in others if differences(row, other))
    changes = differences(row, keep)
    if changes and replace_changed and not keep.is_request_sent:
        plan.replaces[row.index] = keep
        plan.create.append(row)
        return
    plan.kept[row.index] = keep.row_id
    if changes:
        plan.differing.append(
            dict(
                index=row.index,
                row_id=keep.row_id,
                phone_number=row.phone_number,
                scheduled_time=row.scheduled_time,
                is_request_sent=keep.is_request_sent,
                changes=changes,
            )
        )


def _representative(row: WantedRow, matches: List[ExistingRow]) -> ExistingRow:
    """The row that stands for a wanted one: a sent one (history) first, then one already equal, then the oldest."""
    for candidate in matches:
        if candidate.is_request_sent:
            return candidate
    for candidate in matches:
        if not differences(row, candidate):
            return candidate
    return matches[0]


def differences(row: WantedRow, existing: ExistingRow) -> Dict[str, dict]:
    """The declared columns whose value differs from the existing row's (undeclared columns are not managed)."""
    return {
        column: dict(existing=existing.params.get(column), wanted=value)
        for column, value in row.columns
        if existing.params.get(column) != cell_text(value)
    }


# ---------------------------------------------------------------- requests and answers


def batches_of(rows: Sequence[WantedRow], size: int = MAX_ROWS_PER_REQUEST) -> List[List[WantedRow]]:
    return [list(rows[start : start + size]) for start in range(0, len(rows), size)]


def bulk_data(rows: Sequence[WantedRow]) -> dict:
    """The ``bulkData`` of one request: ``map`` (the column order) and one ``data`` list per row."""
    declared = {column for row in rows for column, _value in row.columns}
    standard = [column for _key, column in ROW_COLUMNS if column in declared]
    extra = sorted(declared.difference(standard))
    columns = ["PhoneNumber", "ScheduledTime"] + standard + extra
    data = [[row.phone_number, row.scheduled_time] + [_cell(row, column) for column in columns[2:]] for row in rows]
    return {"map": columns, "data": data}


def _cell(row: WantedRow, column: str) -> Any:
    value = row.column(column)
    return "" if value is None else value


def row_verdicts(entries: List[dict], batch: Sequence[WantedRow]) -> Tuple[List[WantedRow], List[dict]]:
    """Split a batch by the API's per-row entries: (accepted rows, rejected rows with the API's message)."""
    by_position = {}
    for position, entry in enumerate(entries):
        by_position.setdefault(_entry_position(entry, position), entry)
    accepted, rejected = [], []
    for position, row in enumerate(batch):
        entry = by_position.get(position)
        if entry is not None and _is_success(entry):
            accepted.append(row)
            continue
        message = _entry_message(entry) if entry is not None else "the API returned no result for this row"
        rejected.append(
            dict(index=row.index, phone_number=row.phone_number, scheduled_time=row.scheduled_time, message=message)
        )
    return accepted, rejected


def _entry_position(entry: dict, position: int) -> int:
    index = str(entry.get("index", "")).strip()
    return int(index) if index.isascii() and index.isdigit() else position


def _is_success(entry: dict) -> bool:
    msg = str(entry.get("msg", "")).strip().lower()
    response = str(entry.get("Response", "")).strip().lower()
    return msg in SUCCESS_WORDS or (not msg and response in SUCCESS_WORDS)


def _entry_message(entry: dict) -> str:
    for key in ("msg", "message", "Response", "error"):
        if isinstance(entry.get(key), str) and entry[key].strip():
            return entry[key].strip()
    return "rejected without a message: %r" % (entry,)


def new_row_ids(
    created: Sequence[WantedRow], before_ids: Iterable[int], after: Sequence[ExistingRow]
) -> Dict[int, Optional[int]]:
    """Wanted index -> the id the status read after creating shows for it (the API returns no ids)."""
    known = set(before_ids)
    fresh: Dict[Tuple[str, str], List[int]] = {}
    for row in after:
        if row.row_id not in known and row.identity is not None:
            fresh.setdefault(row.identity, []).append(row.row_id)
    return {row.index: (fresh.get(row.identity) or [None]).pop(0) for row in created}
