# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""Scheduled Data Status records: vendor shape in, snake_case out, account api key removed."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable, List, Optional
from urllib.parse import parse_qsl

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import REDACTED
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import RowSet

SECRET_PARAM_NAMES = frozenset(("api_key", "apikey"))
TRUE_WORDS = frozenset(("1", "true", "yes"))


def existing_row_ids(raw_records: Iterable[dict], warn: Callable[[str], None]) -> RowSet:
    """The ids of the records, skipping (with a warning) any whose Id is not an integer."""
    return RowSet.from_ids(record["id"] for record in normalize_records(raw_records, warn))


def normalize_records(raw_records: Iterable[dict], warn: Callable[[str], None]) -> List[dict]:
    """Records with snake_case keys and int ids, ascending by id, without the account's api key."""
    records = []
    for raw in raw_records:
        row_id = _row_id(raw.get("Id"))
        if row_id is None:
            warn("Skipped a Scheduled Data Status record whose Id %r is not an integer." % (raw.get("Id"),))
            continue
        records.append(_normalize(raw, row_id))
    return sorted(records, key=lambda record: record["id"])


def filter_records(
    records: List[dict], rows: Optional[RowSet], campaign_name: Optional[str], pending: Optional[bool]
) -> List[dict]:
    """Keep the records matching every filter that is set."""
    return [
        record
        for record in records
        if (rows is None or record["id"] in rows)
        and (campaign_name is None or record["campaign_name"] == campaign_name)
        and (pending is None or record["is_request_sent"] is not pending)
    ]


def _normalize(raw: dict, row_id: int) -> dict:
    params = dict(parse_qsl(_text(raw.get("ScheduleParams")), keep_blank_values=True))
    secrets = {value for value in (_text(raw.get("api_key")), *_secret_params(params)) if value}
    record = dict(
        id=row_id,
        campaign_name=params.get("campaign_name"),
        phone_number=params.get("PhoneNumber"),
        schedule_time=raw.get("ScheduleTime"),
        created_date=raw.get("CreatedDate"),
        request_time=raw.get("RequestTime"),
        is_request_sent=_text(raw.get("IsRequestSent")).strip().lower() in TRUE_WORDS,
        params={key: value for key, value in params.items() if key.lower() not in SECRET_PARAM_NAMES},
        response=_json_or_text(raw.get("Response")),
    )
    return _scrub(record, secrets)


def _secret_params(params: dict) -> List[str]:
    return [value for key, value in params.items() if key.lower() in SECRET_PARAM_NAMES]


def _row_id(value: Any) -> Optional[int]:
    text = _text(value).strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _text(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return "" if value is None else str(int(value))
    return str(value)


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


def scheduled_data_info(
    client, rows: Optional[RowSet], campaign_name: Optional[str], pending: Optional[bool], warn: Callable[[str], None]
) -> dict:
    """The info module's whole job: one status read, normalised and filtered."""
    raw_records = client.get_scheduled_data()
    records = filter_records(normalize_records(raw_records, warn), rows, campaign_name, pending)
    return dict(changed=False, scheduled_data=records, row_ids=RowSet.from_ids(r["id"] for r in records).compact())
