# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""The info module's workflow: one status read, filtered, summarised and paged while it streams in.

Ansible's controller decodes, copies and registers every record a module returns, which for a
large account costs far more than the read itself. So the read keeps only what is returned:

- ``summary`` (counts per campaign, first and last scheduled time) is added up record by record;
- ``row_ids`` is built from runs of consecutive ids, never from a list of records;
- with ``limit``, only the ``limit`` lowest ids are kept, in a bounded heap, and normalised once
  the answer has been read; ``limit: 0`` keeps and normalises no record at all;
- with ``fields``, each kept record is built with those keys only; without ``params`` among them,
  the read keeps the asked values and the record's api keys instead of the raw record
  (``LeanParts``), so a few fields of a large account take a few hundred bytes a record, not the
  1.5 KB of a raw vendor record.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import heapq
from typing import Any, Callable, Dict, FrozenSet, Iterator, List, Optional, Set, Tuple
from urllib.parse import unquote_plus

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ConfigurationError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._record_view import RecordView, row_id_of, text_of
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._records import (
    Kept,
    json_or_text,
    normalize_record,
    skipped_id_warning,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._redact import (
    is_secret_key,
    mask_text,
    mask_value,
    query_secrets,
    secret_forms,
    secret_values,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import RowSet
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import (
    Selection,
    noting_campaigns,
    unknown_campaign_warning,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._values import format_time, parse_local_time

RECORD_FIELDS = (
    "id",
    "campaign_name",
    "phone_number",
    "schedule_time",
    "created_date",
    "request_time",
    "is_request_sent",
    "params",
    "response",
)


# ---------------------------------------------------------------- options


def parse_fields(value: Any) -> Optional[Tuple[str, ...]]:
    """The record keys to keep (``id`` first, always), in RECORD_FIELDS order; None keeps every key."""
    if value is None:
        return None
    names = value if isinstance(value, (list, tuple)) else [value]
    unknown = [name for name in names if name not in RECORD_FIELDS]
    if unknown:
        raise ConfigurationError(_unknown_fields_message(unknown))
    wanted = set(names) | {"id"}
    return tuple(name for name in RECORD_FIELDS if name in wanted)


def _unknown_fields_message(unknown: List[Any]) -> str:
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(str(name), RECORD_FIELDS, n=1)
        hints.append("%r%s" % (name, " (did you mean %r?)" % close[0] if close else ""))
    return "fields: unknown record key(s) %s. Valid keys: %s." % (", ".join(hints), ", ".join(RECORD_FIELDS))


def parse_limit(value: Any) -> Optional[int]:
    """The most records to return; None for no limit."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError("limit must be an integer of 0 or more, got %r." % (value,))
    return value


# ---------------------------------------------------------------- the summary


class CampaignTally:
    """Counts and scheduled-time bounds of one campaign's matching records."""

    __slots__ = ("total", "sent", "first", "last")

    def __init__(self):
        self.total = 0
        self.sent = 0
        self.first: Optional[str] = None
        self.last: Optional[str] = None

    def add(self, sent: bool, scheduled: Any) -> None:
        """Count one record; ``scheduled`` is its ``RecordView.scheduled_text``."""
        self.total += 1
        if sent:
            self.sent += 1
        if self.first is not None and _has_canonical_shape(scheduled) and self.first <= scheduled <= self.last:
            return  # cannot move a bound, whether or not it names a real time: left unchecked
        moment = record_moment(scheduled)
        if moment is not None:
            # Canonical 'YYYY-MM-DD HH:MM:SS' texts sort as the times they name.
            if self.first is None or moment < self.first:
                self.first = moment
            if self.last is None or moment > self.last:
                self.last = moment

    def as_dict(self) -> dict:
        return dict(
            total=self.total,
            pending=self.total - self.sent,
            sent=self.sent,
            first_scheduled=self.first,
            last_scheduled=self.last,
        )


class SummaryBuilder:
    """Adds up the matching records per campaign; campaign names are masked like record values.

    The secrets masked in a name: the client's, every record's top-level ``api_key``, and every api
    key the first record of that campaign carries (its ScheduleParams decoded once per campaign).
    """

    def __init__(self):
        self._campaigns: Dict[str, CampaignTally] = {}
        self._secrets: Set[str] = set()  # the account keys the records carried (campaign names are vendor text)

    def add(self, raw: dict, view: RecordView) -> None:
        name, scheduled = view.campaign_and_time
        name = "" if name is None else name
        tally = self._campaigns.get(name)
        if tally is None:
            tally = self._campaigns[name] = CampaignTally()
            self._secrets |= _record_secrets(raw)
        else:
            key = raw.get("api_key")
            if key not in self._secrets and key.__class__ is str and key:
                self._secrets.add(key)
        tally.add(view.is_request_sent, scheduled)

    def summary(self, client_forms: List[str]) -> dict:
        forms = secret_forms(self._secrets) + client_forms
        campaigns: Dict[str, dict] = {}
        for name in sorted(self._campaigns):
            tally = self._campaigns[name].as_dict()
            shown = mask_text(name, forms)
            if shown in campaigns:  # two names that differ only in a masked secret
                tally = _merged(campaigns[shown], tally)
            campaigns[shown] = tally
        total = sum(tally["total"] for tally in campaigns.values())
        sent = sum(tally["sent"] for tally in campaigns.values())
        return dict(total=total, pending=total - sent, sent=sent, campaigns=campaigns)


def _merged(one: dict, other: dict) -> dict:
    merged = {key: one[key] + other[key] for key in ("total", "pending", "sent")}
    firsts = [value for value in (one["first_scheduled"], other["first_scheduled"]) if value is not None]
    lasts = [value for value in (one["last_scheduled"], other["last_scheduled"]) if value is not None]
    return dict(merged, first_scheduled=min(firsts, default=None), last_scheduled=max(lasts, default=None))


def _record_secrets(raw: dict) -> Set[str]:
    return secret_values(raw) | query_secrets(text_of(raw.get("ScheduleParams")))


def record_moment(value: Any) -> Optional[str]:
    """A record's scheduled time (``RecordView.scheduled_text``) as ``YYYY-MM-DD HH:MM:SS``, the time the
    filters compare; None when unreadable."""
    if _has_canonical_shape(value):
        try:
            datetime.datetime.fromisoformat(value)  # the usual case: checks digits and ranges at C speed
            return value
        except ValueError:
            pass
    try:
        return format_time(parse_local_time(value))
    except ConfigurationError:
        return None


def _has_canonical_shape(value: Any) -> bool:
    """Whether ``value`` is 19 ASCII characters with 'YYYY-MM-DD HH:MM:SS' separators (every third from 4 on)."""
    return value.__class__ is str and len(value) == 19 and value[4::3] == "-- ::" and value.isascii()


# ---------------------------------------------------------------- the records kept


class LowestRecords:
    """What ``keep`` makes of the records of the ``limit`` lowest ids (all of them without a limit), normalised after the read.

    Normalising is left until the answer has been read: ``timeout`` bounds the whole request, and
    normalising every record of a large account while it streams in would stretch the request by
    as much. ``keep(row_id, raw, view)`` (default: the raw record itself) runs only for the records
    stored.
    """

    def __init__(self, limit: Optional[int], keep: Optional[Callable[[int, dict, RecordView], Any]] = None):
        self._limit = limit
        self._keep = keep or (lambda row_id, raw, view: raw)
        self._heap: List[tuple] = []  # without a limit (id, kept) in arrival order, else (-id, -arrival, kept)
        self._arrivals = 0

    def offer(self, row_id: int, raw: dict, view: RecordView) -> None:
        heap = self._heap
        if self._limit is None:
            heap.append((row_id, self._keep(row_id, raw, view)))
        elif len(heap) < self._limit:
            heapq.heappush(heap, (-row_id, self._next_arrival(), self._keep(row_id, raw, view)))
        elif heap and row_id < -heap[0][0]:
            heapq.heapreplace(heap, (-row_id, self._next_arrival(), self._keep(row_id, raw, view)))

    def _next_arrival(self) -> int:
        """Negative and falling: among records of one id, the latest to come is on top, so it goes first."""
        self._arrivals -= 1
        return self._arrivals

    def normalized(self, normalize: Callable[[Any], dict]) -> List[dict]:
        """The kept records normalised, ascending by id (records of one id in the order they came).

        Each kept form is let go as soon as it is normalised, so both forms of every record are
        never held at once.
        """
        entries = self._heap
        self._heap = []
        if self._limit is None:
            entries.sort(key=lambda entry: entry[0])  # stable: records of one id stay in arrival order
        else:
            entries = [(-negative_id, kept) for negative_id, _arrival, kept in sorted(entries, key=_heap_order)]
        records = []
        for index, (_row_id, kept) in enumerate(entries):
            records.append(normalize(kept))
            entries[index] = None
        return records


def _heap_order(entry: tuple) -> Tuple[int, int]:
    return (-entry[0], -entry[1])


class LeanParts:
    """A record cut to ``fields`` (without ``params``), kept while the answer streams in and built after.

    Kept per record: the asked values that need no decoding, the raw Response (decoded after the
    read, as it may hold api keys of its own), and the api keys found in the raw record and its
    ScheduleParams, the same ones ``normalize_record`` masks (one shared set per distinct set of keys:
    an account's records usually carry the same one). ``record`` gives what ``normalize_record``
    gives for ``fields``.
    """

    def __init__(self, fields: Tuple[str, ...]):
        self._fields = fields
        self._early = tuple(_LEAN_VALUES[name] for name in fields if name != "response")
        self._key_sets: Dict[FrozenSet[str], FrozenSet[str]] = {}
        self._forms: Dict[FrozenSet[str], List[str]] = {}

    def keep(self, row_id: int, raw: dict, view: RecordView) -> tuple:
        keys = frozenset(secret_values(raw) | _param_secrets(view.query))
        keys = self._key_sets.setdefault(keys, keys)
        return (keys, raw.get("Response")) + tuple(value(view, row_id) for value in self._early)

    def record(self, kept: tuple, client_forms: List[str]) -> dict:
        keys, raw_response = kept[0], kept[1]
        response = json_or_text(raw_response)
        response_keys = secret_values(response)
        if response_keys:
            forms = secret_forms(keys | response_keys) + client_forms
        else:
            forms = self._forms.get(keys)
            if forms is None:
                forms = self._forms[keys] = secret_forms(keys) + client_forms
        values = iter(kept[2:])
        record = {name: response if name == "response" else next(values) for name in self._fields}
        return mask_value(record, forms)


class IdRuns:
    """The ids of the matching records as runs of consecutive ids: small however many records match."""

    def __init__(self):
        self._runs: List[Tuple[int, int]] = []
        self._start = self._end = None

    def add(self, row_id: int) -> None:
        if self._end is not None and row_id == self._end + 1:
            self._end = row_id
            return
        if self._start is not None:
            self._runs.append((self._start, self._end))
        self._start = self._end = row_id

    def row_set(self) -> RowSet:
        runs = self._runs + ([] if self._start is None else [(self._start, self._end)])
        return RowSet(runs)


# ---------------------------------------------------------------- the read


class InfoRead:
    """What one status read gives the info module: the kept records, the summary and every matching id."""

    def __init__(self, records: LowestRecords, summary: SummaryBuilder, ids: IdRuns):
        self.records = records
        self.summary = summary
        self.ids = ids


def info_collector(
    selection: Selection,
    limit: Optional[int],
    campaigns: Optional[Set[str]] = None,
    keep: Optional[Callable[[int, dict, RecordView], Any]] = None,
) -> Callable[[Iterator[dict]], Kept]:
    """A ``collect`` for ``CloudAgentClient.get_scheduled_data`` returning a ``Kept`` of an ``InfoRead``.

    ``campaigns``, when given, receives the campaign name of every record read (matching or not);
    ``keep`` is what the records are kept as (see ``LowestRecords``).
    """
    matches_view = selection.matches_view if campaigns is None else noting_campaigns(selection.matches_view, campaigns)
    every_record = campaigns is None and selection.rows is None and not selection.has_selectors

    def collect(raw_records: Iterator[dict]) -> Kept:
        read = InfoRead(LowestRecords(limit, keep), SummaryBuilder(), IdRuns())
        keeps_records = limit != 0
        skipped = []
        matches, add_to_summary, add_id, offer = (
            matches_view,
            read.summary.add,
            read.ids.add,
            read.records.offer,
        )
        for raw in raw_records:
            row_id = row_id_of(raw.get("Id"))
            if row_id is None:
                skipped.append(raw.get("Id"))
                continue
            view = RecordView(raw)
            if not (every_record or matches(row_id, view)):
                continue
            add_to_summary(raw, view)
            add_id(row_id)
            if keeps_records:
                offer(row_id, raw, view)
        return Kept(read, tuple(skipped))

    return collect


@dataclasses.dataclass(frozen=True)
class InfoReport:
    """What the info module read; ``result()`` is the module result."""

    records: List[dict]
    row_ids: RowSet
    summary: dict
    truncated: bool

    def result(self) -> dict:
        return dict(
            changed=False,
            scheduled_data=self.records,
            row_ids=self.row_ids.compact(),
            summary=self.summary,
            truncated=self.truncated,
        )


def scheduled_data_info(
    client,
    selection: Selection,
    warn: Callable[[str], None],
    limit: Optional[int] = None,
    fields: Optional[Tuple[str, ...]] = None,
) -> InfoReport:
    """The info module's whole job: one status read, summarised, paged by ``limit``, records cut to ``fields``."""
    campaigns = set() if selection.campaign_name is not None else None
    lean = LeanParts(fields) if fields is not None and "params" not in fields else None
    found = client.get_scheduled_data(collect=info_collector(selection, limit, campaigns, lean and lean.keep))
    secrets = list(client.secrets)
    for value in found.skipped_ids:
        warn(skipped_id_warning(value, secrets))
    hint = unknown_campaign_warning(selection.campaign_name, campaigns or set())
    if hint:
        warn(hint)
    read: InfoRead = found.kept
    if lean is None:
        records = read.records.normalized(lambda raw: normalize_record(RecordView(raw), secrets, fields))
    else:
        records = read.records.normalized(lambda kept: lean.record(kept, secrets))
    summary = read.summary.summary(secrets)
    return InfoReport(
        records=records,
        row_ids=read.ids.row_set(),
        summary=summary,
        truncated=len(records) < summary["total"],  # the summary counts every matching record
    )


# ---------------------------------------------------------------- the records returned


_LEAN_VALUES = {  # the values of a lean record read while the answer streams in (response is decoded after)
    "id": lambda view, row_id: row_id,
    "campaign_name": lambda view, row_id: view.campaign_name,
    "phone_number": lambda view, row_id: view.phone_number,
    "schedule_time": lambda view, row_id: view.schedule_time,
    "created_date": lambda view, row_id: view.raw.get("CreatedDate"),
    "request_time": lambda view, row_id: view.raw.get("RequestTime"),
    "is_request_sent": lambda view, row_id: view.is_request_sent,
}


def _param_secrets(query: str) -> Set[str]:
    """The values of ScheduleParams' ``apikey``-named fields, as ``query_secrets`` finds them, and possibly more.

    An ASCII query is read without decoding every field: only the fields whose name may hold a "k"
    (as written, or behind an escape) are looked at.
    """
    if not query.isascii():  # non-ASCII letters may fold to "k": let the full parse decide
        return query_secrets(query)
    found = set()
    for field in query.split("&"):
        name, _equals, value = field.partition("=")
        if value and ("k" in name or "K" in name or "%" in name):
            if "%" in name or "+" in name:
                name = unquote_plus(name)
            if is_secret_key(name):
                found.add(unquote_plus(value))
    return found
