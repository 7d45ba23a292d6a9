# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""Scheduled Data Status records: vendor shape in, snake_case out, secrets masked.

A status read holds every record of the account, so callers choose records while the answer
streams in (``matching_records``, ``existing_ids_in``: a ``collect`` for
``CloudAgentClient.get_scheduled_data``, looking at each record through ``RecordView``) and
normalise only the chosen ones (``read_matching_records``). The info module's workflow, which
also summarises and pages what it reads, is in _info.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, List, Optional, Set, Tuple
from urllib.parse import parse_qsl, unquote_plus

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._api_response import snippet, without_lone_surrogates
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._record_view import (
    TRUE_WORDS,
    RecordView,
    row_id_of,
    text_of,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._redact import (
    MAX_RECORD_DEPTH,
    is_secret_key,
    mask_value,
    secret_forms,
    secret_values,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import RowSet
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import (
    Selection,
    noting_campaigns,
    select_records,
    unknown_campaign_warning,
)

FROZENSET_LIMIT = 200000  # ids; a frozenset of them takes about 10 MB


@dataclass(frozen=True)
class Kept:
    """What a ``collect`` kept of a status answer: ``kept`` (records or ids), and the Ids that are not integers."""

    kept: Any
    skipped_ids: tuple = ()

    def warn_skipped(self, warn: Callable[[str], None], secrets: Iterable[str] = ()) -> None:
        for value in self.skipped_ids:
            warn(skipped_id_warning(value, list(secrets)))


def skipped_id_warning(value: Any, client_forms: List[str]) -> str:
    return "Skipped a Scheduled Data Status record whose Id %s is not an integer." % snippet(
        repr(mask_value(value, client_forms))
    )


def matching_records(matches: Callable[[int, RecordView], bool]) -> Callable[[Iterator[dict]], Kept]:
    """A ``collect`` keeping the raw records for which ``matches(row_id, view)`` holds."""
    return _collector(lambda row_id, raw: raw if matches(row_id, RecordView(raw)) else None, list)


def existing_ids_in(rows: RowSet) -> Callable[[Iterator[dict]], Kept]:
    """A ``collect`` keeping only the ids (a ``RowSet``) of the records whose id is in ``rows``."""
    wanted = fast_membership(rows)
    return _collector(lambda row_id, raw: row_id if row_id in wanted else None, RowSet.from_ids)


def _collector(pick: Callable[[int, dict], Any], gather: Callable[[list], Any]) -> Callable[[Iterator[dict]], Kept]:
    """A ``collect`` keeping what ``pick(row_id, raw)`` returns (None: nothing), gathered by ``gather``."""

    def collect(raw_records: Iterator[dict]) -> Kept:
        kept, skipped = [], []
        for raw in raw_records:
            row_id = row_id_of(raw.get("Id"))
            if row_id is None:
                skipped.append(raw.get("Id"))
                continue
            item = pick(row_id, raw)
            if item is not None:
                kept.append(item)
        return Kept(gather(kept), tuple(skipped))

    return collect


def fast_membership(rows: RowSet):
    """``rows`` itself, or a frozenset of its ids when that is small: a hash lookup beats a bisection."""
    return frozenset(rows) if len(rows) <= FROZENSET_LIMIT else rows


def read_matching_records(
    client, selection: Selection, warn: Callable[[str], None], campaigns: Optional[Set[str]] = None
) -> List[dict]:
    """One status read, filtered by ``selection`` as it streams in; only the matches are normalised.

    When ``selection`` names a campaign that no record carries, a warning names the closest campaigns that have
    records. ``campaigns``, when given, receives the campaign name of every record instead (and no warning is given).
    """
    seen = campaigns if campaigns is not None else set()
    matches = selection.matches_view
    if selection.campaign_name is not None or campaigns is not None:
        matches = noting_campaigns(matches, seen)
    found = client.get_scheduled_data(collect=matching_records(matches))
    found.warn_skipped(warn, client.secrets)
    if campaigns is None:
        hint = unknown_campaign_warning(selection.campaign_name, seen)
        if hint:
            warn(hint)
    return normalize_records(found.kept, warn, client.secrets)


def existing_row_ids(raw_records: Iterable[dict], warn: Callable[[str], None]) -> RowSet:
    """The ids of the records, skipping (with a warning) any whose Id is not an integer."""
    return RowSet.from_ids(record["id"] for record in normalize_records(raw_records, warn))


def normalize_records(
    raw_records: Iterable[dict], warn: Callable[[str], None], secrets: Iterable[str] = ()
) -> List[dict]:
    """Records with snake_case keys and int ids, ascending by id, with secrets masked.

    Masked: the account's api key (the value of any ``apikey``-named key, at any depth) and
    ``secrets`` (the client's api key and tokens), wherever they appear, keys included.
    """
    client_forms = list(secrets)
    records = []
    for raw in raw_records:
        row_id = row_id_of(raw.get("Id"))
        if row_id is None:
            warn(skipped_id_warning(raw.get("Id"), client_forms))
            continue
        records.append(normalize_record(raw, row_id, client_forms))
    return sorted(records, key=lambda record: record["id"])


def filter_records(records: List[dict], selection: Selection) -> List[dict]:
    """Keep the records matching every filter of ``selection`` (see _selectors.py)."""
    return select_records(records, selection)


def normalize_record(raw: dict, row_id: int, client_forms: List[str], fields: Optional[Tuple[str, ...]] = None) -> dict:
    """One raw record as the info module returns it (see ``normalize_records``); with ``fields``, only those keys.

    Without ``params`` among ``fields``, ScheduleParams is not decoded as a whole: the kept fields
    are read through ``RecordView`` (the same values) and the api keys to mask are found by
    ``_param_secrets``, so a record of a few keys costs a fraction of a full one.
    """
    if fields is not None and "params" not in fields:
        return _lean_record(raw, row_id, client_forms, fields)
    params = dict(parse_qsl(text_of(raw.get("ScheduleParams")), keep_blank_values=True))
    response = _json_or_text(raw.get("Response"))
    record_secrets = secret_values(raw) | secret_values(params) | secret_values(response)
    record = _full_record(raw, row_id, params, response)
    if fields is not None:
        record = {key: record[key] for key in fields}
    return mask_value(record, secret_forms(record_secrets) + client_forms)


def _lean_record(raw: dict, row_id: int, client_forms: List[str], fields: Tuple[str, ...]) -> dict:
    view = RecordView(raw)
    response = _json_or_text(raw.get("Response"))
    record = {name: _LEAN_VALUES[name](raw, view, row_id, response) for name in fields}
    record_secrets = secret_values(raw) | _param_secrets(view.query) | secret_values(response)
    return mask_value(record, secret_forms(record_secrets) + client_forms)


_LEAN_VALUES = {
    "id": lambda raw, view, row_id, response: row_id,
    "campaign_name": lambda raw, view, row_id, response: view.campaign_name,
    "phone_number": lambda raw, view, row_id, response: view.phone_number,
    "schedule_time": lambda raw, view, row_id, response: raw.get("ScheduleTime"),
    "created_date": lambda raw, view, row_id, response: raw.get("CreatedDate"),
    "request_time": lambda raw, view, row_id, response: raw.get("RequestTime"),
    "is_request_sent": lambda raw, view, row_id, response: (
        text_of(raw.get("IsRequestSent")).strip().lower() in TRUE_WORDS
    ),
    "response": lambda raw, view, row_id, response: response,
}
# A field whose name may normalise to "apikey": it holds a "k" (or an escape that may decode to one).
_MAYBE_SECRET_FIELD = re.compile(r"(?:^|&)([^&=]*[kK%][^&=]*)=([^&]*)")


def _param_secrets(query: str) -> Set[str]:
    """The values of ScheduleParams' ``apikey``-named fields: those of the full parse, and possibly more.

    Every field is looked at, not only the last of each name (as the full parse's dict keeps), so
    this may mask more than a full record would, never less.
    """
    if not query.isascii():  # non-ASCII letters may fold to "k": let the full parse decide
        return secret_values(dict(parse_qsl(query, keep_blank_values=True)))
    found = set()
    for name, value in _MAYBE_SECRET_FIELD.findall(query):
        if "%" in name or "+" in name:
            name = unquote_plus(name)
        if value and is_secret_key(name):
            found.add(unquote_plus(value))
    return found


def _full_record(raw: dict, row_id: int, params: dict, response: Any) -> dict:
    return dict(
        id=row_id,
        campaign_name=params.get("campaign_name"),
        phone_number=params.get("PhoneNumber"),
        schedule_time=raw.get("ScheduleTime"),
        created_date=raw.get("CreatedDate"),
        request_time=raw.get("RequestTime"),
        is_request_sent=text_of(raw.get("IsRequestSent")).strip().lower() in TRUE_WORDS,
        params={key: value for key, value in params.items() if not is_secret_key(key)},
        response=response,
    )


def _json_or_text(value: Any) -> Any:
    if not isinstance(value, str) or not value:
        return value  # "" is the usual Response of a pending row
    try:
        return without_lone_surrogates(json.loads(value))
    except ValueError:
        return value
    except RecursionError:
        return "(a JSON text nested deeper than %d levels: not shown)" % MAX_RECORD_DEPTH
