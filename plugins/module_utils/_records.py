# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""Reading Scheduled Data Status records: choosing them as they stream in, and normalising the chosen ones.

A status read holds every record of the account, so callers choose records while the answer
streams in (``matching_records``, ``matching_ids``, ``existing_ids_in``: a ``collect`` for
``CloudAgentClient.get_scheduled_data``, looking at each record through ``RecordView``;
``read_matching_records`` and ``read_selected_ids`` make the read for a ``Selection``), and
normalise only the chosen ones (``normalize_record``: snake_case keys, int ids, secrets masked).
The info module's own reading (summary, paging, fields) is in _info.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, List, Optional, Set, Tuple

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._api_response import snippet, without_lone_surrogates
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._record_view import RecordView, row_id_of
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._redact import (
    MAX_RECORD_DEPTH,
    is_secret_key,
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
    """One status read, filtered by ``selection`` as it streams in: the raw records that match.

    When ``selection`` names a campaign that no record carries, a warning names the closest campaigns that have
    records. ``campaigns``, when given, receives the campaign name of every record instead (and no warning is given).
    """
    return _read_selected(client, selection, warn, campaigns, matching_records)


def read_selected_ids(client, selection: Selection, warn: Callable[[str], None]) -> RowSet:
    """One status read, filtered by ``selection`` as it streams in: the ids of the records that match."""
    return _read_selected(client, selection, warn, None, matching_ids)


def matching_ids(matches: Callable[[int, RecordView], bool]) -> Callable[[Iterator[dict]], Kept]:
    """A ``collect`` keeping the ids (a ``RowSet``) of the records for which ``matches(row_id, view)`` holds."""
    return _collector(lambda row_id, raw: row_id if matches(row_id, RecordView(raw)) else None, RowSet.from_ids)


def _read_selected(client, selection: Selection, warn, campaigns: Optional[Set[str]], collector) -> Any:
    seen = campaigns if campaigns is not None else set()
    matches = selection.matches_view
    if selection.campaign_name is not None or campaigns is not None:
        matches = noting_campaigns(matches, seen)
    found = client.get_scheduled_data(collect=collector(matches))
    found.warn_skipped(warn, client.secrets)
    if campaigns is None:
        hint = unknown_campaign_warning(selection.campaign_name, seen)
        if hint:
            warn(hint)
    return found.kept


def normalize_record(view: RecordView, client_forms: List[str], fields: Optional[Tuple[str, ...]] = None) -> dict:
    """One record (with an integer id) as the modules show it; with ``fields``, only those keys.

    Masked: the account's api key (the value of any ``apikey``-named key, at any depth) and
    ``client_forms`` (the client's api key and tokens), wherever they appear, keys included.
    """
    raw = view.raw
    params = view.params()
    response = json_or_text(raw.get("Response"))
    record_secrets = secret_values(raw) | query_secrets(view.query) | secret_values(response)
    record = dict(
        id=view.row_id,
        campaign_name=view.campaign_name,
        phone_number=view.phone_number,
        schedule_time=view.schedule_time,
        created_date=raw.get("CreatedDate"),
        request_time=raw.get("RequestTime"),
        is_request_sent=view.is_request_sent,
        params={key: value for key, value in params.items() if not is_secret_key(key)},
        response=response,
    )
    if fields is not None:
        record = {key: record[key] for key in fields}
    return mask_value(record, secret_forms(record_secrets) + client_forms)


def json_or_text(value: Any) -> Any:
    """A Response value as the records show it: decoded when it is JSON, else as sent."""
    if not isinstance(value, str) or not value:
        return value  # "" is the usual Response of a pending row
    try:
        return without_lone_surrogates(json.loads(value))
    except ValueError:
        return value
    except RecursionError:
        return "(a JSON text nested deeper than %d levels: not shown)" % MAX_RECORD_DEPTH
