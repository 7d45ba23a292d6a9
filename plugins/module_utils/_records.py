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

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._api_response import snippet
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._redact import (
    MAX_RECORD_DEPTH,
    is_secret_key,
    mask_value,
    secret_forms,
    secret_values,
)
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._rowids import RowSet
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._selectors import Selection, select_records, selected_ids

TRUE_WORDS = frozenset(("1", "true", "yes"))
# Longer digit strings are no row id, and int() refuses 4,300+ digits (Python's conversion limit).
MAX_ID_DIGITS = 19


def existing_row_ids(raw_records: Iterable[dict], warn: Callable[[str], None]) -> RowSet:
    """The ids of the records, skipping (with a warning) any whose Id is not an integer."""
    return RowSet.from_ids(record["id"] for record in normalize_records(raw_records, warn))


def normalize_records(raw_records: Iterable[dict], warn: Callable[[str], None],
                      secrets: Iterable[str] = ()) -> List[dict]:
    """Records with snake_case keys and int ids, ascending by id, with secrets masked.

    Masked: the account's api key (the value of any ``apikey``-named key, at any depth) and
    ``secrets`` (the client's api key and tokens), wherever they appear, keys included.
    """
    client_forms = list(secrets)
    records = []
    for raw in raw_records:
        row_id = _row_id(raw.get("Id"))
        if row_id is None:
            warn("Skipped a Scheduled Data Status record whose Id %s is not an integer."
                 % snippet(repr(mask_value(raw.get("Id"), client_forms))))
            continue
        records.append(_normalize(raw, row_id, client_forms))
    return sorted(records, key=lambda record: record["id"])


def filter_records(records: List[dict], selection: Selection) -> List[dict]:
    """Keep the records matching every filter of ``selection`` (see _selectors.py)."""
    return select_records(records, selection)


def _normalize(raw: dict, row_id: int, client_forms: List[str]) -> dict:
    params = dict(parse_qsl(_text(raw.get("ScheduleParams")), keep_blank_values=True))
    response = _json_or_text(raw.get("Response"))
    record_secrets = secret_values(raw) | secret_values(params) | secret_values(response)
    record = dict(
        id=row_id,
        campaign_name=params.get("campaign_name"),
        phone_number=params.get("PhoneNumber"),
        schedule_time=raw.get("ScheduleTime"),
        created_date=raw.get("CreatedDate"),
        request_time=raw.get("RequestTime"),
        is_request_sent=_text(raw.get("IsRequestSent")).strip().lower() in TRUE_WORDS,
        params={key: value for key, value in params.items() if not is_secret_key(key)},
        response=response,
    )
    return mask_value(record, secret_forms(record_secrets) + client_forms)


def _row_id(value: Any) -> Optional[int]:
    text = _text(value).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS else None


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
    except RecursionError:
        return "(a JSON text nested deeper than %d levels: not shown)" % MAX_RECORD_DEPTH


def scheduled_data_info(client, selection: Selection, warn: Callable[[str], None]) -> dict:
    """The info module's whole job: one status read, normalised and filtered."""
    raw_records = client.get_scheduled_data()
    records = filter_records(normalize_records(raw_records, warn, client.secrets), selection)
    return dict(changed=False, scheduled_data=records, row_ids=selected_ids(records).compact())
