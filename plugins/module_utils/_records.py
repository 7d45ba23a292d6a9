# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""Scheduled Data Status records: vendor shape in, snake_case out, account api key removed.

A status read holds every record of the account, so callers choose records while the answer
streams in (``matching_records``, ``existing_ids_in``: a ``collect`` for
``CloudAgentClient.get_scheduled_data``, looking at each record through ``RecordView``) and
normalise only the chosen ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, List, Optional
from urllib.parse import parse_qsl

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import REDACTED
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._record_view import (
    TRUE_WORDS,
    RecordView,
    field_reader,
    is_request_sent,
    row_id_of,
    text_of,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import RowSet

SECRET_PARAM_NAMES = frozenset(("api_key", "apikey"))
FROZENSET_LIMIT = 200000  # ids; a frozenset of them takes about 10 MB
SKIPPED_ID_MESSAGE = "Skipped a Scheduled Data Status record whose Id %r is not an integer."


@dataclass(frozen=True)
class Selection:
    """What a ``collect`` kept of a status answer: ``kept`` (records or ids), and the Ids that are not integers."""

    kept: Any
    skipped_ids: tuple = ()

    def warn_skipped(self, warn: Callable[[str], None]) -> None:
        for value in self.skipped_ids:
            warn(SKIPPED_ID_MESSAGE % (value,))


def matching_records(matches: Callable[[int, RecordView], bool]) -> Callable[[Iterator[dict]], Selection]:
    """A ``collect`` keeping the raw records for which ``matches(row_id, view)`` holds."""
    def collect(raw_records: Iterator[dict]) -> Selection:
        kept, skipped = [], []
        for raw in raw_records:
            row_id = row_id_of(raw.get("Id"))
            if row_id is None:
                skipped.append(raw.get("Id"))
            elif matches(row_id, RecordView(raw)):
                kept.append(raw)
        return Selection(kept, tuple(skipped))
    return collect


def existing_ids_in(rows: RowSet) -> Callable[[Iterator[dict]], Selection]:
    """A ``collect`` keeping only the ids (a ``RowSet``) of the records whose id is in ``rows``."""
    wanted = fast_membership(rows)

    def collect(raw_records: Iterator[dict]) -> Selection:
        kept, skipped = [], []
        for raw in raw_records:
            raw_id = raw.get("Id")
            if raw_id.__class__ is str and raw_id.isdigit() and raw_id.isascii():
                row_id = int(raw_id)  # the usual case, without a call
            else:
                row_id = row_id_of(raw_id)
                if row_id is None:
                    skipped.append(raw_id)
                    continue
            if row_id in wanted:
                kept.append(row_id)
        return Selection(RowSet.from_ids(kept), tuple(skipped))
    return collect


def fast_membership(rows: RowSet):
    """``rows`` itself, or a frozenset of its ids when that is small: a hash lookup beats a bisection."""
    return frozenset(rows) if len(rows) <= FROZENSET_LIMIT else rows


def existing_row_ids(raw_records: Iterable[dict], warn: Callable[[str], None]) -> RowSet:
    """The ids of the records, skipping (with a warning) any whose Id is not an integer."""
    return RowSet.from_ids(record["id"] for record in normalize_records(raw_records, warn))


def normalize_records(raw_records: Iterable[dict], warn: Callable[[str], None]) -> List[dict]:
    """Records with snake_case keys and int ids, ascending by id, without the account's api key."""
    records = []
    for raw in raw_records:
        row_id = row_id_of(raw.get("Id"))
        if row_id is None:
            warn(SKIPPED_ID_MESSAGE % (raw.get("Id"),))
            continue
        records.append(_normalize(raw, row_id))
    return sorted(records, key=lambda record: record["id"])


def filter_records(records: List[dict], rows: Optional[RowSet], campaign_name: Optional[str],
                   pending: Optional[bool]) -> List[dict]:
    """Keep the records matching every filter that is set."""
    return [
        record for record in records
        if (rows is None or record["id"] in rows)
        and (campaign_name is None or record["campaign_name"] == campaign_name)
        and (pending is None or record["is_request_sent"] is not pending)
    ]


def _normalize(raw: dict, row_id: int) -> dict:
    params = dict(parse_qsl(text_of(raw.get("ScheduleParams")), keep_blank_values=True))
    secrets = {value for value in (text_of(raw.get("api_key")), *_secret_params(params)) if value}
    record = dict(
        id=row_id,
        campaign_name=params.get("campaign_name"),
        phone_number=params.get("PhoneNumber"),
        schedule_time=raw.get("ScheduleTime"),
        created_date=raw.get("CreatedDate"),
        request_time=raw.get("RequestTime"),
        is_request_sent=text_of(raw.get("IsRequestSent")).strip().lower() in TRUE_WORDS,
        params={key: value for key, value in params.items() if key.lower() not in SECRET_PARAM_NAMES},
        response=_json_or_text(raw.get("Response")),
    )
    return _scrub(record, secrets)


def _secret_params(params: dict) -> List[str]:
    return [value for key, value in params.items() if key.lower() in SECRET_PARAM_NAMES]


def _json_or_text(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _scrub(value: Any, secrets: set) -> Any:
    """Replace the account api key wherever else it appears (a Response may echo the request)."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {key: _scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, secrets) for item in value]
    return value


def scheduled_data_info(client, rows: Optional[RowSet], campaign_name: Optional[str], pending: Optional[bool],
                        warn: Callable[[str], None]) -> dict:
    """The info module's whole job: one status read, filtered as it streams in, the matches normalised."""
    selection = client.get_scheduled_data(collect=_info_filter(rows, campaign_name, pending))
    selection.warn_skipped(warn)
    records = normalize_records(selection.kept, warn)
    return dict(changed=False, scheduled_data=records, row_ids=RowSet.from_ids(r["id"] for r in records).compact())


def _info_filter(rows: Optional[RowSet], campaign_name: Optional[str],
                 pending: Optional[bool]) -> Callable[[Iterator[dict]], Selection]:
    """A ``collect`` applying ``filter_records``' test to raw records, cheapest field first, in one loop."""
    wanted = None if rows is None else fast_membership(rows)
    campaign_of = field_reader("campaign_name")

    def collect(raw_records: Iterator[dict]) -> Selection:
        kept, skipped = [], []
        for raw in raw_records:
            raw_id = raw.get("Id")
            if raw_id.__class__ is str and raw_id.isdigit() and raw_id.isascii():
                row_id = int(raw_id)  # the usual case, without a call
            else:
                row_id = row_id_of(raw_id)
                if row_id is None:
                    skipped.append(raw_id)
                    continue
            if ((wanted is None or row_id in wanted)
                    and (pending is None or is_request_sent(raw) is not pending)
                    and (campaign_name is None or campaign_of(raw) == campaign_name)):
                kept.append(raw)
        return Selection(kept, tuple(skipped))
    return collect
